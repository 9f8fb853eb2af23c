/**
 * A full disk at the fs layer, for tests that cannot mount a small tmpfs (and as a second check where they can).
 * Wraps fs.openSync/closeSync/writeSync (the calls the store writes with) so that, while `full` is set, writes to
 * files whose path matches fail the way a real full disk fails them: the first write is cut short (some bytes land),
 * the next throws ENOSPC. Used in-process (tests) and through test/fixtures/diskFullPreload.ts in a child agent.
 */
import fs from 'node:fs';

export interface DiskFull {
  /** writes to matching files fail while set */
  full: boolean;
  /** matching writes that failed or were cut short */
  failures: number;
  restore(): void;
}

/** The path of an fd opened before the injection (Linux: /proc). */
function pathOf(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

export function injectDiskFull(match: (file: string) => boolean, opts: { full?: boolean; afterBytes?: number } = {}): DiskFull {
  const paths = new Map<number, string>();
  const open = fs.openSync;
  const close = fs.closeSync;
  const write = fs.writeSync;
  let written = 0;
  let full = opts.full ?? false;
  let cutShort = false;
  const state: DiskFull = {
    get full() {
      return full;
    },
    set full(v: boolean) {
      full = v;
      cutShort = false;
    },
    failures: 0,
    restore() {
      fs.openSync = open;
      fs.closeSync = close;
      fs.writeSync = write;
    },
  };
  fs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (open as (...a: unknown[]) => number)(p, ...rest);
    paths.set(fd, String(p));
    return fd;
  }) as typeof fs.openSync;
  fs.closeSync = ((fd: number) => {
    paths.delete(fd);
    close(fd);
  }) as typeof fs.closeSync;
  fs.writeSync = ((fd: number, buf: unknown, ...rest: unknown[]) => {
    const file = paths.get(fd) ?? pathOf(fd);
    const matching = file !== undefined && match(file) && Buffer.isBuffer(buf);
    if (matching && !state.full && opts.afterBytes !== undefined) {
      const len = typeof rest[1] === 'number' ? rest[1] : (buf as Buffer).length;
      if (written + len > opts.afterBytes) full = true;
      else written += len;
    }
    if (matching && full) {
      state.failures++;
      const b = buf as Buffer;
      const off = typeof rest[0] === 'number' ? rest[0] : 0;
      const len = typeof rest[1] === 'number' ? rest[1] : b.length - off;
      // the first failing write lands partly, as the last blocks of a disk fill up; then ENOSPC
      if (!cutShort && len > 1) {
        cutShort = true;
        return write(fd, b, off, Math.floor(len / 2));
      }
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    return (write as (...a: unknown[]) => number)(fd, buf, ...rest);
  }) as typeof fs.writeSync;
  return state;
}
