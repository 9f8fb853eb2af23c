/**
 * Work in slices, so no frame waits for a whole batch: a catch-up page or a 50 ms flush can carry thousands of run
 * events, and a chart of a long feed reads every row. Items wait in a SliceQueue and each frame takes what fits its
 * time budget; longer work is a generator that yields between small steps, run by `runUntil` until the deadline.
 * Pure (the clock is passed in): unit tests run it in Node.
 */
export class SliceQueue<T> {
  private batches: (readonly T[])[] = [];
  /** position in batches[0] */
  private head = 0;
  private count = 0;

  /** Queue a batch (kept by reference, not copied: the caller must not change it afterwards). */
  push(items: readonly T[]): void {
    if (!items.length) return;
    this.batches.push(items);
    this.count += items.length;
  }

  get pending(): number {
    return this.count;
  }

  clear(): void {
    this.batches = [];
    this.head = 0;
    this.count = 0;
  }

  /**
   * Hand queued items to `apply`, in order, in slices of at most `slice`, until the queue is empty or `now()` has
   * reached `deadline` (checked between slices: one slice always runs, so every call makes progress). Returns how
   * many items were applied.
   */
  drain(apply: (items: readonly T[]) => void, deadline: number, now: () => number, slice = 200): number {
    let applied = 0;
    do {
      const batch = this.batches[0];
      if (!batch) break;
      const end = Math.min(batch.length, this.head + slice);
      const part = this.head === 0 && end === batch.length ? batch : batch.slice(this.head, end);
      this.head = end;
      if (end === batch.length) {
        this.batches.shift();
        this.head = 0;
      }
      this.count -= part.length;
      applied += part.length;
      apply(part);
    } while (this.count > 0 && now() < deadline);
    return applied;
  }
}

/**
 * Step `job` until it returns or `now()` reaches `deadline` (read every `every` steps; at least that many steps run,
 * so every call makes progress). Returns the job's result once it is done, else undefined: call again next frame.
 */
export function runUntil<R>(job: Iterator<unknown, R>, deadline: number, now: () => number, every = 16): { value: R } | undefined {
  for (let n = 1; ; n++) {
    const r = job.next();
    if (r.done) return { value: r.value };
    if (n % every === 0 && now() >= deadline) return undefined;
  }
}
