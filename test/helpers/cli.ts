/** Run a command of the built agent (`dist/agent.js`) as a child process; optionally SIGKILL it when a condition holds. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { repoRoot } from './tmp';

export const builtAgent = path.join(repoRoot, 'dist', 'agent.js');

/** Build dist/ once if a test runs before `npm test` built it. */
export function ensureBuilt(): void {
  if (!fs.existsSync(builtAgent)) spawnSync('node', ['build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
}

export interface CliOutcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** `node dist/agent.js <args>`; `killWhen` is polled every 5 ms and SIGKILLs the process when true. */
export function runAgentCli(args: string[], opts: { killWhen?: () => boolean; timeoutMs?: number } = {}): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [builtAgent, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = opts.killWhen ? setInterval(() => opts.killWhen!() && (clearInterval(poll), child.kill('SIGKILL')), 5) : undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 150_000);
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
