/**
 * The extension's sequenced copy of each tracked run: the snapshot (kept current with the shared reducer) and a
 * bounded window of the latest events. Webviews receive nothing while hidden, so a panel that becomes visible asks
 * the mirror for the snapshot, or for the events after the last seq it has drawn, instead of relying on pushes.
 *
 * The stream it receives from the AgentApi (`events/push`) is already gap-free across reconnects (AgentClient); the
 * mirror only drops duplicates. No vscode import: tests run it against a real daemon in plain Node.
 */
import type { RunEvent, RunSnapshot } from '../../remote/protocol';
import { EVENTS_READ_PAGE } from '../../remote/protocol';
import { applyEvent } from '../../remote/snapshot/reducer';
import type { AgentApi, Disposable } from '../connection/agentApi';

export type EventsListener = (events: RunEvent[]) => void;

interface Tracked {
  ready: Promise<void>;
  snapshot?: RunSnapshot;
  /** pushes that arrived before the subscribe answer */
  early: RunEvent[];
  /** the latest events, in seq order, at most `windowSize` */
  window: RunEvent[];
  listeners: Set<EventsListener>;
}

/** Past this many events the window drops its oldest; older events come from the agent (events/read). */
export const DEFAULT_WINDOW = 5000;

export class RunMirror implements Disposable {
  private runs = new Map<string, Tracked>();
  private sub: Disposable;

  constructor(private readonly agent: AgentApi, private readonly windowSize = DEFAULT_WINDOW) {
    this.sub = agent.onNotification('events/push', ({ runId, events }) => this.receive(runId, events));
  }

  /** Start mirroring a run (idempotent): one `events/subscribe`, then live pushes. */
  track(runId: string): Promise<void> {
    const known = this.runs.get(runId);
    if (known) return known.ready;
    const t: Tracked = { ready: Promise.resolve(), early: [], window: [], listeners: new Set() };
    this.runs.set(runId, t);
    // afterSeq beyond the end: the snapshot is enough, no history; pushes follow from the snapshot's seq.
    t.ready = this.agent.request('events/subscribe', { runId, afterSeq: Number.MAX_SAFE_INTEGER, limit: 0 }).then(
      (res) => {
        t.snapshot = res.snapshot;
        const early = t.early;
        t.early = [];
        this.apply(t, early);
      },
      (e: unknown) => {
        this.runs.delete(runId);
        throw e;
      },
    );
    return t.ready;
  }

  /** Stop mirroring a run and tell the agent. */
  async untrack(runId: string): Promise<void> {
    if (!this.runs.delete(runId)) return;
    await this.agent.request('events/unsubscribe', { runId }).catch(() => undefined);
  }

  tracked(): string[] {
    return [...this.runs.keys()];
  }

  snapshot(runId: string): RunSnapshot | undefined {
    return this.runs.get(runId)?.snapshot;
  }

  /** The seq of the latest event applied (the snapshot's seq); -1 while the run is not mirrored yet. */
  lastSeq(runId: string): number {
    return this.runs.get(runId)?.snapshot?.seq ?? -1;
  }

  /**
   * Events with seq > `seq`, in order, at most `limit`: from the window when it reaches back that far, else from
   * the agent (events/read). A panel that fell further behind than it wants to replay should take `snapshot()`.
   */
  async eventsAfter(runId: string, seq: number, limit = Number.MAX_SAFE_INTEGER): Promise<RunEvent[]> {
    const t = this.runs.get(runId);
    if (!t) throw new Error(`run ${runId} is not tracked`);
    await t.ready;
    const first = t.window[0]?.seq ?? (t.snapshot?.seq ?? 0) + 1;
    if (seq + 1 >= first) return this.fromWindow(t, seq, limit);
    const out: RunEvent[] = [];
    let after = seq;
    // Read the old part from the agent up to where the window starts, then continue from the window.
    while (out.length < limit && after + 1 < first) {
      const res = await this.agent.request('events/read', { runId, afterSeq: after, limit: Math.min(EVENTS_READ_PAGE, limit - out.length) });
      for (const ev of res.events) if (ev.seq < first && out.length < limit) out.push(ev);
      if (!res.events.length) break;
      // A page may reach into the window: continue from the window's start, not past it (else those events are lost).
      after = Math.min(res.events[res.events.length - 1].seq, first - 1);
      if (!res.more) break;
    }
    if (out.length < limit) out.push(...this.fromWindow(t, Math.max(after, first - 1), limit - out.length));
    return out;
  }

  /** Listen to the events of one run as they are applied (batched as they arrive). */
  onEvents(runId: string, listener: EventsListener): Disposable {
    const t = this.runs.get(runId);
    if (!t) throw new Error(`run ${runId} is not tracked: call track() first`);
    t.listeners.add(listener);
    return { dispose: () => t.listeners.delete(listener) };
  }

  dispose(): void {
    this.sub.dispose();
    for (const id of [...this.runs.keys()]) void this.untrack(id);
  }

  private fromWindow(t: Tracked, seq: number, limit: number): RunEvent[] {
    const w = t.window;
    if (!w.length) return [];
    const start = Math.max(0, seq + 1 - w[0].seq);
    return w.slice(start, start + limit);
  }

  private receive(runId: string, events: RunEvent[]): void {
    const t = this.runs.get(runId);
    if (!t) return;
    if (!t.snapshot) {
      t.early.push(...events);
      return;
    }
    this.apply(t, events);
  }

  private apply(t: Tracked, events: RunEvent[]): void {
    const fresh: RunEvent[] = [];
    for (const ev of events) {
      if (!t.snapshot || ev.seq <= t.snapshot.seq) continue; // duplicate (overlap after a reconnect)
      t.snapshot = applyEvent(t.snapshot, ev);
      fresh.push(ev);
    }
    if (!fresh.length) return;
    t.window.push(...fresh);
    if (t.window.length > this.windowSize) t.window.splice(0, t.window.length - this.windowSize);
    for (const l of t.listeners) l(fresh);
  }
}
