/**
 * `agent.js serve --socket PATH --runs-dir DIR [--token-file F] [--log-file F]` — the daemon on a Unix socket.
 * `agent.js serve --stdio --runs-dir DIR [--token-file F]` — one client on stdin/stdout; exits when stdin closes.
 * The token is random per start, written 0600 to the token file (default: `<socket>.token`); in stdio mode it may
 * instead come from the environment variable SELFREWARD_AGENT_TOKEN (set by whoever spawns the agent).
 * Logs go to stderr and the log file, never to stdout.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_VERSION } from '../version';
import { info, setLogFile, error as logError } from '../log';
import { Daemon } from '../server/daemon';
import { AgentServer } from '../server/server';
import { handlerGroups } from '../server/handlers';
import { AlreadyRunningError, closeGently, listenSocket, newToken, writePrivateFile } from '../server/listen';
import { defaultTokenFile } from '../rpc/client';
import { sha256File } from '../fileHash';

export const EXIT_ALREADY_RUNNING = 4;

function bundleHash(): string {
  try {
    return sha256File(process.argv[1] ?? __filename);
  } catch {
    return 'unknown';
  }
}

export const description = 'the JSON-RPC daemon the extension talks to (Unix socket or stdio)';
export const usage = 'usage: agent.js serve (--socket PATH | --stdio) [--runs-dir DIR] [--token-file FILE] [--log-file FILE]';

export async function main(argv: string[]): Promise<number> {
  let values: { socket?: string; stdio?: boolean; 'runs-dir'?: string; 'token-file'?: string; 'log-file'?: string };
  try {
    values = parseArgs({
      args: argv,
      options: {
        socket: { type: 'string' },
        stdio: { type: 'boolean' },
        'runs-dir': { type: 'string' },
        'token-file': { type: 'string' },
        'log-file': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`serve: ${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  if (!values.socket === !values.stdio) {
    process.stderr.write(`serve: give exactly one of --socket PATH or --stdio\n${usage}\n`);
    return 2;
  }
  if (values['log-file']) setLogFile(path.resolve(values['log-file']));
  const runsDir = path.resolve(values['runs-dir'] ?? path.join(os.homedir(), '.selfreward', 'runs'));
  const daemon = new Daemon({ runsDir, agentVersion: AGENT_VERSION, bundleHash: bundleHash() });
  const exited = new Promise<number>((resolve) => {
    daemon.onShutdown = () => resolve(0);
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => void daemon.shutdown());
  // A dropped SSH session must not take the daemon with it.
  process.on('SIGHUP', () => info('SIGHUP ignored (the agent outlives its SSH session)'));

  if (values.stdio) {
    // stdout carries JSON-RPC: nothing else may ever print there.
    console.log = console.info = (...a: unknown[]) => process.stderr.write(a.map(String).join(' ') + '\n');
    let token = process.env.SELFREWARD_AGENT_TOKEN;
    if (!token) {
      if (!values['token-file']) {
        process.stderr.write('serve --stdio: set SELFREWARD_AGENT_TOKEN or give --token-file\n');
        return 2;
      }
      token = newToken();
      writePrivateFile(path.resolve(values['token-file']), token + '\n');
    }
    const server = new AgentServer(daemon, token, handlerGroups);
    info(`agent ${AGENT_VERSION} serving on stdio (pid ${process.pid}, runs in ${runsDir})`);
    void server.serve({ readable: process.stdin, writable: process.stdout }, 'stdio', () => void daemon.shutdown());
    const code = await exited;
    process.stdin.destroy();
    forceExitLater(code);
    return code;
  }

  const socketPath = path.resolve(values.socket!);
  const tokenFile = path.resolve(values['token-file'] ?? defaultTokenFile(socketPath));
  const token = newToken();
  let server: AgentServer | undefined;
  let net: import('node:net').Server;
  try {
    net = await listenSocket(socketPath, (sock) => {
      sock.on('error', () => undefined); // a client vanishing is a close, not a daemon error
      if (!server) return void sock.destroy();
      void server.serve({ readable: sock, writable: sock }, 'socket', () => closeGently(sock));
    });
  } catch (e) {
    if (e instanceof AlreadyRunningError) {
      process.stderr.write(`${e.message}\n`);
      return EXIT_ALREADY_RUNNING;
    }
    throw e;
  }
  // The token is written once the socket is ours, so a live daemon's token is never replaced by a loser.
  writePrivateFile(tokenFile, token + '\n');
  server = new AgentServer(daemon, token, handlerGroups);
  info(`agent ${AGENT_VERSION} listening on ${socketPath} (pid ${process.pid}, runs in ${runsDir})`);
  const code = await exited;
  server.close();
  await new Promise<void>((r) => net.close(() => r()));
  for (const f of [socketPath, tokenFile]) {
    try {
      if (f !== tokenFile || fs.readFileSync(f, 'utf8').trim() === token) fs.unlinkSync(f);
    } catch {
      /* already gone */
    }
  }
  info('agent stopped');
  forceExitLater(code);
  return code;
}

/** A stray handle (an HTTP keep-alive socket of an aborted request…) must not keep a stopped daemon alive. */
function forceExitLater(code: number): void {
  setTimeout(() => process.exit(code), 2000).unref();
}

process.on('unhandledRejection', (e) => logError(`unhandled: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
