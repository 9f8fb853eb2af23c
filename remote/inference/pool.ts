/**
 * A concurrency pool: `concurrency` workers pull tasks from `next()` (which may wait for work) until it returns
 * undefined. Tasks record their
 * own failures (a failed request is a record, not an exception); an exception from a task — a stop, a disk error —
 * stops every worker from pulling more, and the first one is rethrown after the running tasks settle.
 */
import { throwIfAborted } from './signals';

export type Task = () => Promise<void>;

export async function runPool(concurrency: number, next: () => Task | undefined | Promise<Task | undefined>, signal: AbortSignal): Promise<void> {
  let failure: unknown;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && !signal.aborted) {
      const task = await next();
      if (!task) return;
      try {
        await task();
      } catch (e) {
        if (!failed) {
          failed = true;
          failure = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (failed) throw failure;
  throwIfAborted(signal);
}

/** Tasks over an array, in order of index. */
export function arrayTasks<T>(items: readonly T[], run: (item: T, index: number) => Promise<void>): () => Task | undefined {
  let i = 0;
  return () => {
    if (i >= items.length) return undefined;
    const idx = i++;
    return () => run(items[idx], idx);
  };
}
