/**
 * Rate and ETA of a stage from a window of its recent progress, not from its start: a stage that waits on another
 * (judgments wait for candidates) or starts slowly (a model server warming up) would otherwise show an ETA of an
 * hour for work that takes seconds. The ETA is null (shown as "–") until the rate has settled: the window spans at
 * least `settleMs` of progress and `minItems` items moved in it. Pure, with the clock passed in (unit-tested).
 */
export interface RateOptions {
  /** how far back the rate looks */
  windowMs?: number;
  /** the least span of observed progress before an ETA is given */
  settleMs?: number;
  /** the least items moved in the window before an ETA is given */
  minItems?: number;
}

export class RateWindow {
  private readonly samples: { t: number; done: number }[] = [];
  private readonly windowMs: number;
  private readonly settleMs: number;
  private readonly minItems: number;

  constructor(o: RateOptions = {}) {
    this.windowMs = o.windowMs ?? 10_000;
    this.settleMs = o.settleMs ?? 2_000;
    this.minItems = o.minItems ?? 3;
  }

  /** Record that `done` items are done at time `t` (ms). */
  add(t: number, done: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && t < last.t) return;
    // Until something moves, only the latest idle sample matters: the window starts when work starts.
    if (last && last.done === done && this.samples.length === 1) last.t = t;
    else this.samples.push({ t, done });
    // Keep one sample at or before the window's start as the anchor.
    while (this.samples.length > 2 && this.samples[1].t <= t - this.windowMs) this.samples.shift();
  }

  private span(): { ms: number; items: number } {
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return a && b ? { ms: b.t - a.t, items: b.done - a.done } : { ms: 0, items: 0 };
  }

  /** Items per second over the window (0 before two samples). */
  rate(): number {
    const { ms, items } = this.span();
    return ms > 0 && items > 0 ? (items * 1000) / ms : 0;
  }

  settled(): boolean {
    const { ms, items } = this.span();
    return ms >= this.settleMs && items >= this.minItems;
  }

  /** Seconds left for `left` items at the settled rate; 0 when nothing is left; null while unsettled. */
  eta(left: number): number | null {
    if (left <= 0) return 0;
    if (!this.settled()) return null;
    const r = this.rate();
    return r > 0 ? left / r : null;
  }
}
