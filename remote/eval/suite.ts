/**
 * The evaluation suite: one entry point per evaluation kind with the run's settings filled in, and the plan of what
 * to evaluate after iteration t. Used by the per-iteration evaluation stage (remote/pipeline/evaluation.ts), the
 * daemon's eval/* handlers and `agent.js eval`.
 *
 * After iteration t (which trained M_{t+1}) the plan is, for every kind in eval.evals:
 *   winRate, multiTurn, judge — every model of the run without that result yet: M_{t+1}, and M_1 … M_t and the SFT
 *                               baseline the first time (so the Evaluation section has a row per model);
 *   headToHead                — M_{t+1} vs M_t (the paper's Fig. 3 pairs) and M_{t+1} vs the SFT baseline when one
 *                               is registered, unless already compared.
 * A result is never recomputed by the plan (a model's numbers do not change), so each model is judged by the judge
 * current when it was first evaluated; the judge is in every file.
 */
import * as fs from 'node:fs';
import type { EvalConfig, EvalKind, EvalResultRef, RunConfig, SeedSource } from '../protocol';
import { validateConfig } from '../config/config';
import type { Run } from '../store/runStore';
import { runCompare } from './compare';
import { policyModels, refOf, sftBaseline, type EvalEnv, type JudgeSide, type Side } from './context';
import { runJudgeAgreement } from './judgeAgreement';
import { runMultiTurn } from './multiTurn';
import { headToHeadFile, judgeEvalFile, multiTurnFile, winRateFile } from './results';
import { runWinRate } from './winRate';

/** The run's eval settings with the schema's defaults (runs created before the section existed get them too). */
export function evalSettings(config: RunConfig): EvalConfig {
  if (config.eval) return config.eval;
  return validateConfig({ name: 'defaults', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }).eval!;
}

export interface EvalJob {
  kind: EvalKind;
  side: Side;
  /** head-to-head: the other side */
  against?: Side;
}

export interface RunEvalOptions {
  settings: EvalConfig;
  judge: JudgeSide;
  /** overrides of the settings' prompt set and size (the eval commands' choices) */
  prompts?: string;
  maxPrompts?: number;
}

/** Run one evaluation job with the run's settings. */
export async function runEvalJob(env: EvalEnv, job: EvalJob, o: RunEvalOptions): Promise<EvalResultRef> {
  const { run } = env;
  const c = run.config.candidates;
  const sampling = { temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens };
  const s = o.settings;
  switch (job.kind) {
    case 'winRate':
      return (await runWinRate(env, job.side, {
        prompts: o.prompts ?? s.winRate.prompts, maxPrompts: o.maxPrompts ?? s.winRate.maxPrompts,
        instructionDifficulty: s.winRate.instructionDifficulty, gamedAnnotations: s.winRate.gamedAnnotations,
        judge: o.judge, sampling, seed: run.config.seed,
      })).result;
    case 'multiTurn':
      return (await runMultiTurn(env, job.side, {
        questions: o.prompts ?? s.multiTurn.questions, maxQuestions: o.maxPrompts ?? s.multiTurn.maxQuestions, judge: o.judge, maxTokens: c.maxTokens, seed: run.config.seed,
      })).result;
    case 'judge':
      return (await runJudgeAgreement(env, job.side, {
        labelled: o.prompts ?? s.judgeAgreement.labelled, maxGroups: o.maxPrompts ?? s.judgeAgreement.maxGroups, k: s.judgeAgreement.k ?? run.config.judge.k,
      })).result;
    case 'headToHead': {
      if (!job.against) throw new Error('head-to-head: no side to compare with');
      const prompts: SeedSource = { path: o.prompts ?? s.headToHead.prompts, format: 'auto' };
      return (await runCompare(env, job.side, job.against, { prompts, maxPrompts: o.maxPrompts ?? s.headToHead.maxPrompts, judge: o.judge, sampling, seed: run.config.seed })).result;
    }
  }
}

function hasResult(run: Run, job: EvalJob): boolean {
  const key = job.side.ref.key;
  const file =
    job.kind === 'winRate' ? winRateFile(run.dir, key) :
    job.kind === 'multiTurn' ? multiTurnFile(run.dir, key) :
    job.kind === 'judge' ? judgeEvalFile(run.dir, key) :
    headToHeadFile(run.dir, key, job.against!.ref.key);
  return fs.existsSync(file);
}

/** What to evaluate after iteration t (see the module comment); jobs already done are left out. */
export function planAfterIteration(run: Run, t: number, settings: EvalConfig): EvalJob[] {
  const models = policyModels(run).filter((m) => m.iteration <= t + 1);
  const sft = sftBaseline(run);
  const sides: Side[] = [...(sft ? [sft] : []), ...models].map((m) => ({ ref: refOf(m), entry: m }));
  const newest = models.find((m) => m.iteration === t + 1);
  const previous = models.find((m) => m.iteration === t);
  const jobs: EvalJob[] = [];
  for (const kind of settings.evals) {
    if (kind === 'headToHead') {
      if (!newest) continue;
      const side = { ref: refOf(newest), entry: newest };
      for (const other of [previous, sft]) if (other) jobs.push({ kind, side, against: { ref: refOf(other), entry: other } });
    } else for (const side of sides) jobs.push({ kind, side });
  }
  return jobs.filter((j) => !hasResult(run, j));
}
