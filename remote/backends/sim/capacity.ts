/**
 * The capacity model of the simulated server, like a batching inference server:
 *   - at most C sequences are decoded at once (`maxConcurrency`); a request with n choices needs n sequence slots
 *     (at most C at a time; extra choices of one request wait for its own slots to free);
 *   - each sequence waits `ttftMs` (time to first token), then produces `tokensPerSecond` tokens per second,
 *     independent of how many others run (ideal batching);
 *   - requests that find no free slot wait in FIFO order.
 * So for W identical requests of n choices × T tokens sent at once, the ideal makespan is
 *     ceil(W·n / C) · (ttftMs/1000 + T/R)   seconds,
 * and the throughput C·T / (ttftMs/1000 + T/R) tokens per second once saturated. `zeroLatency` skips every wait
 * (slots still bound concurrency) for overhead benchmarks. Waits are timers, never busy loops.
 */
import { sleep } from '../../inference/signals';

export interface CapacityOptions {
  maxConcurrency: number;
  tokensPerSecond: number;
  ttftMs: number;
  zeroLatency: boolean;
}

export class AbortedError extends Error {
  constructor() {
    super('aborted');
  }
}

export class CapacityModel {
  private free: number;
  private readonly queue: { slots: number; grant: () => void; signal?: AbortSignal; onAbort?: () => void }[] = [];

  constructor(readonly opts: CapacityOptions) {
    this.free = opts.maxConcurrency;
  }

  get inUse(): number {
    return this.opts.maxConcurrency - this.free;
  }
  get queued(): number {
    return this.queue.length;
  }

  /** Wait (FIFO) for `slots` sequence slots (capped at C). */
  acquire(slots: number, signal?: AbortSignal): Promise<number> {
    const want = Math.max(1, Math.min(slots, this.opts.maxConcurrency));
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (!this.queue.length && this.free >= want) {
      this.free -= want;
      return Promise.resolve(want);
    }
    return new Promise((resolve, reject) => {
      const entry: (typeof this.queue)[number] = {
        slots: want,
        grant: () => {
          if (signal && entry.onAbort) signal.removeEventListener('abort', entry.onAbort);
          resolve(want);
        },
        signal,
      };
      entry.onAbort = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new AbortedError());
        this.pump();
      };
      signal?.addEventListener('abort', entry.onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  release(slots: number): void {
    this.free = Math.min(this.opts.maxConcurrency, this.free + slots);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length && this.free >= this.queue[0].slots) {
      const e = this.queue.shift()!;
      this.free -= e.slots;
      e.grant();
    }
  }

  /**
   * Decode one sequence of `tokens` tokens: wait TTFT, then token k is due at k/R seconds after it, handed out in
   * batches of about `tickMs` on a wall-clock schedule (timer jitter does not accumulate). Total: ttft + T/R.
   */
  async decode(tokens: number, emit: (from: number, to: number) => void, signal?: AbortSignal, tickMs = 20): Promise<void> {
    if (this.opts.zeroLatency) {
      if (tokens > 0) emit(0, tokens);
      return;
    }
    await sleep(this.opts.ttftMs, signal);
    const start = Date.now();
    const rate = this.opts.tokensPerSecond;
    const batch = Math.max(1, Math.round((rate * tickMs) / 1000));
    let sent = 0;
    while (sent < tokens) {
      const next = Math.min(tokens, sent + batch);
      const wait = start + (next * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait, signal);
      const target = Math.min(tokens, Math.max(next, Math.floor(((Date.now() - start) * rate) / 1000)));
      emit(sent, target);
      sent = target;
    }
  }
}
