/**
 * Requests in flight, shared between stages that run at the same time (candidates and judgments overlap so the
 * server stays busy while the stage boundary drains). At most `max` holders; waiters are served by priority
 * (0 first), then in arrival order — except while a `favour` condition holds: then its priority goes first. The
 * judge stage uses that to drain the feed of answered candidates before more are made, so the feed (and memory)
 * stays bounded by the requests in flight, not by the iteration's size.
 */
import { abortReason } from './signals';

export class Limiter {
  private active = 0;
  private queues: { grant(): void }[][] = [[], []];
  private favoured: { priority: 0 | 1; when(): boolean } | undefined;

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
    const f = this.favoured;
    const first = f && f.when() ? this.queues[f.priority].shift() : undefined;
    if (first) return first.grant();
    for (const q of this.queues) {
      const w = q.shift();
      if (w) return w.grant(); // the slot passes straight to the waiter
    }
    this.active--;
  }

  /** Serve `priority` first while `when()` holds; returns the undo. */
  favour(priority: 0 | 1, when: () => boolean): () => void {
    const f = { priority, when };
    this.favoured = f;
    return () => {
      if (this.favoured === f) this.favoured = undefined;
    };
  }
}

/** An async queue one stage fills while the next consumes it; `take` resolves undefined once closed and drained. */
export class Feed<T> {
  // a queue with a moving head: shift() on a long array copies it
  private items: T[] = [];
  private head = 0;
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

  /** items pushed and not taken yet */
  get backlog(): number {
    return this.items.length - this.head;
  }

  take(): Promise<T | undefined> {
    if (this.head < this.items.length) {
      const x = this.items[this.head];
      this.items[this.head++] = undefined as T; // let it go
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(x);
    }
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.takers.push(resolve));
  }
}
