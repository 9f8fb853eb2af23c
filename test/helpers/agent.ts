/**
 * Agent daemons for tests: a real `dist/agent.js serve` process on a Unix socket (killed by pid after the test
 * file), or an in-process daemon on a real socket (so a test can emit events into its runs directly).
 */
import { after } from 'node:test';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { repoRoot, tmpDir } from './tmp';
import { waitFor } from './wait';
import { connectSocket, type AgentRpc } from '../../remote/rpc/client';
import { Daemon } from '../../remote/server/daemon';
import { AgentServer, type ServerLimits } from '../../remote/server/server';
import { handlerGroups } from '../../remote/server/handlers';
import { closeGently, listenSocket, newToken, writePrivateFile } from '../../remote/server/listen';
import { setQuiet } from '../../remote/log';

/**
 * A private copy of dist/agent.js for this test file: `npm run package` (another test) rebuilds dist/ while tests
 * run, so the shared file can vanish for a moment. Waits for it, copies it, checks the copy runs.
 */
function stableAgentCopy(): string {
  const src = path.join(repoRoot, 'dist', 'agent.js');
  // <tmp>/dist/agent.js: the layout of an installed extension, so a fake extension root can point here too.
  const dir = path.join(tmpDir('selfreward-agentjs-'), 'dist');
  fs.mkdirSync(dir);
  const dst = path.join(dir, 'agent.js');
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      fs.copyFileSync(src, dst);
      if (spawnSync(process.execPath, [dst, 'version'], { encoding: 'utf8' }).status === 0) return dst;
    } catch {
      /* not there right now */
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  throw new Error(`${src} missing: run npm run build first`);
}

export const agentJs = stableAgentCopy();

export { waitFor };

/** A small valid run config on the sim backend. */
export function simConfig(name = 'test run', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, seed: 7, model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo', format: 'auto' }], ...extra };
}


export interface DaemonProcess {
  proc: ChildProcess;
  socket: string;
  tokenFile: string;
  runsDir: string;
  stderr: () => string;
  connect(client?: string): Promise<AgentRpc>;
  exited: Promise<number | null>;
}

/** Spawn `agent.js serve --socket` and wait until it answers. `dir` is reused to restart on the same folders. */
export async function spawnDaemon(dir = tmpDir(), extraEnv: Record<string, string> = {}): Promise<DaemonProcess> {
  const sockDir = path.join(dir, 'sock');
  const socket = path.join(sockDir, 'agent.sock');
  const runsDir = path.join(dir, 'runs');
  const tokenFile = `${socket}.token`;
  const proc = spawn(process.execPath, [agentJs, 'serve', '--socket', socket, '--runs-dir', runsDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...extraEnv },
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  proc.stdout!.on('data', (d) => (err += `[stdout!] ${d}`));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  const connect = (client = 'test'): Promise<AgentRpc> => connectSocket(socket, tokenFile, { client });
  await waitFor(`the agent on ${socket} (stderr: ${err})`, async () => {
    if (proc.exitCode !== null) throw new Error(`agent exited ${proc.exitCode}: ${err}`);
    if (!fs.existsSync(tokenFile) || !fs.existsSync(socket)) return false;
    try {
      const c = await connect();
      c.dispose();
      return true;
    } catch {
      return false;
    }
  });
  return { proc, socket, tokenFile, runsDir, stderr: () => err, connect, exited };
}

export interface InProcessDaemon {
  daemon: Daemon;
  server: AgentServer;
  socket: string;
  token: string;
  connect(client?: string): Promise<AgentRpc>;
  close(): Promise<void>;
}

/** The daemon in this process on a real Unix socket. */
export async function startInProcessDaemon(dir = tmpDir(), opts: { maxUnsentEvents?: number; runsDir?: string; limits?: ServerLimits } = {}): Promise<InProcessDaemon> {
  setQuiet(true);
  const socket = path.join(dir, 'sock', 'agent.sock');
  const token = newToken();
  const { runsDir = path.join(dir, 'runs'), limits, ...daemonOpts } = opts;
  const daemon = new Daemon({ runsDir, agentVersion: 'test', bundleHash: 'test', ...daemonOpts });
  const server = new AgentServer(daemon, token, handlerGroups, limits);
  const netServer: net.Server = await listenSocket(socket, (s) => {
    s.on('error', () => undefined);
    void server.serve({ readable: s, writable: s }, 'socket', () => closeGently(s));
  });
  writePrivateFile(`${socket}.token`, token);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await daemon.shutdown();
    server.close();
    await new Promise<void>((r) => netServer.close(() => r()));
  };
  after(close);
  return { daemon, server, socket, token, connect: (client = 'test') => connectSocket(socket, `${socket}.token`, { client }), close };
}
