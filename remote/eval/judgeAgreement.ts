/**
 * Judge agreement of a model of the run as an evaluation (eval/judge-<model>.json): the model judges every answer of
 * a labelled set K times with one of the run's rubric versions, through the pipeline's preview judge (the same
 * prompt and parser as the loop), and judgeEval.ts compares the mean scores with the human ranks.
 */
import type { EvalResultRef } from '../protocol';
import { loadSeed } from '../seed';
import { previewJudge } from '../pipeline/preview';
import { evaluateJudge, labelledSamples } from './judgeEval';
import { publish, withSide, type EvalEnv, type Side } from './context';
import { resultRef, writeJudgeEval, type JudgeEvalRecord } from './results';

export interface JudgeAgreementOptions {
  labelled: string;
  maxGroups?: number;
  k: number;
  /** rubric version of the run (default: the latest) */
  rubricVersion?: number;
}

export async function runJudgeAgreement(env: EvalEnv, side: Side, o: JudgeAgreementOptions): Promise<{ record: JudgeEvalRecord; file: string; result: EvalResultRef }> {
  const { run } = env;
  if (!side.entry) throw new Error('judge agreement: only a model of the run can be evaluated as a judge (with its rubric)');
  const versions = run.rubricVersions();
  const version = o.rubricVersion ?? versions[versions.length - 1]?.version;
  const known = versions.find((v) => v.version === version);
  if (!known) throw new Error(`run ${run.id} has no rubric version ${version}`);
  const rubric = run.rubric(known.version);
  let groups;
  try {
    groups = loadSeed([{ path: o.labelled, format: 'auto' }]).labelled;
  } catch (e) {
    throw new Error((e as Error).message);
  }
  const samples = labelledSamples(groups, o.maxGroups);
  if (!samples.length) throw new Error(`${o.labelled}: no labelled groups (prompts with ranked answers)`);
  const judge = run.config.judge;
  const out = await withSide(env, side, (endpoint) =>
    evaluateJudge(samples, o.k, (s, onResult) => previewJudge({ rubric, samples: s, k: o.k, endpoint, judge, concurrency: env.concurrency, signal: env.signal, onResult }), {
      scoreMax: judge.scoreMax,
      onProgress: (done, total) => env.onProgress?.(done, total),
    }),
  );
  const record: JudgeEvalRecord = {
    model: side.entry.iteration, modelName: side.entry.name, ref: side.ref, labelledSet: o.labelled, rubricVersion: known.version, rubricHash: known.hash, k: o.k,
    judgeLabel: `${side.ref.label} itself, rubric v${known.version}, K=${o.k}`,
    agreement: out.agreement, answers: out.answers.map(({ group, humanRank, scores }) => ({ group, humanRank, scores })), finishedAt: new Date().toISOString(),
  };
  const file = writeJudgeEval(run.dir, record);
  return { record, file, result: publish(run, resultRef('judge', run.dir, file, record)) };
}
