/**
 * The evaluation stage (run config `eval.afterIteration`): after training (and checkpoint selection), the planned
 * evaluations of remote/eval/suite.ts run on the iteration's own backend — M_{t+1}'s win rate, multi-turn score,
 * judge agreement and head-to-heads, and those of older models not evaluated yet — each writing its file under the
 * run's eval/ folder and an `eval.finished` event. The iteration is done when they are: a kill -9 here resumes the
 * stage, and each evaluation resumes from its cached answers and comparisons. An evaluation that fails (an external
 * judge that is down) is recorded — an `error` event and `failed` in the stage's counts — and the others go on;
 * the model is trained either way, and a later Evaluate command can redo it.
 */
import type { EvalKind, RunConfig } from '../protocol';
import type { InferenceBackend } from '../backends/types';
import type { ClientOptions } from '../inference/client';
import { currentModel, resolveJudge, type EvalEnv } from '../eval/context';
import { evalSettings, planAfterIteration, runEvalJob } from '../eval/suite';
import type { StageContext, StageCounts } from './context';
import { StageProgress } from './progress';

export const evaluationEnabled = (config: RunConfig): boolean => evalSettings(config).afterIteration;

/** What the evaluation stage needs of an iteration (the SFT iteration 0 has no answering client of its own). */
export type EvalStageContext = Pick<StageContext, 'run' | 't' | 'signal' | 'concurrency'> & { client: ClientOptions };

/** An EvalEnv on the iteration's backend: models are served by it and left running (the iteration stops it). */
export function stageEvalEnv(ctx: EvalStageContext, inference: InferenceBackend, onProgress?: (done: number, total: number) => void): EvalEnv {
  return {
    run: ctx.run,
    serve: async (model, signal) => ({ endpoint: await inference.ensureServing(model, signal), release: async () => undefined }),
    signal: ctx.signal,
    concurrency: ctx.concurrency,
    client: ctx.client,
    onProgress,
  };
}

export async function runEvaluationStage(ctx: EvalStageContext, inference: InferenceBackend): Promise<{ counts: StageCounts; params: Record<string, unknown> }> {
  const { run, t } = ctx;
  const settings = evalSettings(run.config);
  const jobs = planAfterIteration(run, t, settings);
  const judge = resolveJudge(run, settings.judge, currentModel(run));
  const progress = new StageProgress(run, t, 'evaluation', jobs.length);
  const env = stageEvalEnv(ctx, inference);
  const done: { kind: EvalKind; model: string; against?: string; file: string }[] = [];
  let failed = 0;
  for (const job of jobs) {
    try {
      const r = await runEvalJob(env, job, { settings, judge });
      done.push({ kind: job.kind, model: job.side.ref.label, ...(job.against ? { against: job.against.ref.label } : {}), file: r.file });
      progress.add(1);
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      failed++;
      progress.add(1, 1);
      run.emit({ type: 'error', iteration: t, stage: 'evaluation', message: `${job.kind} of ${job.side.ref.label}${job.against ? ` vs ${job.against.ref.label}` : ''} failed: ${(e as Error).message}` });
    }
  }
  progress.flush();
  return { counts: { evaluations: done.length, failed }, params: { evals: settings.evals, judge: judge.label, results: done } };
}
