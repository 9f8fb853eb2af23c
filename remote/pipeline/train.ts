/**
 * Stage 5, training: the pairs that may train (review gate on → only reviewed-and-kept ones; off → every pair not
 * rejected) become TRL rows in iterations/<t>/train/train.jsonl; the trainer backend turns M_t into M_{t+1}, which
 * is registered as the next iteration's model. Metrics are forwarded as `train.metrics` events.
 *
 * With the meta-judge on, the judge pairs (judge-pairs.jsonl, reviewed by the same rules through
 * judge-pairs.decisions.jsonl) follow the actor rows in the same file and format: the judge prompt → the better judgment
 * over the worse, so one DPO step trains both roles. They are at most metaJudge.maxJudgeShare of all rows; beyond it
 * the judge pairs with the smallest Elo gap stay out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JudgePairRecord, TrainMetrics } from '../protocol';
import { trlRow, type PreferenceTriple } from '../backends/rows';
import { foldDecisions, pairForTraining } from '../review/decisions';
import { writeFileAtomic } from '../store/atomic';
import type { StageContext, StageCounts } from './context';
import type { TrainResult } from '../backends/types';

export interface TrainOutcome {
  counts: StageCounts;
  modelOut: string;
  last?: TrainMetrics;
  /** what the trainer was told (batch: processes × per-device × accumulation = effective; schedule; dropout) */
  plan?: TrainResult['plan'];
}

export async function runTrainStage(ctx: StageContext): Promise<TrainOutcome> {
  const { run, t, params } = ctx;
  const reviews = foldDecisions(run.read(t, 'decisions'));
  const pairs = run.read(t, 'pairs');
  const actor = pairs.map((p) => pairForTraining(p, reviews.get(p.id), params.review.gate)).filter((x) => x !== undefined);
  if (!actor.length) throw new Error(`training: no pairs to train on in iteration ${t} (${pairs.length} pairs, ${pairs.length - actor.length} excluded by review)`);
  const minPairs = params.trainer.minPairs ?? 1;
  if (actor.length < minPairs) {
    throw new Error(`training: only ${actor.length} pair(s) to train on in iteration ${t} (${pairs.length} pairs, ${pairs.length - actor.length} excluded by review), fewer than trainer.minPairs = ${minPairs}; nothing was trained`);
  }
  const judge = params.metaJudge?.enabled ? judgeRows(ctx, actor.length) : undefined;
  const triples = judge ? [...actor, ...judge.rows] : actor;
  const trainDir = path.join(run.iterationDir(t), 'train');
  fs.mkdirSync(trainDir, { recursive: true });
  const datasetFile = path.join(trainDir, 'train.jsonl');
  // Derived from pairs + decisions: rewritten whole (atomically) on every attempt.
  writeFileAtomic(datasetFile, triples.map((x) => JSON.stringify(trlRow(x, params.trainer.rowFormat))).join('\n') + '\n');
  let last: TrainMetrics | undefined;
  const result = await ctx.trainer.train({
    kind: 'dpo',
    runDir: run.dir,
    iteration: t,
    baseModel: ctx.modelIn,
    trainDir,
    datasetFile,
    config: params.trainer,
    signal: ctx.signal,
    onMetrics: (m) => {
      last = m;
      run.emit({ type: 'train.metrics', iteration: t, metrics: m });
    },
  });
  const model = { ...result.model, iteration: t + 1 };
  run.registerModel(model);
  const final = result.final ?? last;
  // rows: the actor pairs trained (remote/counts.ts); the judge pairs are counted apart
  const counts: StageCounts = { rows: actor.length, excluded: pairs.length - actor.length };
  if (judge) Object.assign(counts, { judgeRows: judge.rows.length, judgeExcluded: judge.excluded, judgeOverShare: judge.overShare });
  return { counts, modelOut: model.name, last: final, ...(result.plan ? { plan: result.plan } : {}) };
}

/**
 * The judge pairs that train, as rows: those the review keeps (the gate's rule, as for actor pairs), then at most
 * maxJudgeShare of all rows (with `actorRows` actor rows), the largest Elo gaps first.
 */
export function judgeRows(ctx: StageContext, actorRows: number): { rows: PreferenceTriple[]; excluded: number; overShare: number } {
  const { run, t, params } = ctx;
  const share = params.metaJudge?.maxJudgeShare ?? 0;
  const reviews = foldDecisions(run.read(t, 'judge-pairs.decisions'));
  const all = run.read(t, 'judge-pairs');
  const kept = all
    .map((p) => ({ p, row: pairForTraining(p, reviews.get(p.id), params.review.gate) }))
    .filter((x): x is { p: JudgePairRecord; row: PreferenceTriple } => x.row !== undefined);
  const limit = share >= 1 ? kept.length : Math.floor((share / (1 - share)) * actorRows + 1e-9);
  const chosen = kept
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => b.p.margin - a.p.margin || a.i - b.i)
    .slice(0, Math.max(0, limit))
    .sort((a, b) => a.i - b.i);
  return { rows: chosen.map((x) => x.row), excluded: all.length - kept.length, overShare: kept.length - chosen.length };
}
