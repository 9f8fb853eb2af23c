/**
 * events/*: snapshot + backlog + live stream. `events/subscribe` reads the snapshot (seq S) and registers the
 * subscriber in the same synchronous step, so pushes carry exactly the events after S; the backlog it returns is
 * (afterSeq, S], paged by `limit` (`more` → continue with events/read up to S).
 */
import type { RunEvent } from '../../protocol';
import type { DaemonHandlerMap } from '../daemon';

export const DEFAULT_PAGE = 1000;
export const MAX_PAGE = 10_000;

function page(limit: number | undefined): number {
  return Math.max(0, Math.min(limit ?? DEFAULT_PAGE, MAX_PAGE));
}

export const eventsHandlers: DaemonHandlerMap = {
  'events/subscribe': async ({ runId, afterSeq, limit }, daemon, conn) => {
    const snapshot = daemon.snapshot(runId);
    daemon.fanout.subscribe(conn, runId);
    const S = snapshot.seq;
    let events: RunEvent[] = [];
    let more = false;
    if (afterSeq < S) {
      const n = page(limit);
      const r = daemon.openRun(runId).events.readAfter(afterSeq, n);
      events = r.events.filter((e) => e.seq <= S);
      more = (events.length ? events[events.length - 1].seq : afterSeq) < S;
    }
    return { snapshot, events, more };
  },
  'events/read': async ({ runId, afterSeq, limit }, daemon) => {
    const log = daemon.openRun(runId).events;
    const r = log.readAfter(afterSeq, page(limit));
    return { events: r.events, lastSeq: log.lastSeq, more: r.more };
  },
  'events/unsubscribe': async ({ runId }, daemon, conn) => {
    daemon.fanout.unsubscribe(conn, runId);
    return { ok: true };
  },
};
