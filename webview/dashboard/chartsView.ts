/** The dashboard's charts: score histogram, answer length vs score, training curves (loss, reward margins, accuracies). */
import type { RunSnapshot, TrainMetrics } from '../../remote/protocol';
import { h } from '../components/dom';
import { binEdges, binValues, histogram, lineChart, scatter, type Point, type Series } from '../components/charts';
import { renderSvg } from '../components/charts/renderSvg';
import type { FeedRow } from './feed';

const CURVES: { key: keyof TrainMetrics; title: string }[] = [
  { key: 'loss', title: 'DPO loss' },
  { key: 'rewardsMargins', title: 'Reward margins' },
  { key: 'rewardsAccuracies', title: 'Reward accuracies' },
];

/** `rows`: the candidates that pass the feed filters. */
export function chartsView(snapshot: RunSnapshot | undefined, rows: readonly FeedRow[], iteration: number | undefined): HTMLElement {
  const lo = snapshot?.config?.judge?.scoreMin ?? 0;
  const hi = snapshot?.config?.judge?.scoreMax ?? 5;
  const scores: number[] = [];
  const points: Point[] = [];
  for (const r of rows) {
    if (r.kind !== 'candidate' || r.score === null) continue;
    scores.push(r.score);
    points.push({ x: r.chars, y: r.score, cls: r.parseFailures ? 'parse-failure' : undefined });
  }
  const bins = binValues(scores, binEdges(lo, hi, Math.max(1, Math.round((hi - lo) * 2))));
  const its = (snapshot?.iterations ?? []).filter((it) => iteration === undefined || it.iteration === iteration);
  const curves = CURVES.map(({ key, title }) => {
    const series: Series[] = its
      .map((it) => ({ name: `iteration ${it.iteration}`, points: it.train.filter((m) => typeof m[key] === 'number').map((m) => ({ x: m.step, y: m[key] as number })) }))
      .filter((s) => s.points.length > 0);
    return h('div', { class: 'chart-box', 'data-chart': key }, series.length ? renderSvg(lineChart(series, { title, xLabel: 'step', width: 300, height: 180 })) : h('div', { class: 'chart-empty muted' }, `${title}: no training yet`));
  });
  return h(
    'div',
    { class: 'charts' },
    h('div', { class: 'chart-box', 'data-chart': 'histogram' }, renderSvg(histogram(bins, { title: `Judge scores (${scores.length})`, xLabel: 'mean score', width: 320, height: 180 }))),
    h('div', { class: 'chart-box', 'data-chart': 'scatter' }, renderSvg(scatter(points, { title: 'Answer length vs score', xLabel: 'chars', yLabel: 'score', width: 320, height: 180, yDomain: { min: lo, max: hi } }))),
    ...curves,
  );
}
