/** Line chart with several series and a legend (pure). */
import { chartRoot, frame, round1, type ChartSize } from './frame';
import { extent } from './scale';
import { v, type VNode } from './vnode';

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

export function lineChart(series: Series[], size: ChartSize = {}): VNode {
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const f = frame(size, extent(all.map((p) => p.x)) ?? { min: 0, max: 1 }, extent(all.map((p) => p.y)) ?? { min: 0, max: 1 });
  const lines = series.map((s, i) =>
    v(
      'polyline',
      {
        class: `line series-${i % 6}`,
        points: s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).map((p) => `${round1(f.x(p.x))},${round1(f.y(p.y))}`).join(' '),
        'data-series': s.name,
        'data-points': s.points.length,
      },
      v('title', {}, s.name),
    ),
  );
  const legend = v(
    'g',
    { class: 'legend' },
    ...series.map((s, i) =>
      v(
        'g',
        { class: 'legend-item' },
        v('rect', { class: `swatch series-${i % 6}`, x: f.plot.right - 90, y: f.plot.top + i * 14, width: 10, height: 10 }),
        v('text', { x: f.plot.right - 76, y: f.plot.top + i * 14 + 9 }, s.name),
      ),
    ),
  );
  return chartRoot('line', f, size, lines, series.length > 1 ? [legend] : []);
}
