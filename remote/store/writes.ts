/**
 * Checked writes for the run folder. `writeSync` may write fewer bytes than asked (a full disk, a signal, a pipe):
 * every store write goes through `writeFully`, which continues until every byte is down or fails with a
 * StorageError naming the file, the operation and the system's reason (ENOSPC, EIO, EDQUOT…).
 */
import * as fs from 'node:fs';

export class StorageError extends Error {
  readonly code: string | undefined;

  constructor(readonly file: string, readonly op: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${file}: cannot ${op}: ${reason}${hint((cause as NodeJS.ErrnoException)?.code)}`);
    this.name = 'StorageError';
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

function hint(code: string | undefined): string {
  if (code === 'ENOSPC' || code === 'EDQUOT') return ' (the disk is full: free space, then start the iteration again to resume)';
  return '';
}

/** Write all of `buf` to `fd` (at its current position / the end for O_APPEND). Throws StorageError. */
export function writeFully(fd: number, buf: Buffer, file: string, op = 'write'): void {
  let written = 0;
  try {
    while (written < buf.length) {
      const n = fs.writeSync(fd, buf, written, buf.length - written);
      // A zero-byte write that is not an error would loop forever: report it as the failure it is.
      if (n <= 0) throw Object.assign(new Error(`short write (${written} of ${buf.length} bytes)`), { code: 'EIO' });
      written += n;
    }
  } catch (e) {
    throw e instanceof StorageError ? e : new StorageError(file, op, e);
  }
}

/** fsync, with an error naming the file. */
export function syncFully(fd: number, file: string): void {
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    throw new StorageError(file, 'sync', e);
  }
}
