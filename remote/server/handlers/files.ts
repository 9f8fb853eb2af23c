/**
 * files/*: browse and read a run folder. Paths are relative to the run folder; absolute paths, `..` segments and
 * symlinks that lead outside it are refused (remote/server/validate.ts), so a client can never read or list other
 * files of the box through the agent; a folder is not a file (NotFound).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DaemonHandlerMap } from '../daemon';
import { confinedDir, confinedFile, iterationParam } from '../validate';

/** Largest slice one files/read returns. */
export const MAX_READ = 1 << 20;
const MAX_LIST = 10_000;

function walk(root: string, dir: string, out: { path: string; size: number }[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (out.length >= MAX_LIST) return;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(root, p, out);
    else if (e.isFile()) out.push({ path: path.relative(root, p).split(path.sep).join('/'), size: fs.statSync(p).size });
  }
}

/** Bytes of `buf` up to the last whole UTF-8 character (so a slice never splits one). */
function wholeUtf8(buf: Buffer): number {
  let end = buf.length;
  let back = 0;
  while (end - back - 1 >= 0 && back < 4 && (buf[end - back - 1] & 0xc0) === 0x80) back++;
  const lead = buf[end - back - 1];
  if (lead === undefined) return end;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need > back + 1 ? end - back - 1 : end;
}

export const filesHandlers: DaemonHandlerMap = {
  'files/list': async ({ runId, iteration }, daemon) => {
    const run = daemon.openRun(runId);
    const root = confinedDir(run.dir, iteration === undefined ? '.' : `iterations/${iterationParam(iteration)}`);
    const files: { path: string; size: number }[] = [];
    if (root) walk(fs.realpathSync(run.dir), root, files);
    files.sort((a, b) => a.path.localeCompare(b.path));
    return { files };
  },
  'files/read': async ({ runId, path: rel, offset, length }, daemon) => {
    const run = daemon.openRun(runId);
    const file = confinedFile(run.dir, rel);
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const start = Math.max(0, Math.min(offset, size));
      const want = Math.max(0, Math.min(length, MAX_READ, size - start));
      const buf = Buffer.alloc(want);
      const n = fs.readSync(fd, buf, 0, want, start);
      const reachedEnd = start + n >= size;
      const keep = reachedEnd ? n : wholeUtf8(buf.subarray(0, n));
      return { data: buf.toString('utf8', 0, keep), size, eof: start + keep >= size };
    } finally {
      fs.closeSync(fd);
    }
  },
};
