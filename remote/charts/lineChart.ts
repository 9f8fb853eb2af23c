/** Line chart with several series, a marker on every point (a one-point series still shows) and a legend right of the plot (pure). */
import { chartRoot, frame, legend, round1, type ChartSize } from './frame';
import { extent } from './scale';
import { v, type VNode } from './vnode';

export interface Series {
  name: string;
  points: { x: number; y: number }[];
  /** colour class (default series-<index>) */
  cls?: string;
}

export interface LineChartOptions extends ChartSize {
  /** draw a dot on every point (default: only where a series has fewer than 3 points) */
  markers?: boolean;
  /** fixed y domain */
  yDomain?: { min: number; max: number };
}

export function lineChart(series: Series[], size: LineChartOptions = {}): VNode {
  const withLegend = series.length > 1;
  const opts: LineChartOptions = { ...size, legendWidth: size.legendWidth ?? (withLegend ? 96 : 0) };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const f = frame(opts, extent(all.map((p) => p.x)) ?? { min: 0, max: 1 }, size.yDomain ?? extent(all.map((p) => p.y)) ?? { min: 0, max: 1 });
  const cls = (s: Series, i: number): string => s.cls ?? `series-${i % 6}`;
  const content = series.flatMap((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const line = v(
      'polyline',
      { class: `line ${cls(s, i)}`, points: pts.map((p) => `${round1(f.x(p.x))},${round1(f.y(p.y))}`).join(' '), 'data-series': s.name, 'data-points': s.points.length },
      v('title', {}, s.name),
    );
    const dots = size.markers || pts.length < 3
      ? pts.map((p) => v('circle', { class: `point marker ${cls(s, i)}`, cx: round1(f.x(p.x)), cy: round1(f.y(p.y)), r: 2.5, 'data-series': s.name }, v('title', {}, `${s.name}: ${fmt(p.x)}, ${fmt(p.y)}`)))
      : [];
    return [line, ...dots];
  });
  return chartRoot('line', f, opts, content, withLegend ? [legend(f, series.map((s, i) => ({ name: s.name, cls: cls(s, i) })))] : []);
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(3));
