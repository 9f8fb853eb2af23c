/**
 * The dashboard's distribution charts, coloured by iteration so what changed between iterations shows: judge
 * scores (stacked histogram), answer length vs score, and the training curves (DPO loss, reward margins and
 * accuracies; a single training step is drawn as a point). Legends sit right of the plots; the chips above the
 * charts are their shared legend and iteration filter.
 */
import type { RunSnapshot, TrainMetrics } from '../../remote/protocol';
import { h } from '../components/dom';
import { binEdges, lineChart, scatter, stackedHistogram, type Point, type Series, type VNode } from '../../remote/charts';
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

/** What the score charts draw, gathered from feed rows one at a time (a long feed is read over several frames). */
export class ChartData {
  readonly byIteration = new Map<number, number[]>();
  readonly points: Point[] = [];
  failures = 0;

  constructor(private readonly hidden: ReadonlySet<number>) {}

  add(r: FeedRow): void {
    if (r.kind !== 'candidate' || r.score === null || this.hidden.has(r.iteration)) return;
    let list = this.byIteration.get(r.iteration);
    if (!list) this.byIteration.set(r.iteration, (list = []));
    list.push(r.score);
    if (r.parseFailures) this.failures++;
    this.points.push({ x: r.chars, y: r.score, cls: `${iterationClass(r.iteration)}${r.parseFailures ? ' parse-failure' : ''}` });
  }
}

/**
 * `rows`: the feed rows that pass the feed filters (or what was gathered from them); `hidden`: iterations switched
 * off by the chips; `draw`: how a chart becomes SVG (a SlicedSvg's `draw` builds it over several frames).
 */
export function chartsView(snapshot: RunSnapshot | undefined, rows: readonly FeedRow[] | ChartData, hidden: ReadonlySet<number>, draw: (node: VNode) => SVGElement = renderSvg): HTMLElement {
  const lo = snapshot?.config?.judge?.scoreMin ?? 0;
  const hi = snapshot?.config?.judge?.scoreMax ?? 5;
  let data = rows as ChartData;
  if (!(rows instanceof ChartData)) {
    data = new ChartData(hidden);
    for (const r of rows) data.add(r);
  }
  const { byIteration, points, failures } = data;
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
      ? draw(lineChart(series, { title, xLabel: 'step', width: 320, height: 180, integerX: true, legendWidth: series.length > 1 ? 84 : 0 }))
      : h('div', { class: 'chart-empty muted' }, `${title}: no training yet`));
  });
  return h(
    'div',
    { class: 'charts' },
    h('div', { class: 'chart-box', 'data-chart': 'histogram' }, draw(stackedHistogram(binEdges(lo, hi, Math.max(1, Math.round((hi - lo) * 2))), groups, { title: `Judge scores (${scored} candidates)`, xLabel: 'mean score', yLabel: 'candidates', width: 360, height: 190 }))),
    h('div', { class: 'chart-box', 'data-chart': 'scatter' }, draw(scatter(points, { title: 'Answer length vs score', xLabel: 'chars', yLabel: 'score', width: 380, height: 190, yDomain: { min: lo, max: hi }, legend }))),
    ...curves,
  );
}
