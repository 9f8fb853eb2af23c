// Collects *.test.ts under the given folders (Node 20's --test has no globs) and runs them with node's test runner.
// Usage: node test/run.mjs [folder ...]   (default: test/unit test/integration test/browser)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const args = process.argv.slice(2);
const filters = args.filter((a) => a.startsWith('--grep=')).map((a) => a.slice(7));
const dirs = args.filter((a) => !a.startsWith('--'));
const folders = dirs.length ? dirs : ['test/unit', 'test/integration', 'test/browser'];

function walk(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = folders
  .flatMap((f) => walk(path.resolve(root, f), []))
  .filter((f) => !filters.length || filters.some((g) => f.includes(g)))
  .sort();
if (!files.length) {
  console.error(`no test files under ${folders.join(', ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
