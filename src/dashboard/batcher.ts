/**
 * Coalesces streamed items into one message per interval (default 50 ms): the webview gets at most 1000/interval
 * messages per second however fast the agent emits. No vscode import (the benchmark measures it in plain Node).
 */
export interface BatcherStats {
  itemsIn: number;
  pushes: number;
  flushes: number;
}

export class Batcher<T> {
  private buf: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  readonly stats: BatcherStats = { itemsIn: 0, pushes: 0, flushes: 0 };

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly intervalMs = 50,
  ) {}

  push(items: readonly T[]): void {
    if (!items.length) return;
    this.stats.itemsIn += items.length;
    this.stats.pushes++;
    for (const x of items) this.buf.push(x);
    this.timer ??= setTimeout(() => this.flushNow(), this.intervalMs);
  }

  /** Send what is buffered now (also cancels the pending timer). */
  flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buf.length) return;
    const items = this.buf;
    this.buf = [];
    this.stats.flushes++;
    this.flush(items);
  }

  /** Drop what is buffered (the receiver will catch up by seq instead). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buf = [];
  }

  get pending(): number {
    return this.buf.length;
  }

  dispose(): void {
    this.clear();
  }
}
