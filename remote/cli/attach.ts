/**
 * `agent.js attach --socket PATH` — bridge stdin/stdout to a running daemon's socket, byte for byte. Used over SSH
 * `exec` when the server forbids streamlocal forwarding; the client still authenticates with agent/hello.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

export const description = 'bridge stdin/stdout to a running daemon (SSH exec when streamlocal forwarding is off)';
export const usage = 'usage: agent.js attach --socket PATH\n';

export async function main(argv: string[]): Promise<number> {
  let socketPath: string | undefined;
  try {
    socketPath = parseArgs({ args: argv, options: { socket: { type: 'string' } }, strict: true }).values.socket;
  } catch (e) {
    process.stderr.write(`attach: ${(e as Error).message}\n`);
    return 2;
  }
  if (!socketPath) {
    process.stderr.write(usage);
    return 2;
  }
  const sock = net.connect(path.resolve(socketPath));
  return new Promise<number>((resolve) => {
    let connected = false;
    sock.once('connect', () => {
      connected = true;
      process.stdin.pipe(sock);
      sock.pipe(process.stdout);
    });
    // stdin closing (the SSH channel went away) ends our side; the daemon lives on.
    process.stdin.once('end', () => sock.end());
    sock.once('error', (e) => {
      process.stderr.write(`attach: ${socketPath}: ${e.message}\n`);
    });
    sock.once('close', () => {
      process.stdin.unpipe(sock);
      process.stdin.pause();
      resolve(connected ? 0 : 1);
    });
  });
}
