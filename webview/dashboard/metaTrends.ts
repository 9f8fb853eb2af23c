/**
 * The meta-judge's trends (Meta-Rewarding), added to the trend row when a run's iterations ran it: judge pairs made
 * and trained, how often the meta-judge picked the judgment shown first (its positional bias, 50 % = none) and the
 * mean score of the judgments it preferred (its drift towards high scores). From metrics.json of each iteration
 * (remote/counts.ts META_ITERATION_COUNTS defines them).
 */
import type { IterationSummary, RunSnapshot } from '../../remote/protocol';
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

addTrendSource(metaTrends);
