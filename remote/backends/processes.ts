/**
 * Long-running child processes of the real backends (vLLM server, trainer): each in its own process group so a
 * stop reaches every worker it forked; output appended to a log file in the run folder and kept as a short tail
 * for error messages; stop = SIGTERM to the group, SIGKILL after a grace period. Groups still alive when the agent
 * exits are killed too, so no orphan holds a GPU.
 */
import { spawn, execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shellQuote } from '../shellQuote';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly logFile: string;
  /** the command line, for errors */
  readonly argv: string[];
  readonly exited: Promise<ExitInfo>;
  /** true once the leader exited */
  readonly done: boolean;
  /** the last n output lines (stdout and stderr interleaved; progress bars split on \r) */
  tail(n?: number): string[];
  /** SIGTERM the group, SIGKILL after graceMs; resolves when the leader is gone and the group was killed */
  stop(graceMs?: number): Promise<ExitInfo>;
}

export interface SpawnOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onLine?(line: string): void;
  /** lines kept for tail() */
  keepLines?: number;
  /**
   * Send stderr into the stdout pipe (`exec "$@" 2>&1` in sh, which then is the command itself): lines keep the
   * order they were written in, as in a terminal — TRL prints its logs on stdout and its progress bar on stderr.
   */
  mergeStderr?: boolean;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* ESRCH: the group is already gone */
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a last SIGKILL to every group we still own.
  process.on('exit', () => {
    for (const g of liveGroups) killGroup(g, 'SIGKILL');
  });
  // Killed by a signal, Node runs no 'exit' handlers: take the groups along, then die as the signal says
  // (unless someone else handles it, e.g. a daemon's orderly shutdown, which then stops them itself).
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(sig) > 1) return;
      for (const g of liveGroups) killGroup(g, 'SIGKILL');
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Split a stream into lines on \n and \r (tqdm redraws its bar with \r), calling back per complete line. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk;
      const parts = rest.split(/\r\n|\r|\n/);
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) onLine(p);
    },
    end() {
      if (rest.trim()) onLine(rest);
      rest = '';
    },
  };
}

export function spawnManaged(argv: string[], opts: SpawnOptions): ManagedProcess {
  if (!argv.length) throw new Error('spawnManaged: empty command');
  installExitHook();
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const logFd = fs.openSync(opts.logFile, 'a');
  fs.writeSync(logFd, `# ${new Date().toISOString()} $ ${argv.map(shellQuote).join(' ')}\n`);
  const keep = opts.keepLines ?? 200;
  const lines: string[] = [];
  const run = opts.mergeStderr ? ['/bin/sh', '-c', 'exec "$@" 2>&1', 'sh', ...argv] : argv;
  const child = spawn(run[0], run.slice(1), {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true, // own process group: its pid is the group id
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onLine = (l: string): void => {
    lines.push(l);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    opts.onLine?.(l);
  };
  const splitters = [lineSplitter(onLine), lineSplitter(onLine)];
  const write = (i: number) => (b: Buffer) => {
    fs.writeSync(logFd, b);
    splitters[i].push(b.toString('utf8'));
  };
  child.stdout?.on('data', write(0));
  child.stderr?.on('data', write(1));
  let done = false;
  const exited = new Promise<ExitInfo>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (e) => {
      spawnError = e;
      onLine(`failed to start ${argv[0]}: ${e.message}`);
      // 'close' does not always follow a spawn failure
      if (child.pid === undefined) finish(127, null);
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      for (const s of splitters) s.end();
      fs.writeSync(logFd, `# exited code=${code} signal=${signal}${spawnError ? ` (${spawnError.message})` : ''}\n`);
      fs.closeSync(logFd);
      if (child.pid) {
        // Workers the leader left behind go with it.
        killGroup(child.pid, 'SIGKILL');
        liveGroups.delete(child.pid);
      }
      resolve({ code, signal });
    };
    // 'exit' is the leader's end; 'close' also waits for workers that inherited its pipes, so the group is
    // killed on 'exit' and 'close' (all output read) is awaited only briefly after that.
    child.on('exit', (code, signal) => {
      if (child.pid) killGroup(child.pid, 'SIGKILL');
      const t = setTimeout(() => finish(code, signal), 2000);
      child.once('close', () => {
        clearTimeout(t);
        finish(code, signal);
      });
    });
  });
  if (child.pid) liveGroups.add(child.pid);
  return {
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    argv,
    exited,
    get done() {
      return done;
    },
    tail: (n = 40) => lines.slice(-n),
    async stop(graceMs = 10_000) {
      if (!done && child.pid) {
        killGroup(child.pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
        const r = await exited;
        clearTimeout(timer);
        return r;
      }
      return exited;
    },
  };
}

/** Run a short command to completion (sbatch, squeue, python -c, nvidia-smi), bounded in time. */
export function runShort(
  argv: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(
      argv[0],
      argv.slice(1),
      { timeout: opts.timeoutMs ?? 30_000, env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 8 << 20, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
        const missing = e?.code === 'ENOENT' || e?.code === 'EACCES';
        const code = !e ? 0 : typeof e.code === 'number' ? e.code : missing ? 127 : 1;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (missing ? `${argv[0]}: not found` : e?.message ?? ''), missing });
      },
    );
  });
}
