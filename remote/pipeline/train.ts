/**
 * Stage 5, training: the pairs that may train (review gate on → only reviewed-and-kept ones; off → every pair not
 * rejected) become TRL rows in iterations/<t>/train/train.jsonl; the trainer backend turns M_t into M_{t+1}, which
 * is registered as the next iteration's model. Metrics are forwarded as `train.metrics` events.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainMetrics } from '../protocol';
import { trlRow } from '../backends/rows';
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
  const triples = pairs.map((p) => pairForTraining(p, reviews.get(p.id), params.review.gate)).filter((x) => x !== undefined);
  if (!triples.length) throw new Error(`training: no pairs to train on in iteration ${t} (${pairs.length} pairs, ${pairs.length - triples.length} excluded by review)`);
  const minPairs = params.trainer.minPairs ?? 1;
  if (triples.length < minPairs) {
    throw new Error(`training: only ${triples.length} pair(s) to train on in iteration ${t} (${pairs.length} pairs, ${pairs.length - triples.length} excluded by review), fewer than trainer.minPairs = ${minPairs}; nothing was trained`);
  }
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
  return { counts: { rows: triples.length, excluded: pairs.length - triples.length }, modelOut: model.name, last: final, ...(result.plan ? { plan: result.plan } : {}) };
}
