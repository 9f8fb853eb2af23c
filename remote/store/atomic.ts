/**
 * Atomic file replacement: write a temp file beside the target (every byte, checked), fsync it, rename it over the
 * target. A failure removes the temp file and throws a StorageError naming the target, so the old file stays whole
 * and nothing half-written is left; temp files a killed process left behind are removed when the run is opened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError, syncFully, writeFully } from './writes';
import { warn } from '../log';

/** `.<name>.<pid>.<ms>.tmp`: the temp names writeFileAtomic uses (and only those are ever cleaned up). */
const TEMP_RE = /^\..+\.\d+\.\d+\.tmp$/;

export function writeFileAtomic(file: string, data: string | Buffer): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w', 0o644);
  } catch (e) {
    throw new StorageError(file, 'create its temp file', e);
  }
  try {
    try {
      writeFully(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, file);
      syncFully(fd, file);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.renameSync(tmp, file);
    } catch (e) {
      throw new StorageError(file, 'replace it', e);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Remove the temp files of atomic writes that never finished (a kill or a full disk mid-write) under `dir`, down to
 * `depth` folder levels. Call only while holding the folder's lock (no writer of ours is running). Returns the count.
 */
export function removeOrphanTemps(dir: string, depth = 4): number {
  let removed = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isFile() && TEMP_RE.test(e.name)) {
      try {
        fs.unlinkSync(p);
        removed++;
      } catch (err) {
        warn(`${p}: could not remove a stale temp file: ${(err as Error).message}`);
      }
    } else if (e.isDirectory() && depth > 0) removed += removeOrphanTemps(p, depth - 1);
  }
  return removed;
}

/** Read a JSON file, or `undefined` when it does not exist. Errors name the file. */
export function readJsonIfExists<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file}: invalid JSON: ${(e as Error).message}`);
  }
}
