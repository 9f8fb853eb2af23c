/**
 * Iteration 0, the SFT iteration — the paper's first step: the base model M0 becomes the SFT baseline and M1. It runs
 * inside runIteration with the same stage machinery as every iteration (manifest, stage statuses and events, resume
 * after kill -9), as five stages:
 *   ift           IFT data from the seed (ift.ts)                                   → ift.jsonl
 *   sft-baseline  M0 fine-tuned on IFT only → the SFT baseline (models.json: iteration 1, role sft-baseline)
 *   eft           EFT data: the baseline judges ranked groups (eft.ts)             → groups, baseline-judgments,
 *                                                                                    eft-train, eft-eval (.jsonl)
 *   sft           M0 fine-tuned on IFT + EFT train rows → M1 (iteration 1, role policy; the next iteration's model)
 *   agreement     M1 judges the EFT eval split; the judge agreement of both models with people (agreement.ts)
 * Both trainings go through the trainer backend with kind `sft`: rows in train/<stage>/train.jsonl (TRL
 * prompt-completion rows, `sft.rowFormat`), the trainer's output in train/<stage>/output, and a TrainerConfig made
 * from the config's `sft` section.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IterationSummary, ModelEntry, SftConfig, SftSummary, StageManifest, StageName, TrainMetrics, TrainerConfig } from '../protocol';
import type { TrainResult, TrainerBackend } from '../backends/types';
import { type SftExample, sftRow } from '../backends/rows';
import { writeFileAtomic } from '../store/atomic';
import { InferenceClient } from '../inference/client';
import { runIftStage } from './ift';
import { type EftContext, eftRowsFromFiles, runEftStage } from './eft';
import { measureAgreement, readAgreements, recordAgreement } from './agreement';
import type { StageCounts } from './context';
import { modelLabel, modelPath } from '../modelNames';

/** runIteration's stage runner and manifest setter, shared with iteration 0. */
export interface StageMachinery {
  run<R>(s: StageName, total: number, body: () => Promise<R>, countsOf: (r: R) => StageCounts, params?: Record<string, unknown>): Promise<R | undefined>;
  set(s: StageName, patch: Partial<StageManifest>): void;
}

export type SftContext = EftContext & { modelIn: ModelEntry; trainer: TrainerBackend };

/**
 * The trainer settings of an SFT run: the run's trainer with the `sft` section's training fields. A batch pin of the
 * `sft` section replaces the trainer's pins; without one the trainer's (set for the GPUs' memory) apply.
 */
export function sftTrainerConfig(trainer: TrainerConfig, sft: SftConfig): TrainerConfig {
  const pinned = sft.perDeviceBatchSize !== undefined || sft.gradientAccumulationSteps !== undefined;
  const { perDeviceBatchSize, gradientAccumulationSteps, ...rest } = trainer;
  const pins = pinned ? { perDeviceBatchSize: sft.perDeviceBatchSize, gradientAccumulationSteps: sft.gradientAccumulationSteps } : { perDeviceBatchSize, gradientAccumulationSteps };
  return {
    ...rest,
    ...Object.fromEntries(Object.entries(pins).filter(([, v]) => v !== undefined)),
    learningRate: sft.learningRate,
    minLearningRate: sft.minLearningRate,
    batchSize: sft.batchSize,
    dropout: sft.dropout,
    epochs: sft.epochs,
    rowFormat: sft.rowFormat,
  };
}

type TrainingStage = 'sft-baseline' | 'sft';

interface SftTrained {
  counts: StageCounts;
  model: ModelEntry;
  last?: TrainMetrics;
  plan?: TrainResult['plan'];
}

/** The SFT baseline's served name, so it is never served under M1's (TRL names its output selfreward-m1). */
export const SFT_BASELINE_SERVED_NAME = 'selfreward-sft-baseline';

/** Train M0 on `examples` into the model this stage makes, and register it. */
async function trainSft(ctx: SftContext, stage: TrainingStage, examples: SftExample[]): Promise<SftTrained> {
  const { run, params } = ctx;
  const sft = params.sft!;
  const trainDir = path.join(run.iterationDir(0), 'train', stage);
  fs.mkdirSync(trainDir, { recursive: true });
  const datasetFile = path.join(trainDir, 'train.jsonl');
  // derived from ift.jsonl / eft-train.jsonl: rewritten whole (atomically) on every attempt
  writeFileAtomic(datasetFile, examples.map((e) => JSON.stringify(sftRow(e, sft.rowFormat))).join('\n') + '\n');
  let last: TrainMetrics | undefined;
  const result = await ctx.trainer.train({
    kind: 'sft',
    runDir: run.dir,
    iteration: 0,
    baseModel: ctx.modelIn,
    trainDir,
    datasetFile,
    config: sftTrainerConfig(params.trainer, sft),
    signal: ctx.signal,
    onMetrics: (m) => {
      last = m;
      run.emit({ type: 'train.metrics', iteration: 0, metrics: m, stage });
      if (m.totalSteps) run.emit({ type: 'stage.progress', iteration: 0, stage, done: m.step, total: m.totalSteps, failed: 0, ratePerSec: 0, etaSec: m.etaSec ?? null });
    },
  });
  let model: ModelEntry = { ...result.model, iteration: 1, role: stage === 'sft' ? 'policy' : 'sft-baseline' };
  if (stage === 'sft-baseline' && model.servedName) {
    model = { ...model, servedName: SFT_BASELINE_SERVED_NAME, ...(model.name === result.model.servedName ? { name: SFT_BASELINE_SERVED_NAME } : {}) };
  }
  run.registerModel(model);
  return { counts: { rows: examples.length, steps: (result.final ?? last)?.step ?? 0 }, model, last: result.final ?? last, ...(result.plan ? { plan: result.plan } : {}) };
}

const iftExamples = (ctx: SftContext): SftExample[] => ctx.run.read(0, 'ift').filter((r) => r.kept).map((r) => ({ prompt: r.prompt, completion: r.completion }));

/** Run (or resume) the SFT iteration's stages; returns its summary. */
export async function runSftIteration(ctx: SftContext, stages: StageMachinery): Promise<IterationSummary> {
  const { run, params } = ctx;
  const sft = params.sft!;
  const trained = (r: SftTrained): StageCounts => r.counts;
  const finalOf = async (stage: TrainingStage, examples: () => SftExample[]): Promise<void> => {
    const r = await stages.run(stage, examples().length, () => trainSft(ctx, stage, examples()), trained, { ...sftTrainerConfig(params.trainer, sft) });
    if (r) stages.set(stage, { params: { ...sftTrainerConfig(params.trainer, sft), final: r.last ?? null, ...(r.plan ? { plan: r.plan } : {}) } });
  };

  await stages.run('ift', ctx.seed.prompts.length, () => runIftStage(ctx), (c) => c, { ...sft.ift, language: sft.language });
  await finalOf('sft-baseline', () => iftExamples(ctx));
  await stages.run('eft', ctx.seed.labelled.reduce((a, g) => a + g.answers.length, 0), () => runEftStage(ctx), (c) => c, {
    ...sft.eft,
    language: sft.language,
    judge: run.modelFor(1, 'sft-baseline')?.name,
    rubricVersion: ctx.rubric.version,
    rubricHash: ctx.rubric.hash,
  });
  await finalOf('sft', () => [...iftExamples(ctx), ...run.read(0, 'eft-train').map((r) => ({ prompt: r.prompt, completion: r.completion }))]);
  const evalGroups = run.read(0, 'groups').filter((g) => g.split === 'eval');
  await stages.run('agreement', evalGroups.reduce((a, g) => a + g.answers.length, 0), async () => {
    const m1 = run.modelFor(1)!;
    const baseline = run.modelFor(1, 'sft-baseline')!;
    recordAgreement(run, baseline, params.judge.k, params.judge.scoreMax);
    const client = new InferenceClient(await ctx.inference.ensureServing(m1, ctx.signal), ctx.clientOpts);
    await measureAgreement(run, { model: m1, client, k: params.judge.k, rubric: ctx.rubric, judge: params.judge, runSeed: ctx.runSeed, concurrency: ctx.concurrency, signal: ctx.signal, stage: 'agreement' });
    const samples = run.read(0, 'agreement');
    return { groups: evalGroups.length, answers: evalGroups.reduce((a, g) => a + g.answers.length, 0), samples: samples.length, failed: samples.filter((r) => r.error).length };
  }, (c) => c, { k: params.judge.k, rubricVersion: ctx.rubric.version });
  return sftSummary(ctx);
}

/** metrics.json of iteration 0: the AIFT columns are empty (no prompts, candidates or pairs); `sft` has the numbers. */
export function sftSummary(ctx: Pick<SftContext, 'run' | 'rubric' | 'runSeed' | 'params'>): IterationSummary {
  const { run } = ctx;
  const m = run.readManifest(0);
  const finalLoss = (s: TrainingStage): number | null => ((m?.stages[s]?.params?.final as TrainMetrics | null | undefined)?.loss ?? null);
  const ift = run.read(0, 'ift');
  const dropped: Record<string, number> = {};
  for (const r of ift) if (!r.kept) dropped[r.dropReason ?? 'unknown'] = (dropped[r.dropReason ?? 'unknown'] ?? 0) + 1;
  const rows = eftRowsFromFiles(ctx);
  const eftCounts = m?.stages.eft?.counts ?? {};
  const baseline = run.modelFor(1, 'sft-baseline');
  const policy = run.modelFor(1);
  const agreements = readAgreements(run);
  const judged = [...run.read(0, 'baseline-judgments'), ...run.read(0, 'agreement')];
  const sft: SftSummary = {
    ift: { examples: ift.filter((r) => r.kept).length, dropped },
    eft: {
      trainGroups: eftCounts['groups.train'] ?? 0,
      evalGroups: eftCounts['groups.eval'] ?? 0,
      judged: eftCounts.judged ?? 0,
      parseFailures: eftCounts.parseFailures ?? 0,
      outOfRange: eftCounts.outOfRange ?? 0,
      agreeingGroups: rows.train.agreeingGroups + rows.eval.agreeingGroups,
      trainRows: rows.train.rows.length,
      evalRows: rows.eval.rows.length,
      scores: { train: { before: rows.train.before, after: rows.train.after }, eval: { before: rows.eval.before, after: rows.eval.after } },
    },
    baseline: { model: baseline?.name ?? '', rows: m?.stages['sft-baseline']?.counts.rows ?? 0, trainLoss: finalLoss('sft-baseline') },
    policy: { model: policy?.name ?? '', rows: m?.stages.sft?.counts.rows ?? 0, trainLoss: finalLoss('sft') },
    agreement: agreements.map((a) => ({ label: a.label, model: a.model, agreement: a.agreement })),
  };
  return {
    iteration: 0,
    promptsKept: 0,
    promptsDropped: {},
    candidates: 0,
    judgments: 0,
    parseFailures: 0,
    parseFailureRate: 0,
    ties: 0,
    pairs: 0,
    pairsDropped: {},
    meanChosenScore: null,
    meanRejectedScore: null,
    meanCandidateChars: null,
    trainLoss: sft.policy.trainLoss,
    trainRewardMargin: null,
    ...(policy ? { modelOut: modelLabel(policy), modelOutPath: modelPath(policy) } : {}),
    failedItems: judged.filter((j) => j.error).length,
    sft,
  };
}
