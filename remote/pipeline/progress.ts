/**
 * Stage progress events, throttled (at most one `stage.progress` per 100 ms, plus a final one) so a fast stage does
 * not flood the event log and the panels. Rate and ETA come from a window of recent progress once it has settled
 * (remote/eta.ts); `done/total` count the stage's unit (remote/counts.ts STAGE_UNITS).
 */
import type { StageName } from '../protocol';
import type { Run } from '../store/runStore';
import { RateWindow } from '../eta';

const MIN_INTERVAL_MS = 100;

export class StageProgress {
  private lastEmit = 0;
  private readonly rate = new RateWindow();
  done: number;
  failed = 0;

  /** `quiet`: count without emitting (work outside a running stage, e.g. an evaluation after the iteration) */
  constructor(private run: Run, private iteration: number, private stage: StageName, public total: number, alreadyDone = 0, private quiet = false) {
    this.done = alreadyDone;
    this.rate.add(Date.now(), alreadyDone);
  }

  /** Count `n` finished items (`failed` of them failed) and maybe emit. */
  add(n: number, failed = 0): void {
    this.done += n;
    this.failed += failed;
    const now = Date.now();
    if (now - this.lastEmit >= MIN_INTERVAL_MS) this.emit(now);
  }

  flush(): void {
    this.emit(Date.now());
  }

  private emit(now: number): void {
    this.lastEmit = now;
    if (this.quiet) return;
    this.rate.add(now, this.done);
    const rate = this.rate.rate();
    const eta = this.rate.eta(Math.max(0, this.total - this.done));
    this.run.emit({
      type: 'stage.progress',
      iteration: this.iteration,
      stage: this.stage,
      done: this.done,
      total: this.total,
      failed: this.failed,
      ratePerSec: Math.round(rate * 100) / 100,
      etaSec: eta === null ? null : Math.round(eta),
    });
  }
}
