/**
 * Append-only JSONL files. One write() per record, so a crash can leave at most one torn last line; `open` cuts
 * such a tail back to the last whole record and reports how many bytes it dropped.
 */
import * as fs from 'node:fs';
import { warn } from '../log';

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

  private constructor(readonly file: string, fd: number, public size: number) {
    this.fd = fd;
  }

  /** Open for appending, recovering a torn tail first. */
  static open<T>(file: string): JsonlWriter<T> {
    const { droppedBytes } = recoverTornTail(file);
    if (droppedBytes > 0) warn(`${file}: dropped ${droppedBytes} bytes of a torn last record (crash recovery)`);
    const fd = fs.openSync(file, 'a');
    return new JsonlWriter<T>(file, fd, fs.fstatSync(fd).size);
  }

  /** Append one record with a single write. Returns the byte offset the record starts at. */
  append(record: T): number {
    const line = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
    const at = this.size;
    let written = 0;
    while (written < line.length) written += fs.writeSync(this.fd, line, written, line.length - written);
    this.size += line.length;
    return at;
  }

  sync(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
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
 * stop early. Memory stays bounded by the chunk size plus one line.
 */
export function forEachJsonl<T>(
  file: string,
  onRecord: (record: T, offset: number, lineNo: number) => boolean | void,
  start = 0,
  firstLineNo = 1,
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
      if (n === 0) return;
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
