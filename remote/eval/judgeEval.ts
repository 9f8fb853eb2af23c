/**
 * Judge evaluation on a labelled set: every answer of every group is judged K times with a rubric by the model
 * under test (through the preview judge, the same code path as the rubric preview), and the mean scores are
 * compared with the human ranks (remote/eval/metrics.ts).
 */
import type { EvalResultRef, JudgeAgreement, PreviewResult, PreviewSample } from '../protocol';
import { loadSeed, type LabelledGroup } from '../seed';
import { previewJudge } from '../pipeline/preview';
import { groupsFromSamples, judgeAgreement, meanScore } from './metrics';
import { publish, withSide, type EvalEnv, type Side } from './context';
import { resultRef, writeJudgeEval, type JudgeEvalRecord } from './results';

/** Labelled groups as preview samples: one per answer, carrying its group and human rank. */
export function labelledSamples(groups: readonly LabelledGroup[], maxGroups = Infinity): PreviewSample[] {
  return groups.slice(0, maxGroups).flatMap((g) =>
    g.answers.map((a, i) => ({ id: `${g.group}#${i}`, prompt: g.prompt, answer: a.text, humanRank: a.rank, group: g.group })),
  );
}

/** Judges samples K times, calling onResult per judge sample (previewJudge has this shape). */
export type JudgeSamples = (samples: PreviewSample[], onResult: (r: Pick<PreviewResult, 'sampleId' | 'sample' | 'score'>) => void) => Promise<void>;

export interface JudgeEvalOutcome {
  agreement: JudgeAgreement;
  answers: { sampleId: string; group: string; humanRank: number; scores: (number | null)[] }[];
}

export async function evaluateJudge(samples: PreviewSample[], k: number, judge: JudgeSamples, opts: { scoreMax: number; onProgress?: (done: number, total: number) => void }): Promise<JudgeEvalOutcome> {
  const scores = new Map<string, (number | null)[]>(samples.map((s) => [s.id, new Array<number | null>(k).fill(null)]));
  let done = 0;
  const total = samples.length * k;
  await judge(samples, (r) => {
    const list = scores.get(r.sampleId);
    if (!list || r.sample < 0 || r.sample >= k) return;
    list[r.sample] = r.score;
    opts.onProgress?.(++done, total);
  });
  const agreement = judgeAgreement(groupsFromSamples(samples, (id) => meanScore(scores.get(id) ?? [])), { scoreMax: opts.scoreMax });
  return {
    agreement,
    answers: samples.map((s) => ({ sampleId: s.id, group: s.group ?? '', humanRank: s.humanRank ?? 0, scores: scores.get(s.id) ?? [] })),
  };
}

export interface JudgeAgreementOptions {
  labelled: string;
  maxGroups?: number;
  k: number;
  /** rubric version of the run (default: the latest) */
  rubricVersion?: number;
}

/**
 * Judge agreement of a model of the run: it judges every answer of the labelled set K times with one of the run's
 * rubric versions, through the pipeline's preview judge (the same prompt and parser as the loop). The result is
 * eval/judge-<model>.json.
 */
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
