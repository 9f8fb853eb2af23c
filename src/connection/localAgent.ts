/**
 * Local mode: the same agent as on a GPU box, as a detached daemon on this machine (for local runs, and for VS Code
 * windows that are themselves on the box through Remote-SSH). A running daemon on the socket is reused; otherwise
 * `node dist/agent.js serve --socket … --runs-dir …` is started detached, so runs outlive the window. Inside VS Code
 * the extension host's own binary runs it as Node (ELECTRON_RUN_AS_NODE=1). No vscode import.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { connectSocket, defaultTokenFile, type AgentRpc } from '../../remote/rpc/client';
import type { LinkFactory } from './agentClient';
import { sha256File } from '../../remote/fileHash';

export interface LocalAgentOptions {
  /** path of dist/agent.js */
  agentJs: string;
  /** run folders root */
  runsDir: string;
  /** private folder of the socket, token and log (created 0700) */
  stateDir: string;
  /** Node binary; default process.execPath (VS Code's, run as Node) */
  nodePath?: string;
  /** how long a fresh daemon may take to answer */
  startTimeoutMs?: number;
  log?: { info(m: string): void; warn(m: string): void };
}

export interface LocalAgentPaths {
  socket: string;
  tokenFile: string;
  logFile: string;
}

/** Unix socket paths are limited to ~107 bytes; a long state folder gets a short private folder in the tmp dir. */
const MAX_SOCKET_PATH = 100;

export function localAgentPaths(stateDir: string): LocalAgentPaths {
  let socket = path.join(stateDir, 'agent.sock');
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    const id = crypto.createHash('sha256').update(stateDir).digest('hex').slice(0, 12);
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    socket = path.join(os.tmpdir(), `selfreward-${uid}-${id}`, 'agent.sock');
  }
  return { socket, tokenFile: defaultTokenFile(socket), logFile: path.join(stateDir, 'agent.log') };
}

async function tryConnect(p: LocalAgentPaths): Promise<AgentRpc | undefined> {
  if (!fs.existsSync(p.socket) || !fs.existsSync(p.tokenFile)) return undefined;
  try {
    return await connectSocket(p.socket, p.tokenFile, { client: 'selfreward-local' });
  } catch {
    return undefined;
  }
}

/** Start the daemon detached; resolves when it answers with its token (or rejects with its stderr). */
async function startDaemon(opts: LocalAgentOptions, p: LocalAgentPaths): Promise<AgentRpc> {
  // The folder is the extension's own: make it private even if something created it open (the daemon insists).
  for (const dir of new Set([opts.stateDir, path.dirname(p.socket)])) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  }
  const errFile = path.join(opts.stateDir, 'agent.start.err');
  const errFd = fs.openSync(errFile, 'w', 0o600);
  const child = spawn(
    opts.nodePath ?? process.execPath,
    [opts.agentJs, 'serve', '--socket', p.socket, '--runs-dir', opts.runsDir, '--log-file', p.logFile],
    { detached: true, stdio: ['ignore', 'ignore', errFd], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, cwd: opts.stateDir },
  );
  fs.closeSync(errFd);
  let exit: number | null | undefined;
  child.once('exit', (code) => (exit = code));
  child.unref();
  opts.log?.info(`local agent: started pid ${child.pid} (${p.socket})`);
  const until = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (;;) {
    const rpc = await tryConnect(p);
    if (rpc) return rpc;
    // Exit code 4: another daemon won the race for the socket; keep trying to connect to it.
    if (exit !== undefined && exit !== 4) {
      throw new Error(`the local agent exited (code ${exit}): ${fs.readFileSync(errFile, 'utf8').trim().split('\n').slice(-5).join('\n')}`);
    }
    if (Date.now() > until) throw new Error(`the local agent did not answer on ${p.socket} within ${opts.startTimeoutMs ?? 15_000} ms (log: ${p.logFile})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


/**
 * A daemon left by an older extension version is replaced by ours — unless it is running an iteration: work in
 * progress is never stopped behind the user's back; it is reused, and replaced on a later connect.
 */
async function replaceIfOutdated(running: AgentRpc, opts: LocalAgentOptions, ourHash: string): Promise<AgentRpc | undefined> {
  if (running.hello.bundleHash === ourHash) return running;
  const { runs } = await running.request('runs/list', {});
  const busy = runs.filter((r) => r.status === 'running' || r.status === 'waiting');
  if (busy.length) {
    opts.log?.warn(`local agent: pid ${running.hello.pid} is another version (${running.hello.agentVersion}) but runs ${busy.map((r) => r.id).join(', ')}; reusing it until they finish`);
    return running;
  }
  opts.log?.info(`local agent: replacing pid ${running.hello.pid} (version ${running.hello.agentVersion}, another build) with this extension's agent`);
  const gone = new Promise<void>((resolve) => running.onClose(resolve));
  await running.request('agent/shutdown', {});
  await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
  return undefined;
}

/** Connect to the local daemon, starting it when none answers. Used as the AgentClient's link factory. */
export function localLinkFactory(opts: LocalAgentOptions): LinkFactory {
  const p = localAgentPaths(opts.stateDir);
  return async () => {
    const ourHash = sha256File(opts.agentJs);
    const found = await tryConnect(p);
    const running = found && (await replaceIfOutdated(found, opts, ourHash));
    if (running) {
      opts.log?.info(`local agent: reusing pid ${running.hello.pid}`);
      return running;
    }
    // The old daemon removes its socket as it exits; wait for that so ours does not find it still answering.
    for (let i = 0; i < 100 && fs.existsSync(p.socket) && found; i++) await new Promise((r) => setTimeout(r, 50));
    return startDaemon(opts, p);
  };
}
