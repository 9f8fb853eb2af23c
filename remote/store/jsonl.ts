/**
 * Append-only JSONL files. One write() per record, so a crash can leave at most one torn last line; `open` cuts
 * such a tail back to the last whole record and reports how many bytes it dropped. A write that fails (a full disk,
 * an I/O error) is cut back the same way at once, before anyone appends again: the file always ends on a whole
 * record, and the writer stays usable once the cause is gone. A writer that cannot even cut back is `broken` and
 * refuses appends; reopening it (with the same repair) is the way on.
 */
import * as fs from 'node:fs';
import { warn } from '../log';
import { StorageError, syncFully, writeFully } from './writes';

export interface RecoveryReport {
  droppedBytes: number;
}

/** Cut a torn (newline-less) tail off `file`. Returns the bytes dropped (0 when the file is whole or absent). */
export function recoverTornTail(file: string): RecoveryReport {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { droppedBytes: 0 };
    throw e;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return { droppedBytes: 0 };
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    // Scan backwards for the last newline.
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const n = fs.readSync(fd, chunk, 0, end - start, start);
      const idx = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (idx >= 0) {
        const keep = start + idx + 1;
        if (keep < size) fs.ftruncateSync(fd, keep);
        return { droppedBytes: size - keep };
      }
      end = start;
    }
    fs.ftruncateSync(fd, 0);
    return { droppedBytes: size };
  } finally {
    fs.closeSync(fd);
  }
}

export class JsonlWriter<T> {
  private fd: number;
  /** set when a failed write could not be cut back: the file may end in half a record until reopened */
  broken = false;

  private constructor(readonly file: string, fd: number, public size: number) {
    this.fd = fd;
  }

  /** Open for appending, recovering a torn tail first. */
  static open<T>(file: string): JsonlWriter<T> {
    let fd: number;
    try {
      const { droppedBytes } = recoverTornTail(file);
      if (droppedBytes > 0) warn(`${file}: dropped ${droppedBytes} bytes of a torn last record (crash recovery)`);
      fd = fs.openSync(file, 'a');
    } catch (e) {
      throw e instanceof StorageError ? e : new StorageError(file, 'open for appending', e);
    }
    return new JsonlWriter<T>(file, fd, fs.fstatSync(fd).size);
  }

  /** Append one record with a single write (continued if short). Returns the byte offset the record starts at. */
  append(record: T): number {
    return this.appendMany([record])[0];
  }

  /**
   * Append records with a single write (a group commit; continued if short): all of them, or — when the write
   * fails — none (cut back, as for one record). Returns the byte offset each record starts at.
   */
  appendMany(records: readonly T[]): number[] {
    return this.appendJson(records.map((r) => JSON.stringify(r)));
  }

  /** `appendMany` for records already stringified (each the JSON text of one T, no newline in it). */
  appendJson(texts: readonly string[]): number[] {
    if (this.broken) throw new StorageError(this.file, 'append a record', new Error('an earlier write failed and could not be undone; reopen the file'));
    if (!texts.length) return [];
    const lines = texts.map((t) => t + '\n');
    const offsets: number[] = [];
    let at = this.size;
    for (const l of lines) {
      offsets.push(at);
      at += Buffer.byteLength(l, 'utf8');
    }
    const buf = Buffer.from(lines.length === 1 ? lines[0] : lines.join(''), 'utf8');
    try {
      writeFully(this.fd, buf, this.file, texts.length === 1 ? 'append a record' : `append ${texts.length} records`);
    } catch (e) {
      this.cutBack();
      throw e;
    }
    this.size += buf.length;
    return offsets;
  }

  /** Undo a partly written record: truncate to the end of the last whole one. */
  private cutBack(): void {
    try {
      fs.ftruncateSync(this.fd, this.size);
    } catch (e) {
      this.broken = true;
      warn(`${this.file}: could not cut a failed write back to ${this.size} bytes (${(e as Error).message}); the file is repaired when reopened`);
    }
  }

  sync(): void {
    syncFully(this.fd, this.file);
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed, or the disk refuses: nothing more to flush from here */
    }
  }
}

/** Parse one JSONL line, with an error that names file and line. */
export function parseJsonLine<T>(line: string, file: string, lineNo: number): T {
  try {
    return JSON.parse(line) as T;
  } catch (e) {
    throw new Error(`${file}:${lineNo}: invalid JSON record: ${(e as Error).message}`);
  }
}

/**
 * Stream the records of a JSONL file from byte `start`, calling `onRecord` with each record and its byte offset.
 * A torn last line (no newline) is ignored: readers never see half a record. Return `false` from the callback to
 * stop early. Memory stays bounded by the chunk size plus one line. `onEnd`, when the whole file was read, gets
 * the byte offset just past the last whole line.
 */
export function forEachJsonl<T>(
  file: string,
  onRecord: (record: T, offset: number, lineNo: number) => boolean | void,
  start = 0,
  firstLineNo = 1,
  onEnd?: (endOfWholeLines: number) => void,
): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    const chunk = Buffer.alloc(256 * 1024);
    let pos = start;
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = start;
    let lineNo = firstLineNo;
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) return onEnd?.(carryOffset);
      pos += n;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let lineStart = 0;
      for (;;) {
        const nl = buf.indexOf(0x0a, lineStart);
        if (nl < 0) break;
        if (nl > lineStart) {
          const text = buf.toString('utf8', lineStart, nl);
          const rec = parseJsonLine<T>(text, file, lineNo);
          if (onRecord(rec, carryOffset + lineStart, lineNo) === false) return;
        }
        lineNo++;
        lineStart = nl + 1;
      }
      carry = Buffer.from(buf.subarray(lineStart));
      carryOffset += lineStart;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** All whole records of a JSONL file (for small files; large ones use forEachJsonl). */
export function readJsonl<T>(file: string): T[] {
  const out: T[] = [];
  forEachJsonl<T>(file, (r) => {
    out.push(r);
  });
  return out;
}
