// The test suite on a busy machine: runs test/run.mjs (same arguments: folders, --grep=…) with CPU-burning processes
// beside it, so a test that leans on a wall-clock margin fails here rather than on a loaded CI box.
// Usage: node test/load.mjs [--burners=N] [test/run.mjs arguments]   (default: 2 burners, the whole suite)
// `npm run test:load` builds first, like `npm test`.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const args = process.argv.slice(2);
const burnersArg = args.find((a) => a.startsWith('--burners='));
const burners = burnersArg ? Number(burnersArg.slice('--burners='.length)) : 2;
const rest = args.filter((a) => a !== burnersArg);

// Each burner spins one core at 100 % until killed (by its pid, below).
const spinners = Array.from({ length: burners }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stop = () => {
  for (const s of spinners) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
};
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

console.log(`test:load: ${burners} CPU burner(s) (pids ${spinners.map((s) => s.pid).join(', ')}) beside the suite on ${os.cpus().length} core(s); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const started = Date.now();
const suite = spawn(process.execPath, [path.join(root, 'test', 'run.mjs'), ...rest], { cwd: root, stdio: 'inherit' });
suite.on('exit', (code, signal) => {
  stop();
  console.log(`test:load: suite ${code === 0 ? 'passed' : `FAILED (${signal ?? code})`} in ${((Date.now() - started) / 1000).toFixed(0)} s; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  process.exit(code ?? 1);
});
