/**
 * A line-offset index of a pairs.jsonl, built by streaming the file once. Pages are read by byte range, so memory
 * holds the offsets (8 bytes per record, in fixed-size Float64Array chunks) and one page — never the file.
 * Only newline-terminated lines count: a torn last line (a writer killed mid-record) is invisible until completed.
 * Blank lines are skipped, as forEachJsonl does, so record numbers agree with it.
 */
import * as fs from 'node:fs';
import { parseJsonLine } from '../store/jsonl';

const CHUNK_ENTRIES = 1 << 16;
const READ_BYTES = 1 << 20;

function hasContent(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return true;
  }
  return false;
}

export class PairsIndex {
  private chunks: Float64Array[] = [];
  private n = 0;
  /** byte offset just past the last whole line (where the next record starts) */
  private endOffset = 0;
  private scratch = Buffer.alloc(0);

  private constructor(readonly file: string) {}

  /** Stream `file` and index every whole line. A missing file is an empty index. */
  static build(file: string): PairsIndex {
    const idx = new PairsIndex(file);
    idx.refresh();
    return idx;
  }

  get count(): number {
    return this.n;
  }

  /** Bytes covered by the index (the file may be longer by a torn or newer tail). */
  get indexedBytes(): number {
    return this.endOffset;
  }

  /** Index lines appended since the last build/refresh (the pairs stage may still be writing). Returns new count. */
  refresh(): number {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return this.n;
      throw e;
    }
    try {
      const buf = Buffer.alloc(READ_BYTES);
      let pos = this.endOffset;
      let lineStart = this.endOffset;
      // Whether the line being scanned has a non-blank byte yet; a line split across reads carries it over.
      let lineHasContent = false;
      for (;;) {
        const got = fs.readSync(fd, buf, 0, buf.length, pos);
        if (got === 0) break;
        let from = 0;
        for (;;) {
          const nl = buf.indexOf(0x0a, from);
          const stop = nl < 0 || nl >= got ? got : nl;
          if (!lineHasContent) lineHasContent = hasContent(buf, from, stop);
          if (stop === got) break;
          if (lineHasContent) this.push(lineStart);
          lineStart = pos + nl + 1;
          this.endOffset = lineStart;
          lineHasContent = false;
          from = nl + 1;
        }
        pos += got;
      }
    } finally {
      fs.closeSync(fd);
    }
    return this.n;
  }

  private push(offset: number): void {
    const c = this.n >>> 16;
    if (c === this.chunks.length) this.chunks.push(new Float64Array(CHUNK_ENTRIES));
    this.chunks[c][this.n & (CHUNK_ENTRIES - 1)] = offset;
    this.n++;
  }

  /** Byte offset where record i starts. */
  offset(i: number): number {
    if (i < 0 || i >= this.n) throw new RangeError(`${this.file}: record ${i} out of range 0..${this.n - 1}`);
    return this.chunks[i >>> 16][i & (CHUNK_ENTRIES - 1)];
  }

  private endOf(i: number): number {
    return i + 1 < this.n ? this.offset(i + 1) : this.endOffset;
  }

  /** The raw text of records [start, start+count), reading only their bytes. */
  readLines(start: number, count: number): string[] {
    const from = Math.max(0, start);
    const to = Math.min(this.n, start + count);
    if (to <= from) return [];
    const a = this.offset(from);
    const b = this.endOf(to - 1);
    // One scratch buffer reused across page reads (texts are decoded out of it before it is reused).
    if (this.scratch.length < b - a) this.scratch = Buffer.alloc(Math.max(b - a, 256 * 1024));
    const buf = this.scratch.subarray(0, b - a);
    const fd = fs.openSync(this.file, 'r');
    try {
      let got = 0;
      while (got < buf.length) {
        const r = fs.readSync(fd, buf, got, buf.length - got, a + got);
        if (r === 0) throw new Error(`${this.file}: file shrank while reading records ${from}..${to - 1} (was it rewritten?)`);
        got += r;
      }
    } finally {
      fs.closeSync(fd);
    }
    const out: string[] = [];
    for (let i = from; i < to; i++) out.push(buf.toString('utf8', this.offset(i) - a, this.endOf(i) - a).trim());
    return out;
  }

  /**
   * Call `onLine` with the text of every indexed record from `start` on, reading the file in blocks of whole
   * records into one reused buffer (a full scan allocates no per-block buffers). Return false to stop.
   */
  forEachLine(onLine: (text: string, i: number) => boolean | void, start = 0, blockBytes = READ_BYTES): void {
    if (start >= this.n) return;
    let buf = Buffer.alloc(blockBytes);
    const fd = fs.openSync(this.file, 'r');
    try {
      for (let i = start; i < this.n; ) {
        // Take as many whole records as fit in the buffer (at least one: grow for a record larger than it).
        const a = this.offset(i);
        let j = i + 1;
        while (j < this.n && this.endOf(j) - a <= buf.length) j++;
        const b = this.endOf(j - 1);
        if (b - a > buf.length) buf = Buffer.alloc(b - a);
        let got = 0;
        while (got < b - a) {
          const r = fs.readSync(fd, buf, got, b - a - got, a + got);
          if (r === 0) throw new Error(`${this.file}: file shrank while reading records ${i}..${j - 1} (was it rewritten?)`);
          got += r;
        }
        for (let k = i; k < j; k++) if (onLine(buf.toString('utf8', this.offset(k) - a, this.endOf(k) - a), k) === false) return;
        i = j;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Every indexed record parsed, in order (bounded memory); return false to stop. */
  forEach<T>(onRecord: (record: T, i: number) => boolean | void, start = 0): void {
    this.forEachLine((text, i) => onRecord(parseJsonLine<T>(text.trim(), this.file, i + 1), i), start);
  }

  /** Records [start, start+count) parsed; errors name the file and record number. */
  read<T>(start: number, count: number): T[] {
    return this.readLines(start, count).map((line, k) => parseJsonLine<T>(line, this.file, start + k + 1));
  }

  /** Approximate bytes the index itself holds (for the memory benchmark). */
  get memoryBytes(): number {
    return this.chunks.length * CHUNK_ENTRIES * 8;
  }
}
