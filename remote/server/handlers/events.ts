/**
 * events/*: snapshot + backlog + live stream. `events/subscribe` reads the snapshot (seq S) and registers the
 * subscriber in the same synchronous step, so pushes carry exactly the events after S; the backlog it returns is
 * (afterSeq, S], paged by `limit` (`more` → continue with events/read up to S).
 */
import type { RunEvent } from '../../protocol';
import type { DaemonHandlerMap } from '../daemon';
import { rawJsonArray } from '../../rpc/rawJson';

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
      const r = daemon.openRun(runId).events.readRawAfter(afterSeq, Math.min(page(limit), S - afterSeq));
      events = rawJsonArray<RunEvent>(r.lines);
      more = r.firstSeq + r.lines.length - 1 < S;
    }
    return { snapshot, events, more };
  },
  'events/read': async ({ runId, afterSeq, limit }, daemon) => {
    const log = daemon.openRun(runId).events;
    // The log's lines as written, spliced into the answer (rpc/rawJson.ts).
    const r = log.readRawAfter(afterSeq, page(limit));
    return { events: rawJsonArray<RunEvent>(r.lines), lastSeq: log.lastSeq, more: r.more };
  },
  'events/unsubscribe': async ({ runId }, daemon, conn) => {
    daemon.fanout.unsubscribe(conn, runId);
    return { ok: true };
  },
};
