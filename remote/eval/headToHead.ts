/**
 * Head-to-head: the answers of one side ("new": model t, or the model under evaluation) against another ("old": an
 * older model, the SFT baseline, any endpoint, or a set of reference answers) on the same prompts, judged by a
 * pairwise judge. Each comparison is asked in BOTH orders (new answer first, then old answer first) because judges
 * favour a position; only a consistent verdict counts:
 *   win        the new answer preferred in both orders
 *   loss       the old answer preferred in both orders
 *   tie        the two orders disagree (the paper: "disagreeing verdicts count as a tie")
 *   unreadable a verdict could not be read in at least one order (or its request failed): its own count — never a
 *              tie, and left out of every rate, so a judge that cannot answer does not look like a judge that sees
 *              no difference.
 * Rates are over the readable comparisons (`decided` = wins + ties + losses). Confidence intervals: the Wilson score
 * interval (95 %, z = 1.96), which stays inside [0, 1] and behaves at small n and near 0 or 1.
 */
import type { HeadToHeadSummary } from '../protocol';
import { arrayTasks, runPool } from '../inference/pool';
import { ItemCache } from './cache';
import type { Verdict } from './verdicts';

export type { Verdict };
export type Outcome = 'win' | 'tie' | 'loss' | 'unreadable';

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
  /** the answer of the side under evaluation */
  answerNew: string;
  /** the answer it is compared with (older model, baseline, reference) */
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

/** Combine the two orders (see the module comment). */
export function outcomeOf(newFirst: Verdict, oldFirst: Verdict): Outcome {
  if (newFirst === null || oldFirst === null) return 'unreadable';
  if (newFirst === 'A' && oldFirst === 'B') return 'win';
  if (newFirst === 'B' && oldFirst === 'A') return 'loss';
  return 'tie';
}

/** Wilson score interval for k successes in n trials (k may be fractional: a tie counted as half a win). */
export function wilson(k: number, n: number, z = 1.96): [number, number] | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Counts of the four outcomes and the order disagreements. */
export function countOutcomes(comparisons: readonly Pick<HeadToHeadComparison, 'outcome'>[]): { n: number; wins: number; ties: number; losses: number; unreadable: number; decided: number } {
  let wins = 0;
  let ties = 0;
  let losses = 0;
  let unreadable = 0;
  for (const c of comparisons) {
    if (c.outcome === 'win') wins++;
    else if (c.outcome === 'loss') losses++;
    else if (c.outcome === 'tie') ties++;
    else unreadable++;
  }
  return { n: comparisons.length, wins, ties, losses, unreadable, decided: wins + ties + losses };
}

export function summarise(comparisons: readonly HeadToHeadComparison[]): HeadToHeadSummary {
  const c = countOutcomes(comparisons);
  return {
    ...c,
    winRate: c.decided ? c.wins / c.decided : null,
    lossRate: c.decided ? c.losses / c.decided : null,
    winRateCi: wilson(c.wins, c.decided),
    lossRateCi: wilson(c.losses, c.decided),
    orderDisagreements: comparisons.filter((x) => x.outcome === 'tie').length,
  };
}

function combine(item: HeadToHeadItem, a: PairwiseVerdict, b: PairwiseVerdict): HeadToHeadComparison {
  return {
    promptId: item.promptId,
    outcome: outcomeOf(a.verdict, b.verdict),
    newFirst: a.verdict,
    oldFirst: b.verdict,
    texts: [a.error ? `error: ${a.error}` : a.text, b.error ? `error: ${b.error}` : b.text],
  };
}

/**
 * Run every comparison in both orders, at most `concurrency` judge requests at a time. The two orders of an item
 * are separate requests in one queue (a slot freed by a short verdict takes the next request at once, instead of
 * waiting for the other order). `done` holds comparisons already made (by prompt id; a resumed evaluation) and
 * `onComparison` sees each new one as soon as both of its orders are in, so a caller can make it durable.
 */
export async function headToHead(
  items: readonly HeadToHeadItem[],
  judge: PairwiseJudge,
  opts: { concurrency?: number; signal?: AbortSignal; done?: ReadonlyMap<string, HeadToHeadComparison>; onComparison?: (c: HeadToHeadComparison, done: number) => void } = {},
): Promise<HeadToHeadResult> {
  const comparisons: HeadToHeadComparison[] = items.map((it) => opts.done?.get(it.promptId)).filter((c): c is HeadToHeadComparison => !!c);
  const todo = items.filter((it) => !opts.done?.has(it.promptId));
  const signal = opts.signal ?? new AbortController().signal;
  const halves = new Map<string, [PairwiseVerdict?, PairwiseVerdict?]>();
  const requests = todo.flatMap((item) => [{ item, order: 0 as const }, { item, order: 1 as const }]);
  await runPool(Math.max(1, opts.concurrency ?? 8), arrayTasks(requests, async ({ item, order }) => {
    const v = order === 0
      ? await judge.compare(item.prompt, item.answerNew, item.answerOld, signal)
      : await judge.compare(item.prompt, item.answerOld, item.answerNew, signal);
    const pair = halves.get(item.promptId) ?? [undefined, undefined];
    pair[order] = v;
    halves.set(item.promptId, pair);
    if (pair[0] && pair[1]) {
      halves.delete(item.promptId);
      const c = combine(item, pair[0], pair[1]);
      comparisons.push(c);
      opts.onComparison?.(c, comparisons.length);
    }
  }), signal);
  const order = new Map(items.map((it, i) => [it.promptId, i]));
  comparisons.sort((x, y) => (order.get(x.promptId) ?? 0) - (order.get(y.promptId) ?? 0));
  return { ...summarise(comparisons), comparisons };
}

/**
 * headToHead with its comparisons appended to `file` as they finish and read back on the next call (a resumed
 * evaluation asks only for the rest). `discard` removes the file once the caller has written its result.
 */
export async function headToHeadCached(
  items: readonly HeadToHeadItem[],
  judge: PairwiseJudge,
  file: string,
  opts: { concurrency: number; signal: AbortSignal; onComparison?: (done: number) => void },
): Promise<{ result: HeadToHeadResult; discard(): void }> {
  const cache = ItemCache.open<HeadToHeadComparison>(file, (c) => c.promptId);
  try {
    const result = await headToHead(items, judge, {
      concurrency: opts.concurrency, signal: opts.signal, done: cache.done,
      onComparison: (c, done) => {
        cache.add(c.promptId, c);
        opts.onComparison?.(done);
      },
    });
    return { result, discard: () => cache.discard() };
  } finally {
    cache.close();
  }
}
