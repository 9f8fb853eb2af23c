/**
 * Event fan-out to subscribed connections. Each connection has, per subscribed run, a queue of events not yet
 * pushed; a connection's queues are flushed together at most every BATCH_MS (one `events/push` per run per window,
 * never one message per event), in seq order. A queue past MAX_BATCH flushes at once, so a burst stays bounded.
 */
import type { NotificationMethod, Notifications, RunEvent } from '../protocol';
import type { ConnectionContext } from './types';
import { warn } from '../log';

export const BATCH_MS = 50;
export const MAX_BATCH = 2000;
/**
 * A subscriber whose link has stopped taking data (a hung SSH channel can stay open for hours) would make the
 * daemon buffer without end (vscode-jsonrpc queues unsent messages in memory): past this many events not yet handed
 * to its transport it is disconnected; it catches up by afterSeq when it is back.
 */
export const MAX_UNSENT_EVENTS = 100_000;

interface Subscriber {
  conn: ConnectionContext;
  queues: Map<string, RunEvent[]>;
  timer: NodeJS.Timeout | undefined;
  /** events pushed but not yet handed to the transport */
  unsent: number;
}

export class EventFanout {
  private subscribers = new Map<number, Subscriber>();
  /** how many `events/push` notifications were sent (for tests and the log) */
  pushes = 0;

  constructor(private readonly maxUnsent = MAX_UNSENT_EVENTS) {}

  /** Queue every later event of `runId` for `conn`. Call synchronously with reading the snapshot's seq. */
  subscribe(conn: ConnectionContext, runId: string): void {
    let s = this.subscribers.get(conn.id);
    if (!s) {
      s = { conn, queues: new Map(), timer: undefined, unsent: 0 };
      this.subscribers.set(conn.id, s);
      conn.onClose(() => this.drop(conn.id));
    }
    // A repeated subscribe keeps the stream going (queued events still go out): a client holding an older
    // snapshot must not lose them; one with the newer snapshot skips events at or below its seq.
    if (!s.queues.has(runId)) s.queues.set(runId, []);
  }

  unsubscribe(conn: ConnectionContext, runId: string): void {
    this.subscribers.get(conn.id)?.queues.delete(runId);
  }

  subscribed(runId: string): number {
    let n = 0;
    for (const s of this.subscribers.values()) if (s.queues.has(runId)) n++;
    return n;
  }

  /** Send a notification to every subscriber of `runId`, after the events already queued for it. */
  notify<N extends NotificationMethod>(runId: string, method: N, params: Notifications[N]): void {
    for (const s of this.subscribers.values()) {
      if (!s.queues.has(runId)) continue;
      this.flush(s);
      void s.conn.notify(method, params);
    }
  }

  publish(runId: string, ev: RunEvent): void {
    for (const s of this.subscribers.values()) {
      const q = s.queues.get(runId);
      if (!q) continue;
      q.push(ev);
      if (q.length >= MAX_BATCH) this.flush(s);
      else if (!s.timer) s.timer = setTimeout(() => this.flush(s), BATCH_MS);
    }
  }

  private flush(s: Subscriber): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    for (const [runId, q] of s.queues) {
      if (!q.length) continue;
      const events = q.splice(0, q.length);
      this.pushes++;
      s.unsent += events.length;
      const sent = s.conn.notify('events/push', { runId, events });
      if (sent) void sent.finally(() => (s.unsent -= events.length));
      else s.unsent -= events.length;
    }
    if (s.unsent > this.maxUnsent) {
      warn(`a subscriber stopped reading (${s.unsent} events unsent); disconnecting it: it can resume by seq`);
      s.conn.close?.();
    }
  }

  private drop(id: number): void {
    const s = this.subscribers.get(id);
    if (s?.timer) clearTimeout(s.timer);
    this.subscribers.delete(id);
  }

  close(): void {
    for (const id of [...this.subscribers.keys()]) this.drop(id);
  }
}
