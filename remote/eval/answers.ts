/**
 * A model answers an evaluation's prompts: one turn (win rate, head-to-head, checkpoint selection) or several (the
 * MT-Bench shape: turn k is asked with the whole conversation so far — the first question, the model's own first
 * answer, the second question — as multi-message requests). Seeds derive from (seed, item id), so a rerun asks the
 * same. With a cache file, every finished item is appended (one JSONL record, one write) before the next is counted
 * done, and items already there are not asked again: an evaluation cut by kill -9 resumes where it stopped.
 * A prompt whose request fails after its retries is left out (an empty answer would be an unfair loss) and reported.
 */
import type { ModelEndpoint } from '../backends/types';
import { InferenceClient, type ChatMessage, type ClientOptions } from '../inference/client';
import { arrayTasks, runPool } from '../inference/pool';
import { describeError } from '../inference/retry';
import { requestSeed } from '../pipeline/seeds';
import { ItemCache } from './cache';
import { DEFAULT_EVAL_CLIENT } from './judges';

export interface AnswerItem {
  id: string;
  /** the user turns, asked in order */
  turns: string[];
  /** per-item sampling temperature (MT-Bench sets one per category); default: the options' */
  temperature?: number;
}

export interface AnswerRecord {
  id: string;
  /** the model's reply to each turn */
  replies: string[];
  finishReasons?: (string | undefined)[];
}

export interface AnswerOptions {
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
  concurrency: number;
  signal: AbortSignal;
  client?: ClientOptions;
  /** JSONL file of finished items: read first (skipped), appended to as items finish */
  cacheFile?: string;
  onError?: (id: string, error: string) => void;
  onAnswer?: (done: number, total: number) => void;
}

/** The conversation that asks turn k: every earlier question with the model's own reply, then question k. */
export function conversationFor(turns: readonly string[], replies: readonly string[], k: number): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (let i = 0; i < k; i++) messages.push({ role: 'user', content: turns[i] }, { role: 'assistant', content: replies[i] });
  messages.push({ role: 'user', content: turns[k] });
  return messages;
}

export async function answerItems(endpoint: ModelEndpoint, items: readonly AnswerItem[], o: AnswerOptions): Promise<Map<string, AnswerRecord>> {
  const cache = ItemCache.open<AnswerRecord>(o.cacheFile, (r) => r.id);
  const out = new Map<string, AnswerRecord>();
  for (const it of items) {
    const r = cache.done.get(it.id);
    if (r) out.set(it.id, r);
  }
  const todo = items.filter((it) => !out.has(it.id));
  const client = new InferenceClient(endpoint, o.client ?? DEFAULT_EVAL_CLIENT);
  let done = out.size;
  try {
    await runPool(o.concurrency, arrayTasks(todo, async (it) => {
      const replies: string[] = [];
      const finishReasons: (string | undefined)[] = [];
      try {
        for (let k = 0; k < it.turns.length; k++) {
          const r = await client.chat(
            {
              prompt: it.turns[k],
              ...(k > 0 ? { messages: conversationFor(it.turns, replies, k) } : {}),
              n: 1, temperature: it.temperature ?? o.temperature, topP: o.topP, maxTokens: o.maxTokens,
              seed: requestSeed(o.seed, k, 'eval-answer', it.id),
            },
            o.signal,
          );
          replies.push(r.choices[0]?.text ?? '');
          finishReasons.push(r.choices[0]?.finishReason);
        }
      } catch (e) {
        if (o.signal.aborted) throw e;
        o.onError?.(it.id, describeError(e));
        return;
      }
      const rec: AnswerRecord = { id: it.id, replies, finishReasons };
      cache.add(it.id, rec);
      out.set(it.id, rec);
      o.onAnswer?.(++done, items.length);
    }), o.signal);
  } finally {
    cache.close();
  }
  return out;
}
