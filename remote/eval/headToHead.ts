/**
 * Head-to-head: the answers of model t against those of an older model (t−1 or the starting model) on held-out
 * prompts, judged by an external judge. Each comparison is asked in BOTH orders (new answer first, then old answer
 * first) because judges favour a position; only a consistent verdict counts — the new model wins when it is preferred
 * in both orders, loses when the old one is, and anything else (disagreement, an unreadable verdict) is a tie.
 *
 * Confidence interval: the Wilson score interval (95 %, z = 1.96) on the win rate wins/n, and likewise on the loss
 * rate. Wilson stays inside [0, 1] and behaves at small n and near 0 or 1, where the normal approximation does not.
 */
import type { HeadToHeadSummary } from '../protocol';
import type { ModelEndpoint } from '../backends/types';
import { InferenceClient, type ClientOptions } from '../inference/client';
import { arrayTasks, runPool } from '../inference/pool';
import { describeError } from '../inference/retry';

export type Verdict = 'A' | 'B' | null;
export type Outcome = 'win' | 'tie' | 'loss';

export interface PairwiseVerdict {
  verdict: Verdict;
  /** the judge's raw output */
  text: string;
  error?: string;
}

/** Compares two answers to one prompt; "A" is the answer shown first. */
export interface PairwiseJudge {
  compare(prompt: string, answerA: string, answerB: string, signal?: AbortSignal): Promise<PairwiseVerdict>;
}

export interface HeadToHeadItem {
  promptId: string;
  prompt: string;
  /** the answer of the newer model (t) */
  answerNew: string;
  /** the answer of the older model (t−1 or the start) */
  answerOld: string;
}

export interface HeadToHeadComparison {
  promptId: string;
  outcome: Outcome;
  /** verdict with the new answer in position A */
  newFirst: Verdict;
  /** verdict with the old answer in position A */
  oldFirst: Verdict;
  texts: [string, string];
}

export type { HeadToHeadSummary };

export interface HeadToHeadResult extends HeadToHeadSummary {
  comparisons: HeadToHeadComparison[];
}

/**
 * The judge prompt for pairwise comparison (our own words). The answers are fenced in tags so text inside them
 * reads as content, not as instructions.
 */
export const PAIRWISE_PROMPT = `You are an impartial reviewer comparing two AI assistant answers to the same user instruction. Decide which answer
serves the user better: judge how correct, helpful, relevant and complete each one is, and how clearly it is written.
Do not let the order of the answers, their length, or the names of the assistants sway you; a longer answer is only
better if the extra content is useful.

<instruction>
{{instruction}}
</instruction>

<answer_a>
{{answerA}}
</answer_a>

<answer_b>
{{answerB}}
</answer_b>

Explain your reasoning in at most 80 words, then end with one last line in exactly this form:
Verdict: A
or
Verdict: B
`;

export function fillPairwisePrompt(prompt: string, answerA: string, answerB: string): string {
  const values: Record<string, string> = { instruction: prompt, answerA, answerB };
  return PAIRWISE_PROMPT.replace(/\{\{(instruction|answerA|answerB)\}\}/g, (_, k: string) => values[k]);
}

const VERDICT_RE = /verdict\s*[*_]*\s*[:=]\s*[*_]*\s*\[?\s*(?:answer[\s_]*)?([AB])\b/gi;

/** The last `Verdict: A|B` in the judge's output; null when there is none. */
export function parseVerdict(text: string): Verdict {
  let last: Verdict = null;
  for (const m of text.matchAll(VERDICT_RE)) last = m[1].toUpperCase() as 'A' | 'B';
  return last;
}

/** Combine the two orders: a win or loss needs the same preference in both, everything else is a tie. */
export function outcomeOf(newFirst: Verdict, oldFirst: Verdict): Outcome {
  if (newFirst === 'A' && oldFirst === 'B') return 'win';
  if (newFirst === 'B' && oldFirst === 'A') return 'loss';
  return 'tie';
}

/** Wilson score interval for k successes in n trials. */
export function wilson(k: number, n: number, z = 1.96): [number, number] | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export function summarise(comparisons: readonly HeadToHeadComparison[]): HeadToHeadSummary {
  const n = comparisons.length;
  const wins = comparisons.filter((c) => c.outcome === 'win').length;
  const losses = comparisons.filter((c) => c.outcome === 'loss').length;
  return {
    n,
    wins,
    ties: n - wins - losses,
    losses,
    winRate: n ? wins / n : null,
    lossRate: n ? losses / n : null,
    winRateCi: wilson(wins, n),
    lossRateCi: wilson(losses, n),
    orderDisagreements: comparisons.filter((c) => c.newFirst !== null && c.oldFirst !== null && c.newFirst === c.oldFirst).length,
    unreadable: comparisons.filter((c) => c.newFirst === null || c.oldFirst === null).length,
  };
}

/** Run every comparison in both orders, at most `concurrency` judge requests at a time. */
export async function headToHead(
  items: readonly HeadToHeadItem[],
  judge: PairwiseJudge,
  opts: { concurrency?: number; signal?: AbortSignal; onComparison?: (c: HeadToHeadComparison, done: number) => void } = {},
): Promise<HeadToHeadResult> {
  const comparisons: HeadToHeadComparison[] = new Array(items.length);
  const signal = opts.signal ?? new AbortController().signal;
  let done = 0;
  const compareOne = async (item: HeadToHeadItem, i: number): Promise<void> => {
    const [a, b] = await Promise.all([
      judge.compare(item.prompt, item.answerNew, item.answerOld, signal),
      judge.compare(item.prompt, item.answerOld, item.answerNew, signal),
    ]);
    const c: HeadToHeadComparison = {
      promptId: item.promptId,
      outcome: outcomeOf(a.verdict, b.verdict),
      newFirst: a.verdict,
      oldFirst: b.verdict,
      texts: [a.error ? `error: ${a.error}` : a.text, b.error ? `error: ${b.error}` : b.text],
    };
    comparisons[i] = c;
    opts.onComparison?.(c, ++done);
  };
  // two requests per item (both orders) run together
  await runPool(Math.max(1, Math.floor((opts.concurrency ?? 8) / 2)), arrayTasks(items, compareOne), signal);
  return { ...summarise(comparisons), comparisons };
}

const DEFAULT_CLIENT: ClientOptions = { maxRetries: 3, timeoutMs: 120_000 };

/**
 * A pairwise judge behind any OpenAI-compatible chat endpoint (the user's external judge, or the sim server in
 * tests). Temperature 0: the verdict should depend on the answers, not on sampling. A request that fails after its
 * retries gives no verdict (a tie), recorded with its error.
 */
export function openAiPairwiseJudge(endpoint: ModelEndpoint, opts: { maxTokens?: number; seed?: number; client?: ClientOptions } = {}): PairwiseJudge {
  const client = new InferenceClient(endpoint, opts.client ?? DEFAULT_CLIENT);
  return {
    async compare(prompt, answerA, answerB, signal) {
      try {
        const r = await client.chat(
          { prompt: fillPairwisePrompt(prompt, answerA, answerB), n: 1, temperature: 0, topP: 1, maxTokens: opts.maxTokens ?? 400, seed: opts.seed ?? 0 },
          signal ?? new AbortController().signal,
        );
        const text = r.choices[0]?.text ?? '';
        return { verdict: parseVerdict(text), text };
      } catch (e) {
        if (signal?.aborted) throw e;
        return { verdict: null, text: '', error: describeError(e) };
      }
    },
  };
}

/** One answer of a model per held-out prompt; prompts whose request failed (after retries) are missing from the map. */
export async function answerPrompts(
  endpoint: ModelEndpoint,
  prompts: readonly { id: string; text: string }[],
  opts: {
    temperature?: number; topP?: number; maxTokens?: number; seed?: number; concurrency?: number; signal?: AbortSignal; client?: ClientOptions;
    onError?: (promptId: string, error: string) => void;
  } = {},
): Promise<Map<string, string>> {
  const client = new InferenceClient(endpoint, opts.client ?? DEFAULT_CLIENT);
  const signal = opts.signal ?? new AbortController().signal;
  const out = new Map<string, string>();
  await runPool(opts.concurrency ?? 8, arrayTasks(prompts, async (p, i) => {
    try {
      const r = await client.chat(
        { prompt: p.text, n: 1, temperature: opts.temperature ?? 0.7, topP: opts.topP ?? 0.9, maxTokens: opts.maxTokens ?? 1024, seed: (opts.seed ?? 0) + i },
        signal,
      );
      out.set(p.id, r.choices[0]?.text ?? '');
    } catch (e) {
      // A prompt one model could not answer is left out of the comparison (an empty answer would be an unfair loss).
      if (signal.aborted) throw e;
      opts.onError?.(p.id, describeError(e));
    }
  }), signal);
  return out;
}
