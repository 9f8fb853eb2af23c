/**
 * Where the daemon listens. A Unix socket in a private folder: the folder must be 0700 (created so when missing;
 * an existing folder open to others is refused), the socket and the token file 0600. A socket file left by a dead
 * daemon is replaced; one a live daemon answers on is not (the caller reuses that daemon).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { writeFully } from '../store/writes';

export class AlreadyRunningError extends Error {
  constructor(readonly socketPath: string) {
    super(`${socketPath}: an agent is already listening on this socket`);
  }
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Write a secret file readable by its owner only (temp + rename, so a reader never sees half a token). */
export function writePrivateFile(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    writeFully(fd, Buffer.from(text, 'utf8'), file);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Create the folder 0700 when missing; refuse one that others can enter. */
export function ensurePrivateDir(dir: string): void {
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir}: not a folder`);
  if ((st.mode & 0o077) !== 0) {
    throw new Error(`${dir}: the socket folder is open to other users (mode ${(st.mode & 0o777).toString(8)}); use a folder with mode 700`);
  }
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new Error(`${dir}: the socket folder belongs to another user`);
}

function probe(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Listen on `socketPath` (0600). Throws AlreadyRunningError when a live daemon holds it. */
export async function listenSocket(socketPath: string, onConnection: (s: net.Socket) => void): Promise<net.Server> {
  ensurePrivateDir(path.dirname(socketPath));
  if (fs.existsSync(socketPath)) {
    if (await probe(socketPath)) throw new AlreadyRunningError(socketPath);
    fs.unlinkSync(socketPath); // left by a daemon that died
  }
  const server = net.createServer(onConnection);
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  fs.chmodSync(socketPath, 0o600);
  return server;
}

/** End a client socket after what was written to it has gone out (a shutdown's answer must arrive). */
export function closeGently(sock: net.Socket): void {
  sock.end();
  setTimeout(() => sock.destroy(), 1000).unref();
}
