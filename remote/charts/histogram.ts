/** Histogram: bins → bars (pure). Counting is separate (binValues / HistogramCounter) so a live feed can count incrementally. */
import { chartRoot, frame, legend, round1, type ChartSize } from './frame';
import { v, type VNode } from './vnode';

export interface Bin {
  x0: number;
  x1: number;
  count: number;
}

/** Equal-width bin edges from min to max (inclusive of max in the last bin). */
export function binEdges(min: number, max: number, bins: number): number[] {
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(min + ((max - min) * i) / bins);
  return edges;
}

/** Index of the bin holding x, or -1 if outside [edges[0], edges[last]]. */
export function binIndex(edges: number[], x: number): number {
  if (!(x >= edges[0]) || !(x <= edges[edges.length - 1])) return -1;
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function binValues(values: Iterable<number>, edges: number[]): Bin[] {
  const bins = edges.slice(0, -1).map((x0, i) => ({ x0, x1: edges[i + 1], count: 0 }));
  for (const x of values) {
    const i = binIndex(edges, x);
    if (i >= 0) bins[i].count++;
  }
  return bins;
}

export function histogram(bins: Bin[], size: ChartSize = {}): VNode {
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const xMin = bins.length ? bins[0].x0 : 0;
  const xMax = bins.length ? bins[bins.length - 1].x1 : 1;
  const f = frame(size, { min: xMin, max: xMax }, { min: 0, max: maxCount });
  const bars = bins.map((b) => {
    const x0 = f.x(b.x0);
    const x1 = f.x(b.x1);
    const y = f.y(b.count);
    return v(
      'rect',
      { class: 'bar', x: round1(x0 + 1), y: round1(y), width: round1(Math.max(1, x1 - x0 - 2)), height: round1(f.y(0) - y), 'data-count': b.count, 'data-x0': b.x0, 'data-x1': b.x1 },
      v('title', {}, `${b.x0}–${b.x1}: ${b.count}`),
    );
  });
  return chartRoot('histogram', f, size, bars);
}

/** One group of values of a stacked histogram (e.g. one iteration). */
export interface HistogramGroup {
  name: string;
  cls: string;
  values: Iterable<number>;
}

/** Histogram with the bars of several groups stacked per bin, coloured by group, with a legend right of the plot. */
export function stackedHistogram(edges: number[], groups: HistogramGroup[], size: ChartSize = {}): VNode {
  const counted = groups.map((g) => ({ ...g, bins: binValues(g.values, edges) }));
  const totals = edges.slice(0, -1).map((_, i) => counted.reduce((a, g) => a + g.bins[i].count, 0));
  const opts = { ...size, legendWidth: size.legendWidth ?? 96 };
  const f = frame(opts, { min: edges[0] ?? 0, max: edges[edges.length - 1] ?? 1 }, { min: 0, max: Math.max(1, ...totals) });
  const bars: VNode[] = [];
  for (let i = 0; i < edges.length - 1; i++) {
    let below = 0;
    const x0 = f.x(edges[i]);
    const x1 = f.x(edges[i + 1]);
    for (const g of counted) {
      const c = g.bins[i].count;
      if (!c) continue;
      const yTop = f.y(below + c);
      bars.push(
        v('rect', { class: `bar ${g.cls}`, x: round1(x0 + 1), y: round1(yTop), width: round1(Math.max(1, x1 - x0 - 2)), height: round1(f.y(below) - yTop), 'data-count': c, 'data-series': g.name, 'data-x0': edges[i], 'data-x1': edges[i + 1] },
          v('title', {}, `${g.name}, ${edges[i]}–${edges[i + 1]}: ${c}`)),
      );
      below += c;
    }
  }
  return chartRoot('histogram', f, opts, bars, groups.length ? [legend(f, groups.map((g) => ({ name: g.name, cls: g.cls })))] : []);
}
