/**
 * The shape stages 2 and 3 share: for each input item, one request asking for `n` samples, then `n` records. Items
 * whose records are all durable are skipped; an item with only some (a crash between two appends) is requested
 * again with the same seed and only the missing records are written, so nothing is lost or duplicated. A request
 * that fails after every retry becomes `n` records carrying the error.
 */
import type { ChatRequest, ChatResult, InferenceClient } from '../inference/client';
import { describeError } from '../inference/retry';
import { runPool } from '../inference/pool';
import type { StageProgress } from './progress';

export interface FanOutSpec<I, R extends { id: string }> {
  items: readonly I[];
  n: number;
  /** ids of the n records of an item, in sample order */
  recordIds(item: I): string[];
  durable: Set<string>;
  request(item: I): Omit<ChatRequest, 'n'>;
  /** the records of a finished item (result), or of a failed one (error) */
  records(item: I, result: ChatResult | undefined, error: string | undefined): R[];
  write(record: R): void;
  client: InferenceClient;
  concurrency: number;
  progress: StageProgress;
  signal: AbortSignal;
}

export async function fanOut<I, R extends { id: string }>(s: FanOutSpec<I, R>): Promise<void> {
  const todo = s.items.filter((it) => s.recordIds(it).some((id) => !s.durable.has(id)));
  let i = 0;
  await runPool(
    s.concurrency,
    () => {
      if (i >= todo.length) return undefined;
      const item = todo[i++];
      return async () => {
        let result: ChatResult | undefined;
        let error: string | undefined;
        try {
          result = await s.client.chat({ ...s.request(item), n: s.n }, s.signal);
        } catch (e) {
          if (s.signal.aborted) throw e; // a stop: nothing is written, the item stays to do
          error = describeError(e);
        }
        let failed = 0;
        for (const rec of s.records(item, result, error)) {
          if (s.durable.has(rec.id)) continue;
          s.write(rec);
          s.durable.add(rec.id);
          if (error) failed++;
        }
        s.progress.add(1, failed ? 1 : 0);
      };
    },
    s.signal,
  );
  s.progress.flush();
}
