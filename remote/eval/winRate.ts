/**
 * Win rate against reference answers, on any prompt set in the AlpacaEval format: the model answers every
 * instruction, and the judge compares its answer with the set's reference answer in both orders (headToHead.ts):
 * both orders prefer the model → preference 1 (a win), both the reference → 0 (a loss), they disagree → 0.5 (a tie),
 * a verdict unreadable in either order → unreadable: its own count, in no rate and not fitted.
 *   winRate   = (wins + ties/2) / (wins + ties + losses)            AlpacaEval's win_rate (a draw is half a win)
 *   winRateCi = Wilson 95 % with wins + ties/2 successes
 *   lcWinRate = AlpacaEval 2.0's length-controlled win rate (lengthControlled.ts) over the same annotations
 * AlpacaEval asks its judge once per instruction in a random order; asking both orders here makes position bias
 * visible (ties) instead of averaging it in. Answers and comparisons are cached as they finish: a cut run resumes.
 */
import * as fs from 'node:fs';
import type { EvalResultRef, WinRateSummary } from '../protocol';
import { answersFile, winRateFile, writeWinRate, resultRef, type WinRateComparison, type WinRateRecord } from './results';
import { answerItems } from './answers';
import { answersHash, publish, trainingPrompts, withSide, type EvalEnv, type JudgeSide, type Side } from './context';
import { countOutcomes, headToHeadCached, wilson } from './headToHead';
import { openAiPairwiseJudge } from './judges';
import { lengthControlledWinRate, parseGamedAnnotations, parseInstructionDifficulty, type GamedAnnotation } from './lengthControlled';
import { countSeen, loadReferenceSet, setKey } from './promptSets';
import { mean } from '../stats';

export interface WinRateOptions {
  prompts: string;
  maxPrompts?: number;
  instructionDifficulty?: string;
  gamedAnnotations?: string;
  judge: JudgeSide;
  sampling: { temperature: number; topP: number; maxTokens: number };
  seed: number;
}

const PREFERENCE = { win: 1, tie: 0.5, loss: 0, unreadable: null } as const;

/** The summary of a finished set of comparisons (pure: the tests compute it by hand). */
export function summariseWinRate(comparisons: readonly WinRateComparison[], extra: { failed: number; seenInTraining: number; gamed?: GamedAnnotation[]; difficulty?: Map<number, number> }): WinRateSummary {
  const c = countOutcomes(comparisons);
  const successes = c.wins + c.ties / 2;
  const lc = lengthControlledWinRate(
    comparisons.map((x) => ({
      preference: x.preference, referenceChars: x.referenceChars, modelChars: x.modelChars,
      ...(extra.difficulty ? { instructionDifficulty: extra.difficulty.get(x.index) } : {}),
    })),
    { gamed: extra.gamed },
  );
  return {
    n: c.n, wins: c.wins, ties: c.ties, losses: c.losses, unreadable: c.unreadable,
    winRate: c.decided ? successes / c.decided : null,
    winRateCi: wilson(successes, c.decided),
    lcWinRate: lc?.lcWinRate ?? null,
    lc: lc ? { formula: lc.formula, C: lc.C, weights: lc.weights, standardError: lc.standardError } : null,
    meanLength: mean(comparisons.map((x) => x.modelChars)),
    referenceMeanLength: mean(comparisons.map((x) => x.referenceChars)),
    failed: extra.failed,
    seenInTraining: extra.seenInTraining,
  };
}

function readSideFile<T>(file: string | undefined, parse: (text: string, file: string) => T): T | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
  return parse(text, file);
}

export async function runWinRate(env: EvalEnv, side: Side, o: WinRateOptions): Promise<{ record: WinRateRecord; file: string; result: EvalResultRef }> {
  const { run } = env;
  // everything that can be checked is checked before the first request
  const items = loadReferenceSet(o.prompts, o.maxPrompts);
  const difficulty = readSideFile(o.instructionDifficulty, parseInstructionDifficulty);
  const gamed = readSideFile(o.gamedAnnotations, parseGamedAnnotations);
  if (difficulty) {
    const missing = items.filter((it) => !difficulty.has(it.index));
    if (missing.length) throw new Error(`${o.instructionDifficulty}: no instruction_difficulty for index ${missing.slice(0, 5).map((m) => m.index).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''} of ${o.prompts}`);
  }
  const set = setKey(o.prompts);
  const hash = answersHash(side.ref.name, o.sampling, o.seed);
  const skipped: { promptId: string; error: string }[] = [];
  const answers = await withSide(env, side, (endpoint) =>
    answerItems(endpoint, items.map((it) => ({ id: it.id, turns: [it.instruction] })), {
      ...o.sampling, seed: o.seed, concurrency: env.concurrency, signal: env.signal, client: env.client,
      cacheFile: answersFile(run.dir, side.ref.key, set, hash),
      onError: (id, error) => skipped.push({ promptId: id, error }),
    }),
  );
  const answered = items.filter((it) => answers.has(it.id));
  if (!answered.length) throw new Error(`win rate: ${side.ref.label} answered none of the ${items.length} prompts of ${o.prompts} (${skipped[0]?.error ?? 'no prompts'})`);
  const { result, discard } = await withSide(env, o.judge.side, (endpoint) =>
    headToHeadCached(
      answered.map((it) => ({ promptId: it.id, prompt: it.instruction, answerNew: answers.get(it.id)!.replies[0], answerOld: it.output })),
      openAiPairwiseJudge(endpoint, { client: env.client }),
      `${winRateFile(run.dir, side.ref.key, 'jsonl')}.partial-${answersHash(hash, o.judge.label, set)}`,
      { concurrency: env.concurrency, signal: env.signal, onComparison: (done) => env.onProgress?.(done, answered.length) },
    ),
  );
  const byId = new Map(answered.map((it) => [it.id, it]));
  const comparisons: WinRateComparison[] = result.comparisons.map((c) => {
    const it = byId.get(c.promptId)!;
    return { ...c, index: it.index, preference: PREFERENCE[c.outcome], modelChars: answers.get(it.id)!.replies[0].length, referenceChars: it.output.length };
  });
  const summary = summariseWinRate(comparisons, {
    failed: items.length - answered.length,
    seenInTraining: countSeen(items.map((it) => it.instruction), trainingPrompts(run)),
    gamed, difficulty,
  });
  const record: WinRateRecord = {
    kind: 'winRate', ref: side.ref, promptSet: o.prompts, judgeLabel: o.judge.label,
    referenceGenerators: [...new Set(items.map((it) => it.generator))], summary, finishedAt: new Date().toISOString(),
    ...(skipped.length ? { skippedPrompts: skipped } : {}),
  };
  const file = writeWinRate(run.dir, record, comparisons);
  discard();
  return { record, file, result: publish(run, resultRef('winRate', run.dir, file, record)) };
}
