/**
 * The dashboard's distribution charts, coloured by iteration so what changed between iterations shows: judge
 * scores (stacked histogram), answer length vs score, and the training curves (DPO loss, reward margins and
 * accuracies; a single training step is drawn as a point). Legends sit right of the plots; the chips above the
 * charts are their shared legend and iteration filter.
 */
import type { RunSnapshot, TrainMetrics } from '../../remote/protocol';
import { h } from '../components/dom';
import { binEdges, lineChart, scatter, stackedHistogram, type Point, type Series } from '../../remote/charts';
import { renderSvg } from '../components/charts/renderSvg';
import type { FeedRow } from './feed';
import { iterationLabel, iterationTitle } from '../../remote/modelNames';

const CURVES: { key: keyof TrainMetrics; title: string }[] = [
  { key: 'loss', title: 'DPO loss' },
  { key: 'rewardsMargins', title: 'Reward margins' },
  { key: 'rewardsAccuracies', title: 'Reward accuracies' },
];

/** The colour class of an iteration (the same in every chart and chip). */
export const iterationClass = (t: number): string => `series-${((t % 6) + 6) % 6}`;
const short = (t: number): string => (t === 0 ? 'SFT' : `it ${t}`);

/** Chips naming each iteration in its colour; clicking one hides or shows it in the charts. */
export function iterationChips(iterations: number[], hidden: ReadonlySet<number>, toggle: (t: number) => void): HTMLElement {
  return h(
    'div',
    { class: 'iteration-chips', role: 'group', 'aria-label': 'iterations shown in the charts' },
    h('span', { class: 'muted' }, 'Iterations:'),
    ...iterations.map((t) => {
      const b = h('button', { type: 'button', class: `chip${hidden.has(t) ? ' off' : ''}`, 'data-iteration': t, 'aria-pressed': hidden.has(t) ? 'false' : 'true', title: `${iterationTitle(t)}: click to ${hidden.has(t) ? 'show' : 'hide'}` },
        h('span', { class: `swatch ${iterationClass(t)}` }), short(t));
      b.addEventListener('click', () => toggle(t));
      return b;
    }),
  );
}

/** `rows`: the feed rows that pass the feed filters; `hidden`: iterations switched off by the chips. */
export function chartsView(snapshot: RunSnapshot | undefined, rows: readonly FeedRow[], hidden: ReadonlySet<number>): HTMLElement {
  const lo = snapshot?.config?.judge?.scoreMin ?? 0;
  const hi = snapshot?.config?.judge?.scoreMax ?? 5;
  const byIteration = new Map<number, number[]>();
  const points: Point[] = [];
  let failures = 0;
  for (const r of rows) {
    if (r.kind !== 'candidate' || r.score === null || hidden.has(r.iteration)) continue;
    let list = byIteration.get(r.iteration);
    if (!list) byIteration.set(r.iteration, (list = []));
    list.push(r.score);
    if (r.parseFailures) failures++;
    points.push({ x: r.chars, y: r.score, cls: `${iterationClass(r.iteration)}${r.parseFailures ? ' parse-failure' : ''}` });
  }
  const its = [...byIteration.keys()].sort((a, b) => a - b);
  const groups = its.map((t) => ({ name: iterationLabel(t), cls: iterationClass(t), values: byIteration.get(t)! }));
  const scored = points.length;
  const legend = [...groups.map((g) => ({ name: g.name, cls: g.cls })), ...(failures ? [{ name: 'some samples unparsed', cls: 'series-4', marker: 'ring' as const }] : [])];
  const train = (snapshot?.iterations ?? []).filter((it) => !hidden.has(it.iteration));
  const curves = CURVES.map(({ key, title }) => {
    const series: Series[] = train
      .map((it) => ({ name: iterationLabel(it.iteration), cls: iterationClass(it.iteration), points: it.train.filter((m) => typeof m[key] === 'number').map((m) => ({ x: m.step, y: m[key] as number })) }))
      .filter((s) => s.points.length > 0);
    return h('div', { class: 'chart-box', 'data-chart': key }, series.length
      ? renderSvg(lineChart(series, { title, xLabel: 'step', width: 320, height: 180, integerX: true, legendWidth: series.length > 1 ? 84 : 0 }))
      : h('div', { class: 'chart-empty muted' }, `${title}: no training yet`));
  });
  return h(
    'div',
    { class: 'charts' },
    h('div', { class: 'chart-box', 'data-chart': 'histogram' }, renderSvg(stackedHistogram(binEdges(lo, hi, Math.max(1, Math.round((hi - lo) * 2))), groups, { title: `Judge scores (${scored} candidates)`, xLabel: 'mean score', yLabel: 'candidates', width: 360, height: 190 }))),
    h('div', { class: 'chart-box', 'data-chart': 'scatter' }, renderSvg(scatter(points, { title: 'Answer length vs score', xLabel: 'chars', yLabel: 'score', width: 380, height: 190, yDomain: { min: lo, max: hi }, legend }))),
    ...curves,
  );
}
