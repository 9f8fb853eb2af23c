/**
 * Judge evaluation on a labelled set: every answer of every group is judged K times with a rubric by the model
 * under test (through the preview judge, the same code path as the rubric preview), and the mean scores are
 * compared with the human ranks (remote/eval/metrics.ts). Pure: the extension's rubric preview uses it too, so it
 * imports nothing of the agent (the runner that serves a model is judgeAgreement.ts).
 */
import type { JudgeAgreement, PreviewResult, PreviewSample } from '../protocol';
import type { LabelledGroup } from '../seed';
import { groupsFromSamples, judgeAgreement, meanScore } from './metrics';

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

