/**
 * Multi-turn grading in the MT-Bench shape: each question has (usually) two user turns; the model answers turn 1,
 * then turn 2 with the whole conversation (question 1, its own answer 1, question 2) as a multi-message request.
 * The judge grades each reply on 1–10 (turn 2 with turn 1 as context; the reference answer, when the set has one,
 * shown to the judge). The score is the mean of every readable rating (MT-Bench's single-answer score), also per
 * turn and per category. An unreadable rating and a rating off the scale are counted apart — never a 1, never
 * clamped. Answers are sampled at MT-Bench's per-category temperatures (writing and roleplay 0.7, STEM and humanities
 * 0.1, extraction, math, coding and reasoning 0; other categories 0.7). Answers and grades are cached as they finish.
 */
import type { EvalResultRef, MultiTurnSummary } from '../protocol';
import { arrayTasks, runPool } from '../inference/pool';
import { answersFile, multiTurnFile, resultRef, writeMultiTurn, type GradedTurn, type MultiTurnRecord } from './results';
import { answerItems } from './answers';
import { ItemCache } from './cache';
import { answersHash, publish, withSide, type EvalEnv, type JudgeSide, type Side } from './context';
import { openAiGradingJudge } from './judges';
import { loadMtQuestions, setKey } from './promptSets';
import { mean } from '../stats';

export const MT_TEMPERATURES: Record<string, number> = {
  writing: 0.7, roleplay: 0.7, extraction: 0, math: 0, coding: 0, reasoning: 0, stem: 0.1, humanities: 0.1,
};

export interface MultiTurnOptions {
  questions: string;
  maxQuestions?: number;
  judge: JudgeSide;
  maxTokens: number;
  seed: number;
}

export function summariseMultiTurn(turns: readonly GradedTurn[], questions: number, failed: number): MultiTurnSummary {
  const ok = turns.filter((t): t is GradedTurn & { rating: number } => t.rating !== null);
  const categories: MultiTurnSummary['categories'] = {};
  for (const c of [...new Set(turns.map((t) => t.category))].sort()) {
    const r = ok.filter((t) => t.category === c).map((t) => t.rating);
    categories[c] = { mean: mean(r), graded: r.length };
  }
  return {
    questions,
    graded: ok.length,
    unreadable: turns.filter((t) => t.rating === null && t.outOfRange === undefined).length,
    outOfRange: turns.filter((t) => t.outOfRange !== undefined).length,
    failed,
    mean: mean(ok.map((t) => t.rating)),
    turn1: mean(ok.filter((t) => t.turn === 1).map((t) => t.rating)),
    turn2: mean(ok.filter((t) => t.turn === 2).map((t) => t.rating)),
    categories,
  };
}

export async function runMultiTurn(env: EvalEnv, side: Side, o: MultiTurnOptions): Promise<{ record: MultiTurnRecord; file: string; result: EvalResultRef }> {
  const { run } = env;
  const questions = loadMtQuestions(o.questions, o.maxQuestions);
  const set = setKey(o.questions);
  const hash = answersHash(side.ref.name, 'mt', o.maxTokens, o.seed);
  const skipped: { questionId: string; error: string }[] = [];
  const answers = await withSide(env, side, (endpoint) =>
    answerItems(endpoint, questions.map((q) => ({ id: q.id, turns: q.turns, temperature: MT_TEMPERATURES[q.category.toLowerCase()] ?? 0.7 })), {
      temperature: 0.7, topP: 1, maxTokens: o.maxTokens, seed: o.seed, concurrency: env.concurrency, signal: env.signal, client: env.client,
      cacheFile: answersFile(run.dir, side.ref.key, set, hash),
      onError: (id, error) => skipped.push({ questionId: id, error }),
    }),
  );
  const answered = questions.filter((q) => answers.has(q.id));
  if (!answered.length) throw new Error(`multi-turn: ${side.ref.label} answered none of the ${questions.length} questions of ${o.questions} (${skipped[0]?.error ?? 'no questions'})`);
  const jobs = answered.flatMap((q) => q.turns.map((_, k) => ({ q, k, id: `${q.id}/${k + 1}` })));
  const pending = ItemCache.open<GradedTurn & { id: string }>(`${multiTurnFile(run.dir, side.ref.key, 'jsonl')}.partial-${answersHash(hash, o.judge.label, set)}`, (g) => g.id);
  try {
    await withSide(env, o.judge.side, async (endpoint) => {
      const judge = openAiGradingJudge(endpoint, { client: env.client });
      let done = pending.done.size;
      await runPool(env.concurrency, arrayTasks(jobs.filter((j) => !pending.done.has(j.id)), async ({ q, k, id }) => {
        const replies = answers.get(q.id)!.replies;
        const g = await judge.grade({ questions: q.turns.slice(0, k + 1), replies: replies.slice(0, k + 1), reference: q.reference?.[k] }, env.signal);
        const turn: GradedTurn & { id: string } = {
          id, questionId: q.id, category: q.category, turn: k + 1, rating: g.rating, reply: replies[k], text: g.text,
          ...(g.outOfRange !== undefined ? { outOfRange: g.outOfRange } : {}), ...(g.error ? { error: g.error } : {}),
        };
        pending.add(id, turn);
        env.onProgress?.(++done, jobs.length);
      }), env.signal);
    });
  } finally {
    pending.close();
  }
  const order = new Map(jobs.map((j, i) => [j.id, i]));
  const turns = [...pending.done.values()].filter((t) => order.has(t.id)).sort((a, b) => order.get(a.id)! - order.get(b.id)!).map(({ id: _id, ...t }) => t);
  const summary = summariseMultiTurn(turns, questions.length, questions.length - answered.length);
  const record: MultiTurnRecord = {
    kind: 'multiTurn', ref: side.ref, promptSet: o.questions, judgeLabel: o.judge.label, summary, finishedAt: new Date().toISOString(),
    ...(skipped.length ? { skippedQuestions: skipped } : {}),
  };
  const file = writeMultiTurn(run.dir, record, turns);
  pending.discard();
  return { record, file, result: publish(run, resultRef('multiTurn', run.dir, file, record)) };
}
