/**
 * The shape stages 2 and 3 share: for each input item, one request asking for `n` samples, then `n` records. Items
 * whose records are all durable are skipped; an item with only some (a crash between two appends) is requested
 * again with the same seed and only the missing records are written, so nothing is lost or duplicated. A request
 * that fails after every retry becomes `n` records carrying the error — written only when the stage ends within
 * its failure budget. Until then failures are counted against the budget (past it the stage stops with the
 * budget's error) and kept in memory, so a stopped, failed or killed stage leaves them to do: a resume requests
 * them again.
 *
 * Items come from an array, or from a Feed the previous stage fills while it runs; with a shared Limiter the two
 * stages together keep at most `concurrency` requests in flight, and a consumer with a backlog of fed items goes
 * first, so the feed holds about feedHighWater items, whatever the iteration's size.
 */
import { setMaxListeners } from 'node:events';
import type { ChatRequest, ChatResult, InferenceClient } from '../inference/client';
import { describeError } from '../inference/retry';
import { runPool } from '../inference/pool';
import type { Feed, Limiter } from '../inference/limiter';
import type { StageProgress } from './progress';
import type { FailureBudget } from './failureBudget';
import { abortReason, anySignal } from '../inference/signals';

export interface FanOutSpec<I, R extends { id: string }> {
  items: readonly I[] | Feed<I>;
  n: number;
  /** ids of the n records of an item, in sample order */
  recordIds(item: I): string[];
  durable: Set<string>;
  request(item: I): Omit<ChatRequest, 'n'>;
  /** the records of a finished item (result), or of a failed one (error) */
  records(item: I, result: ChatResult | undefined, error: string | undefined): R[];
  /** write an item's records (and their events) as one group commit: all durable after it returns, or none */
  write(records: R[]): void;
  client: InferenceClient;
  concurrency: number;
  limiter?: { limiter: Limiter; priority: 0 | 1 };
  progress: StageProgress;
  /** counts failed items; past the budget it stops the stage */
  budget?: FailureBudget;
  signal: AbortSignal;
}

/** Items a consuming stage lets pile up in its feed before the producer's requests wait for its own. */
export const feedHighWater = (concurrency: number): number => Math.max(64, 2 * concurrency);

export async function fanOut<I, R extends { id: string }>(s: FanOutSpec<I, R>): Promise<void> {
  const pending = (it: I): boolean => s.recordIds(it).some((id) => !s.durable.has(id));
  let next: () => Promise<I | undefined>;
  let unfavour: (() => void) | undefined;
  if (Array.isArray(s.items)) {
    const todo = (s.items as readonly I[]).filter(pending);
    let i = 0;
    next = async () => (i < todo.length ? todo[i++] : undefined);
  } else {
    const feed = s.items as Feed<I>;
    // a backlog of fed items gets this stage's requests served before the producer's: memory stays bounded
    const high = feedHighWater(s.concurrency);
    if (s.limiter) unfavour = s.limiter.limiter.favour(s.limiter.priority, () => feed.backlog > high);
    next = async () => {
      for (;;) {
        const it = await feed.take();
        if (it === undefined) s.progress.total = feed.pushed; // the real total is known once the feed closes
        if (it === undefined || pending(it)) return it;
        s.progress.add(1); // already durable: counts as done
      }
    };
  }
  const failures: R[] = [];
  // one signal for the stage (not one per attempt): a stop, or the budget's abort
  const linked = anySignal(s.budget ? [s.signal, s.budget.signal] : [s.signal]);
  setMaxListeners(0, linked.signal);
  const signal = linked.signal;
  const run = async (item: I): Promise<void> => {
    let result: ChatResult | undefined;
    let error: string | undefined;
    if (s.limiter) await s.limiter.limiter.acquire(s.limiter.priority, signal);
    try {
      result = await s.client.chat({ ...s.request(item), n: s.n }, signal);
    } catch (e) {
      if (signal.aborted) throw e; // a stop: nothing is written, the item stays to do
      error = describeError(e);
    } finally {
      s.limiter?.limiter.release();
    }
    if (error !== undefined) {
      // not final until the stage ends within its budget (a resume requests it again)
      for (const rec of s.records(item, undefined, error)) if (!s.durable.has(rec.id)) failures.push(rec);
      s.budget?.fail(error);
      s.progress.add(1, 1);
      return;
    }
    // records durable before this run (a crash between two batches) are skipped; each item runs once, so what is
    // written now need not be remembered; the item's records are one group commit
    s.write(s.records(item, result, undefined).filter((rec) => !s.durable.has(rec.id)));
    s.progress.add(1, 0);
  };
  try {
    await runPool(
      s.concurrency,
      async () => {
        const item = await next();
        return item === undefined ? undefined : () => run(item);
      },
      signal,
    );
  } catch (e) {
    // A stop, or the budget's abort: its reason (the budget's error names the cause) is what the stage reports.
    throw signal.aborted ? abortReason(signal) : e;
  } finally {
    unfavour?.();
    linked.dispose();
  }
  // Within budget: the failures are final, recorded with their reason.
  s.write(failures);
  s.progress.flush();
}
