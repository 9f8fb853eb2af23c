/**
 * Requests in flight, shared between stages that run at the same time (candidates and judgments overlap so the
 * server stays busy while the stage boundary drains). At most `max` holders; waiters are served by priority
 * (0 first), then in arrival order.
 */
import { abortReason } from './signals';

export class Limiter {
  private active = 0;
  private queues: { grant(): void }[][] = [[], []];

  constructor(readonly max: number) {}

  acquire(priority: 0 | 1, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.max && this.queues.every((q) => q.length === 0)) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const q = this.queues[priority];
        const i = q.indexOf(waiter);
        if (i >= 0) q.splice(i, 1);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.queues[priority].push(waiter);
    });
  }

  release(): void {
    for (const q of this.queues) {
      const w = q.shift();
      if (w) return w.grant(); // the slot passes straight to the waiter
    }
    this.active--;
  }
}

/** An async queue one stage fills while the next consumes it; `take` resolves undefined once closed and drained. */
export class Feed<T> {
  private items: T[] = [];
  private takers: ((v: T | undefined) => void)[] = [];
  private closed = false;
  /** everything pushed so far (for totals) */
  pushed = 0;

  push(...xs: T[]): void {
    for (const x of xs) {
      this.pushed++;
      const t = this.takers.shift();
      if (t) t(x);
      else this.items.push(x);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.takers.splice(0)) t(undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  take(): Promise<T | undefined> {
    if (this.items.length) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push(resolve));
  }
}
