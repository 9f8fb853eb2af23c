/**
 * The trend row: one small chart per question "is it improving?", iteration on the x axis — judge scores of chosen
 * and rejected answers, answer length, pairs (trained, ties), parse failures, the final training loss and reward
 * margin. Numbers come from each finished iteration's summary (metrics.json), with the definitions of
 * remote/counts.ts.
 *
 * Other features add series here: `addTrendSource(src)` registers a function from the snapshot to more charts; a
 * chart with the key of an existing one adds its series to it (e.g. evaluation win rates beside the scores).
 */
import type { IterationSummary, RunSnapshot } from '../../remote/protocol';
import { lineChart, type Series } from '../../remote/charts';
import { renderSvg } from '../components/charts/renderSvg';
import { h } from '../components/dom';

export interface TrendChart {
  /** stable key (data-trend attribute; charts of equal keys merge) */
  key: string;
  title: string;
  yLabel?: string;
  series: Series[];
  yDomain?: { min: number; max: number };
}

export type TrendSource = (snapshot: RunSnapshot) => TrendChart[];

const sources = new Set<TrendSource>();
const listeners = new Set<() => void>();

/** Register more trend charts or series; `refresh()` redraws the row after the source's data changed. */
export function addTrendSource(src: TrendSource): { refresh(): void; dispose(): void } {
  sources.add(src);
  const refresh = (): void => listeners.forEach((l) => l());
  refresh();
  return { refresh, dispose: () => void (sources.delete(src), refresh()) };
}

/** The dashboard redraws the row when a source asks (main.ts). */
export function onTrendSourcesChanged(listener: () => void): void {
  listeners.add(listener);
}

function seriesOf(its: IterationSummary[], name: string, cls: string, pick: (s: IterationSummary) => number | null | undefined): Series {
  return { name, cls, points: its.flatMap((s) => { const y = pick(s); return y === null || y === undefined || !Number.isFinite(y) ? [] : [{ x: s.iteration, y }]; }) };
}

/** The built-in trends, from the finished iterations' summaries. */
export function builtinTrends(snapshot: RunSnapshot): TrendChart[] {
  // the self-rewarding iterations (an SFT iteration 0 makes no pairs or judge scores of its own)
  const its = snapshot.iterations.flatMap((it) => (it.summary && it.iteration > 0 ? [it.summary] : []));
  const lo = snapshot.config?.judge?.scoreMin ?? 0;
  const hi = snapshot.config?.judge?.scoreMax ?? 5;
  return [
    { key: 'score', title: 'Judge score (mean)', yDomain: { min: lo, max: hi }, series: [seriesOf(its, 'chosen', 'series-2', (s) => s.meanChosenScore), seriesOf(its, 'rejected', 'series-4', (s) => s.meanRejectedScore)] },
    { key: 'length', title: 'Answer length (mean chars)', series: [seriesOf(its, 'mean length', 'series-0', (s) => s.meanCandidateChars)] },
    { key: 'pairs', title: 'Pairs', series: [seriesOf(its, 'pairs', 'series-0', (s) => s.pairs), seriesOf(its, 'trained', 'series-2', (s) => s.trainedPairs), seriesOf(its, 'ties', 'series-1', (s) => s.ties)] },
    { key: 'parse', title: 'Parse failures (%)', series: [seriesOf(its, 'parse failures', 'series-4', (s) => s.parseFailureRate * 100)] },
    { key: 'loss', title: 'Training loss (final)', series: [seriesOf(its, 'DPO loss', 'series-3', (s) => s.trainLoss)] },
    { key: 'margin', title: 'Reward margin (final)', series: [seriesOf(its, 'reward margin', 'series-5', (s) => s.trainRewardMargin)] },
  ];
}

/** Built-in charts plus every registered source's, merged by key. */
export function trendCharts(snapshot: RunSnapshot): TrendChart[] {
  const out: TrendChart[] = [];
  for (const c of [builtinTrends, ...sources].flatMap((src) => src(snapshot))) {
    const same = out.find((x) => x.key === c.key);
    if (same) same.series = [...same.series, ...c.series];
    else out.push({ ...c, series: [...c.series] });
  }
  return out;
}

export function trendRow(snapshot: RunSnapshot): HTMLElement {
  const finished = snapshot.iterations.filter((it) => it.summary).length;
  const charts = trendCharts(snapshot).map((c) => {
    const points = c.series.reduce((a, s) => a + s.points.length, 0);
    return h(
      'div',
      { class: 'chart-box trend', 'data-trend': c.key, 'data-points': points },
      points
        ? renderSvg(lineChart(c.series.filter((s) => s.points.length), { title: c.title, xLabel: 'iteration', width: 260, height: 150, markers: true, integerX: true, yDomain: c.yDomain, legendWidth: c.series.length > 1 ? 64 : 0 }))
        : h('div', { class: 'chart-empty muted' }, `${c.title}: no finished iteration yet`),
    );
  });
  return h('div', { class: 'trend-row', 'data-iterations': finished }, ...charts);
}
