/**
 * events.jsonl: the run's sequenced event log. `seq` increases by one per event across agent restarts (it is
 * recovered from the file on open). A sparse seq → byte-offset index lets reads seek instead of scanning the whole
 * log. The index is kept up to date on append and persisted beside the log (events.index.json, a cache safe to
 * delete): a later open checks it against the log and reads only the lines appended since it was saved; a missing,
 * damaged or stale index (the log shorter, or other lines where it points) is rebuilt by scanning the log.
 *
 * Readers that send events on (the agent's wire) take the lines as written (`readRawAfter`): seqs are contiguous,
 * so a line's seq is known by counting from an indexed offset and checked against the line's own `{"seq":N,` prefix
 * without parsing the rest.
 */
import * as fs from 'node:fs';
import type { RunEvent, RunEventBody } from '../protocol';
import { JsonlWriter, forEachJsonl, parseJsonLine } from './jsonl';
import { readJsonIfExists, writeJsonAtomic } from './atomic';
import { warn } from '../log';

const INDEX_STRIDE = 256;
/** The index is saved every this many indexed slots (2048 events) and on close. */
const SAVE_EVERY_SLOTS = 8;
const INDEX_VERSION = 1;

export type EventListener = (event: RunEvent) => void;
/** Events that carry one record of an iteration file. */
export type RecordEventType = Extract<RunEventBody, { record: unknown }>['type'];
/** An event that could not be appended (the log's own storage failed), with the reason. */
export type UnrecordedListener = (body: RunEventBody, error: Error) => void;

/** events.index.json: what the index covers, and the checks that tie it to the log it was built from. */
interface SavedIndex {
  version: number;
  stride: number;
  firstSeq: number;
  lastSeq: number;
  /** bytes of the log covered: the end of the line of `lastSeq` */
  bytes: number;
  /** where the line of `lastSeq` starts */
  lastLineAt: number;
  offsets: number[];
}

export function indexFileOf(logFile: string): string {
  return logFile.replace(/\.jsonl$/, '') + '.index.json';
}

const seqPrefix = (seq: number): string => `{"seq":${seq},`;

export class EventLog {
  private writer: JsonlWriter<RunEvent> | undefined;
  /** index[i] = byte offset of the event with seq = firstSeq + i * INDEX_STRIDE */
  private index: number[] = [];
  private firstSeq = 1;
  private _lastSeq = 0;
  /** end of the last whole line indexed, and where that line starts */
  private bytes = 0;
  private lastLineAt = 0;
  private savedSlots = 0;
  private savedLastSeq = 0;
  private saveWarned = false;
  private listeners = new Set<EventListener>();
  private unrecordedListeners = new Set<UnrecordedListener>();
  /** how this open found its index: loaded (and how many lines it read after it), or rebuilt by a full scan */
  indexSource: { loaded: boolean; linesScanned: number } = { loaded: false, linesScanned: 0 };

  private constructor(readonly file: string) {}

  /** Open for reading only (no torn-tail repair, no appends, the index file left as it is). */
  static openReadOnly(file: string): EventLog {
    const log = new EventLog(file);
    log.loadIndex();
    return log;
  }

  /** Open for appending: repairs a torn tail, then indexes (from the saved index where it still holds). */
  static openWritable(file: string): EventLog {
    const log = new EventLog(file);
    log.writer = JsonlWriter.open<RunEvent>(file);
    log.loadIndex();
    return log;
  }

  get lastSeq(): number {
    return this._lastSeq;
  }

  get indexFile(): string {
    return indexFileOf(this.file);
  }

  /** Take the saved index when it still describes the log, then index what follows it; else scan it all. */
  private loadIndex(): void {
    const saved = this.validSavedIndex();
    if (saved) {
      this.index = saved.offsets;
      this.firstSeq = saved.firstSeq;
      this._lastSeq = saved.lastSeq;
      this.bytes = saved.bytes;
      this.lastLineAt = saved.lastLineAt;
      this.savedSlots = saved.offsets.length;
      this.savedLastSeq = saved.lastSeq;
      this.indexSource = { loaded: true, linesScanned: this.scan(saved.bytes, saved.lastSeq + 1) };
      return;
    }
    this.index = [];
    this._lastSeq = 0;
    this.bytes = 0;
    this.savedSlots = 0;
    this.savedLastSeq = 0;
    this.indexSource = { loaded: false, linesScanned: this.scan(0, undefined) };
    if (this._lastSeq === 0) this.firstSeq = 1;
  }

  /** Index the whole lines from byte `start` (every one parsed and its seq checked). Returns how many it read. */
  private scan(start: number, expectedFirst: number | undefined): number {
    let expected = expectedFirst;
    let n = 0;
    forEachJsonl<RunEvent>(
      this.file,
      (ev, offset, lineNo) => {
        if (expected === undefined) {
          this.firstSeq = ev.seq;
          expected = ev.seq;
        }
        if (ev.seq !== expected) throw new Error(`${this.file}:${lineNo}: event seq ${ev.seq}, expected ${expected}`);
        if ((ev.seq - this.firstSeq) % INDEX_STRIDE === 0) this.index.push(offset);
        this._lastSeq = ev.seq;
        this.lastLineAt = offset;
        expected++;
        n++;
      },
      start,
      // one line per event (the writer never writes blank lines): line numbers follow from the seq
      start === 0 ? 1 : this.lineOf(expectedFirst ?? 1),
      (end) => (this.bytes = end),
    );
    return n;
  }

  /** The saved index, if it is whole and the log still holds the lines it points at (checked by their prefix). */
  private validSavedIndex(): SavedIndex | undefined {
    let s: SavedIndex | undefined;
    try {
      s = readJsonIfExists<SavedIndex>(this.indexFile);
    } catch {
      return undefined; // a damaged cache: rebuilt
    }
    if (!s || s.version !== INDEX_VERSION || s.stride !== INDEX_STRIDE || !Array.isArray(s.offsets) || !s.offsets.length) return undefined;
    const ints = [s.firstSeq, s.lastSeq, s.bytes, s.lastLineAt, ...s.offsets];
    if (!ints.every((v) => Number.isSafeInteger(v) && v >= 0) || s.lastSeq < s.firstSeq || s.lastLineAt >= s.bytes) return undefined;
    if (s.offsets.length !== Math.floor((s.lastSeq - s.firstSeq) / INDEX_STRIDE) + 1) return undefined;
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return undefined;
    }
    try {
      if (fs.fstatSync(fd).size < s.bytes) return undefined; // the log was cut or replaced
      const at = (pos: number, len: number): string => {
        const b = Buffer.alloc(len);
        return b.toString('utf8', 0, fs.readSync(fd, b, 0, len, pos));
      };
      const k = s.offsets.length - 1;
      const lastSlot = s.firstSeq + k * INDEX_STRIDE;
      const checks: [number, number][] = [
        [s.offsets[0], s.firstSeq],
        [s.offsets[k], lastSlot],
        [s.lastLineAt, s.lastSeq],
      ];
      if (checks.some(([pos, seq]) => !at(pos, seqPrefix(seq).length).startsWith(seqPrefix(seq)))) return undefined;
      // The line of lastSeq ends where the index ends, and no earlier.
      if (at(s.bytes - 1, 1) !== '\n' || (s.bytes - 1 > s.lastLineAt && at(s.lastLineAt, Math.min(s.bytes - s.lastLineAt - 1, 1 << 20)).includes('\n'))) return undefined;
      return s;
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Persist the index (a cache: a failure to write it costs only a rescan at the next open; it is reported once,
   * and not at all on close, where the failure that matters — a full disk — has been reported already).
   */
  saveIndex(quiet = false): void {
    if (!this.writer || this._lastSeq === 0) return;
    const s: SavedIndex = { version: INDEX_VERSION, stride: INDEX_STRIDE, firstSeq: this.firstSeq, lastSeq: this._lastSeq, bytes: this.bytes, lastLineAt: this.lastLineAt, offsets: this.index };
    try {
      writeJsonAtomic(this.indexFile, s);
      this.savedSlots = this.index.length;
      this.savedLastSeq = this._lastSeq;
    } catch (e) {
      if (!this.saveWarned && !quiet) warn(`${this.indexFile}: could not save the event index (rebuilt on the next open): ${(e as Error).message}`);
      this.saveWarned = true;
    }
  }

  /**
   * Assign the next seq, append durably (one write), then notify listeners. A failed append leaves the log as it
   * was (the writer cuts the partial line back; the seq is not used) and throws a StorageError naming the file.
   */
  append(body: RunEventBody): RunEvent {
    return this.appendMany([body])[0];
  }

  /**
   * Append events with one write (a group commit): all get their seqs and are durable together, or — when the
   * write fails — none is written and no seq is used. Listeners hear of them in order after the write.
   */
  appendMany(bodies: readonly RunEventBody[]): RunEvent[] {
    const ts = new Date().toISOString();
    const events = bodies.map((body, i) => ({ seq: this._lastSeq + 1 + i, ts, ...body }) as RunEvent);
    return this.commit(events, () => events.map((e) => JSON.stringify(e)));
  }

  /**
   * `appendMany` for record events whose records are already stringified (`recordJson[i]` the JSON of
   * `records[i]`, as just written to the record file): each event line is built around that text, byte for byte
   * what stringifying the event would give, so a record is stringified once for both files.
   */
  appendRecordEvents(type: RecordEventType, records: readonly unknown[], recordJson: readonly string[]): RunEvent[] {
    const ts = new Date().toISOString();
    const events = records.map((record, i) => ({ seq: this._lastSeq + 1 + i, ts, type, record }) as RunEvent);
    return this.commit(events, () => events.map((e, i) => `{"seq":${e.seq},"ts":"${ts}","type":"${type}","record":${recordJson[i]}}`));
  }

  private commit(events: RunEvent[], lines: () => string[]): RunEvent[] {
    if (!this.writer) throw new Error(`${this.file}: event log opened read-only`);
    if (!events.length) return [];
    if (this.writer.broken) {
      // A failed write that could not be cut back: reopen, which repairs the tail, before appending again.
      const fresh = JsonlWriter.open<RunEvent>(this.file);
      this.writer.close();
      this.writer = fresh;
    }
    const offsets = this.writer.appendJson(lines());
    if (this._lastSeq === 0) this.firstSeq = events[0].seq;
    events.forEach((ev, i) => {
      if ((ev.seq - this.firstSeq) % INDEX_STRIDE === 0) this.index.push(offsets[i]);
    });
    this._lastSeq = events[events.length - 1].seq;
    this.lastLineAt = offsets[offsets.length - 1];
    this.bytes = this.writer.size;
    if (this.index.length - this.savedSlots >= SAVE_EVERY_SLOTS) this.saveIndex();
    for (const event of events) for (const l of this.listeners) l(event);
    return events;
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tell listeners about an event the log could not take (its append failed): the one way a failure of the log
   * itself still reaches the clients. Nothing is written and no seq is used.
   */
  reportUnrecorded(body: RunEventBody, error: Error): void {
    for (const l of this.unrecordedListeners) l(body, error);
  }

  onUnrecorded(listener: UnrecordedListener): () => void {
    this.unrecordedListeners.add(listener);
    return () => this.unrecordedListeners.delete(listener);
  }

  /** Events with seq > afterSeq, at most `limit`, in order. Seeks via the index. */
  readAfter(afterSeq: number, limit: number): { events: RunEvent[]; more: boolean } {
    const r = this.readRawAfter(afterSeq, limit);
    return { events: r.lines.map((l, i) => parseJsonLine<RunEvent>(l, this.file, this.lineOf(r.firstSeq + i))), more: r.more };
  }

  /**
   * The lines of the events with seq > afterSeq (at most `limit`, in order, up to the last seq indexed), as written:
   * each a whole JSON event whose `{"seq":N,` prefix was checked, so a caller can send them on unparsed. `firstSeq`
   * is the seq of the first line.
   */
  readRawAfter(afterSeq: number, limit: number): { lines: string[]; firstSeq: number; more: boolean } {
    const lines: string[] = [];
    const want = Math.max(afterSeq + 1, this.firstSeq);
    if (want > this._lastSeq || limit <= 0 || !this.index.length) return { lines, firstSeq: want, more: false };
    const slot = Math.min(Math.floor((want - this.firstSeq) / INDEX_STRIDE), this.index.length - 1);
    const last = Math.min(this._lastSeq, want + limit - 1);
    let seq = this.firstSeq + slot * INDEX_STRIDE;
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (e) {
      throw new Error(`${this.file}: cannot read the event log: ${(e as Error).message}`);
    }
    try {
      const chunk = Buffer.alloc(256 * 1024);
      let pos = this.index[slot];
      let carry: Buffer = Buffer.alloc(0);
      while (seq <= last) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, pos);
        if (n === 0) break; // the indexed lines end here (cannot happen while the log is ours; a reader stops)
        pos += n;
        const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let start = 0;
        for (let nl = buf.indexOf(0x0a, start); nl >= 0 && seq <= last; nl = buf.indexOf(0x0a, start)) {
          if (nl > start) {
            if (seq >= want) lines.push(this.checkedLine(buf.toString('utf8', start, nl), seq));
            seq++;
          }
          start = nl + 1;
        }
        carry = Buffer.from(buf.subarray(start));
      }
    } finally {
      fs.closeSync(fd);
    }
    return { lines, firstSeq: want, more: want + lines.length - 1 < this._lastSeq };
  }

  /** A line is the event `seq` when its prefix says so; any other writing of it is parsed and its seq compared. */
  private checkedLine(line: string, seq: number): string {
    if (line.startsWith(seqPrefix(seq)) && line.endsWith('}')) return line;
    const ev = parseJsonLine<RunEvent>(line, this.file, this.lineOf(seq));
    if (ev?.seq !== seq) throw new Error(`${this.file}: event seq ${String(ev?.seq)} where ${seq} was due (the log changed under its index; reopen the run)`);
    return line;
  }

  private lineOf(seq: number): number {
    return seq - this.firstSeq + 1;
  }

  close(): void {
    if (this.writer && this._lastSeq !== this.savedLastSeq) this.saveIndex(true);
    this.writer?.close();
    this.writer = undefined;
    this.listeners.clear();
    this.unrecordedListeners.clear();
  }
}
