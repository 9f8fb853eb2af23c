/** The shared chart frame: plot area, axes with ticks, axis labels, title (pure). */
import { formatTick, linear, niceTicks, type Extent } from './scale';
import { v, type VNode } from './vnode';

export interface ChartSize {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** room kept right of the plot for a legend (legends never sit on the data) */
  legendWidth?: number;
  /** whole-number x ticks only (iterations, steps) */
  integerX?: boolean;
}

export interface Frame {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  x: (x: number) => number;
  y: (y: number) => number;
  xTicks: number[];
  yTicks: number[];
}

export function frame(size: ChartSize, xDomain: Extent, yDomain: Extent, xTickCount = 6, yTickCount = 4): Frame {
  const width = size.width ?? 360;
  const height = size.height ?? 200;
  const plot = { left: 44, top: size.title ? 24 : 10, right: width - 12 - (size.legendWidth ?? 0), bottom: height - (size.xLabel ? 36 : 22) };
  const xTicks = size.integerX ? integerTicks(xDomain, xTickCount) : niceTicks(xDomain, xTickCount);
  const yTicks = niceTicks(yDomain, yTickCount);
  // Scale over the union of data and ticks, so every tick sits inside the plot.
  const xd = { min: Math.min(xDomain.min, xTicks[0] ?? xDomain.min), max: Math.max(xDomain.max, xTicks[xTicks.length - 1] ?? xDomain.max) };
  const yd = { min: Math.min(yDomain.min, yTicks[0] ?? yDomain.min), max: Math.max(yDomain.max, yTicks[yTicks.length - 1] ?? yDomain.max) };
  return { width, height, plot, x: linear(xd, [plot.left, plot.right]), y: linear(yd, [plot.bottom, plot.top]), xTicks, yTicks };
}

/** Whole-number ticks: the nice ticks that are integers, or every integer of a short range. */
function integerTicks(d: Extent, count: number): number[] {
  const lo = Math.floor(d.min);
  const hi = Math.ceil(d.max);
  if (hi - lo <= count) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return niceTicks(d, count).filter((t) => Number.isInteger(t));
}

const r = (n: number): number => Math.round(n * 10) / 10;

/** A legend right of the plot: a swatch and a name per entry (names cut to fit). */
export function legend(f: Frame, items: { name: string; cls: string; marker?: 'dot' | 'ring' }[]): VNode {
  const x = f.plot.right + 10;
  const chars = Math.max(4, Math.floor((f.width - x - 16) / 6));
  return v(
    'g',
    { class: 'legend' },
    ...items.map((it, i) =>
      v(
        'g',
        { class: 'legend-item', 'data-series': it.name },
        it.marker
          ? v('circle', { class: `legend-dot ${it.cls}${it.marker === 'ring' ? ' parse-failure' : ''}`, cx: x + 5, cy: f.plot.top + i * 14 + 5, r: 3.5 })
          : v('rect', { class: `swatch ${it.cls}`, x, y: f.plot.top + i * 14, width: 10, height: 10 }),
        v('text', { x: x + 14, y: f.plot.top + i * 14 + 9 }, it.name.length > chars ? `${it.name.slice(0, chars - 1)}…` : it.name),
        v('title', {}, it.name),
      ),
    ),
  );
}

/** Root <svg> with axes around `content`. `kind` becomes a class (chart-histogram, chart-scatter, chart-line). */
export function chartRoot(kind: string, f: Frame, size: ChartSize, content: VNode[], extra: VNode[] = []): VNode {
  const { plot } = f;
  const axes = v(
    'g',
    { class: 'axes' },
    v('line', { class: 'axis', x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }),
    v('line', { class: 'axis', x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom }),
    ...f.xTicks.map((t) =>
      v('g', { class: 'tick x-tick' }, v('line', { class: 'tick-mark', x1: r(f.x(t)), x2: r(f.x(t)), y1: plot.bottom, y2: plot.bottom + 4 }), v('text', { x: r(f.x(t)), y: plot.bottom + 14, 'text-anchor': 'middle' }, formatTick(t))),
    ),
    ...f.yTicks.map((t) =>
      v(
        'g',
        { class: 'tick y-tick' },
        v('line', { class: 'grid', x1: plot.left, x2: plot.right, y1: r(f.y(t)), y2: r(f.y(t)) }),
        v('text', { x: plot.left - 6, y: r(f.y(t)) + 4, 'text-anchor': 'end' }, formatTick(t)),
      ),
    ),
    size.xLabel ? v('text', { class: 'axis-label', x: (plot.left + plot.right) / 2, y: f.height - 6, 'text-anchor': 'middle' }, size.xLabel) : null,
    size.yLabel ? v('text', { class: 'axis-label', x: 12, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${(plot.top + plot.bottom) / 2})` }, size.yLabel) : null,
  );
  return v(
    'svg',
    { class: `chart chart-${kind}`, width: f.width, height: f.height, viewBox: `0 0 ${f.width} ${f.height}`, role: 'img', 'aria-label': size.title ?? kind },
    size.title ? v('text', { class: 'chart-title', x: plot.left, y: 14 }, size.title) : null,
    axes,
    v('g', { class: 'plot' }, ...content),
    ...extra,
  );
}

export { r as round1 };
