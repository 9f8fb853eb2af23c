/**
 * The judge's trends, added to the trend row. Whether the judge is getting better: its agreement with people
 * (pairwise accuracy on a labelled set) per model, M_t at iteration t — from the SFT iteration's measurement of M1
 * (metrics.json of iteration 0) and from every judge-agreement evaluation the snapshot carries (`evals`, kind
 * `judge`, when the evaluation feature records them). And, when a run's iterations ran the meta-judge
 * (Meta-Rewarding): judge pairs made and trained, how often the meta-judge picked the judgment shown first (its
 * positional bias, 50 % = none) and the mean score of the judgments it preferred (its drift towards high scores),
 * from metrics.json of each iteration (remote/counts.ts META_ITERATION_COUNTS defines them).
 */
import type { IterationSummary, JudgeAgreement, RunSnapshot } from '../../remote/protocol';
import type { Series } from '../../remote/charts';
import { addTrendSource, type TrendChart } from './trends';

const series = (its: IterationSummary[], name: string, cls: string, pick: (s: IterationSummary) => number | null | undefined): Series => ({
  name,
  cls,
  points: its.flatMap((s) => {
    const y = pick(s);
    return y === null || y === undefined || !Number.isFinite(y) ? [] : [{ x: s.iteration, y }];
  }),
});

/** Mean of a score → count histogram. */
function histMean(h: Record<string, number> | undefined): number | null {
  const e = Object.entries(h ?? {});
  const n = e.reduce((a, [, v]) => a + v, 0);
  return n ? e.reduce((a, [k, v]) => a + Number(k) * v, 0) / n : null;
}

/** A judge-agreement result as evaluations carry them (kind `judge`, the model's iteration). */
interface JudgeEvalLike {
  kind: string;
  model: { iteration?: number; role?: string };
  judgeAgreement?: JudgeAgreement;
}

/**
 * Each model's judge by its iteration, the latest measurement of a model counting: pairwise accuracy (%; a judge's
 * tie on a pair people ordered is a miss) and Kendall τ-b (ties corrected). Both, because a less noisy judge can tie
 * more and order better at once (README, Meta-Rewarding).
 */
export function judgeAgreementTrend(snapshot: RunSnapshot): TrendChart[] {
  const at = new Map<number, JudgeAgreement>();
  const m1 = snapshot.iterations.find((it) => it.iteration === 0)?.summary?.sft?.agreement.find((a) => a.label === 'M1');
  if (m1) at.set(1, m1.agreement);
  for (const e of (snapshot as RunSnapshot & { evals?: JudgeEvalLike[] }).evals ?? []) {
    if (e.kind === 'judge' && e.model.role !== 'sft-baseline' && e.model.iteration !== undefined && e.judgeAgreement) at.set(e.model.iteration, e.judgeAgreement);
  }
  const sorted = [...at].sort((a, b) => a[0] - b[0]);
  const points = (pick: (a: JudgeAgreement) => number | null) => sorted.flatMap(([x, a]) => (pick(a) === null ? [] : [{ x, y: pick(a)! }]));
  const acc = points((a) => (a.pairwiseAccuracy === null ? null : a.pairwiseAccuracy * 100));
  const tau = points((a) => a.kendallTau);
  return [
    ...(acc.length ? [{ key: 'judge-agreement', title: 'Judge agreement with people (pairwise %)', yDomain: { min: 0, max: 100 }, series: [{ name: 'M_t as judge', cls: 'series-2', points: acc }] }] : []),
    ...(tau.length ? [{ key: 'judge-tau', title: 'Judge agreement with people (Kendall τ-b)', yDomain: { min: -1, max: 1 }, series: [{ name: 'M_t as judge', cls: 'series-3', points: tau }] }] : []),
  ];
}

export function metaTrends(snapshot: RunSnapshot): TrendChart[] {
  const its = snapshot.iterations.flatMap((it) => (it.summary?.judgePairs !== undefined ? [it.summary] : []));
  if (!its.length) return [];
  const lo = snapshot.config?.judge?.scoreMin ?? 0;
  const hi = snapshot.config?.judge?.scoreMax ?? 5;
  return [
    { key: 'judge-pairs', title: 'Judge pairs (meta-judge)', series: [series(its, 'judge pairs', 'series-0', (s) => s.judgePairs), series(its, 'trained', 'series-2', (s) => s.judgeRows)] },
    { key: 'meta-position', title: 'Meta-judge picked position A (%)', yDomain: { min: 0, max: 100 }, series: [series(its, 'position A', 'series-1', (s) => (s.metaFirstPositionRate === null || s.metaFirstPositionRate === undefined ? null : s.metaFirstPositionRate * 100))] },
    { key: 'meta-chosen-score', title: 'Preferred judgment score (mean)', yDomain: { min: lo, max: hi }, series: [series(its, 'preferred judgment', 'series-3', (s) => histMean(s.judgeChosenScores))] },
  ];
}

addTrendSource(judgeAgreementTrend);
addTrendSource(metaTrends);
