/**
 * A resumable evaluation's memory: a JSONL file of finished items (answers, comparisons, grades), read once when
 * the evaluation starts and appended to — one write per item, before the item counts as done — so a run cut by
 * kill -9 resumes with everything that was finished (a torn last line is cut on open) and asks only for the rest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonlWriter, readJsonl } from '../store/jsonl';

export class ItemCache<T> {
  private writer: JsonlWriter<T> | undefined;
  private constructor(readonly file: string | undefined, readonly done: Map<string, T>) {}

  /** `file` undefined: an in-memory cache (nothing survives the process). */
  static open<T>(file: string | undefined, keyOf: (r: T) => string): ItemCache<T> {
    const done = new Map<string, T>();
    const cache = new ItemCache<T>(file, done);
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      cache.writer = JsonlWriter.open<T>(file);
      for (const r of readJsonl<T>(file)) done.set(keyOf(r), r);
    }
    return cache;
  }

  add(key: string, record: T): void {
    this.writer?.append(record);
    this.done.set(key, record);
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }

  /** The evaluation finished and wrote its result: the working file is no longer needed. */
  discard(): void {
    this.close();
    if (this.file) fs.rmSync(this.file, { force: true });
  }
}
