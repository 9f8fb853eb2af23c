/**
 * events.jsonl: the run's sequenced event log. `seq` increases by one per event across agent restarts (it is
 * recovered from the file on open). A sparse seq → byte-offset index, built once by streaming at open and kept up
 * to date on append, lets `readAfter` seek instead of scanning the whole log on every call.
 */
import type { RunEvent, RunEventBody } from '../protocol';
import { JsonlWriter, forEachJsonl } from './jsonl';

const INDEX_STRIDE = 256;

export type EventListener = (event: RunEvent) => void;
/** An event that could not be appended (the log's own storage failed), with the reason. */
export type UnrecordedListener = (body: RunEventBody, error: Error) => void;

export class EventLog {
  private writer: JsonlWriter<RunEvent> | undefined;
  /** index[i] = byte offset of the event with seq = firstSeq + i * INDEX_STRIDE */
  private index: number[] = [];
  private firstSeq = 1;
  private _lastSeq = 0;
  private listeners = new Set<EventListener>();
  private unrecordedListeners = new Set<UnrecordedListener>();

  private constructor(readonly file: string) {}

  /** Open for reading only (no torn-tail repair, no appends). */
  static openReadOnly(file: string): EventLog {
    const log = new EventLog(file);
    log.buildIndex();
    return log;
  }

  /** Open for appending: repairs a torn tail, then indexes. */
  static openWritable(file: string): EventLog {
    const log = new EventLog(file);
    log.writer = JsonlWriter.open<RunEvent>(file);
    log.buildIndex();
    return log;
  }

  get lastSeq(): number {
    return this._lastSeq;
  }

  private buildIndex(): void {
    let first = true;
    let expected = 0;
    forEachJsonl<RunEvent>(this.file, (ev, offset, lineNo) => {
      if (first) {
        this.firstSeq = ev.seq;
        expected = ev.seq;
        first = false;
      }
      if (ev.seq !== expected) throw new Error(`${this.file}:${lineNo}: event seq ${ev.seq}, expected ${expected}`);
      if ((ev.seq - this.firstSeq) % INDEX_STRIDE === 0) this.index.push(offset);
      this._lastSeq = ev.seq;
      expected++;
    });
    if (first) this.firstSeq = 1;
  }

  /**
   * Assign the next seq, append durably (one write), then notify listeners. A failed append leaves the log as it
   * was (the writer cuts the partial line back; the seq is not used) and throws a StorageError naming the file.
   */
  append(body: RunEventBody): RunEvent {
    if (!this.writer) throw new Error(`${this.file}: event log opened read-only`);
    if (this.writer.broken) {
      // A failed write that could not be cut back: reopen, which repairs the tail, before appending again.
      const fresh = JsonlWriter.open<RunEvent>(this.file);
      this.writer.close();
      this.writer = fresh;
    }
    const event = { seq: this._lastSeq + 1, ts: new Date().toISOString(), ...body } as RunEvent;
    const offset = this.writer.append(event);
    if (this._lastSeq === 0) this.firstSeq = event.seq;
    if ((event.seq - this.firstSeq) % INDEX_STRIDE === 0) this.index.push(offset);
    this._lastSeq = event.seq;
    for (const l of this.listeners) l(event);
    return event;
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
    const events: RunEvent[] = [];
    if (afterSeq >= this._lastSeq || limit <= 0) return { events, more: false };
    const want = Math.max(afterSeq + 1, this.firstSeq);
    const slot = Math.min(Math.floor((want - this.firstSeq) / INDEX_STRIDE), this.index.length - 1);
    const start = slot >= 0 ? this.index[slot] : 0;
    let more = false;
    forEachJsonl<RunEvent>(this.file, (ev) => {
      if (ev.seq <= afterSeq) return true;
      if (events.length >= limit) {
        more = true;
        return false;
      }
      events.push(ev);
      return true;
    }, start);
    return { events, more };
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
    this.listeners.clear();
    this.unrecordedListeners.clear();
  }
}
