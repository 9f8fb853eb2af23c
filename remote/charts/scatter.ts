/** Scatter plot (pure). Large sets are thinned evenly to `maxPoints` dots; the axes still span every point. */
import { chartRoot, frame, legend, round1, type ChartSize } from './frame';
import { extent } from './scale';
import { v, type VNode } from './vnode';

export interface Point {
  x: number;
  y: number;
  /** extra class, e.g. a series or highlight */
  cls?: string;
  title?: string;
}

export interface ScatterOptions extends ChartSize {
  maxPoints?: number;
  /** fixed y domain (e.g. the rubric's score range) */
  yDomain?: { min: number; max: number };
  /** legend entries right of the plot (a dot per class; `ring` for a highlight class such as parse-failure) */
  legend?: { name: string; cls: string; marker?: 'dot' | 'ring' }[];
}

export function scatter(points: Point[], opts: ScatterOptions = {}): VNode {
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xe = extent(finite.map((p) => p.x)) ?? { min: 0, max: 1 };
  const ye = opts.yDomain ?? extent(finite.map((p) => p.y)) ?? { min: 0, max: 1 };
  const f = frame({ ...opts, legendWidth: opts.legendWidth ?? (opts.legend?.length ? 110 : 0) }, xe, ye);
  const max = opts.maxPoints ?? 2000;
  const stride = finite.length > max ? finite.length / max : 1;
  const dots: VNode[] = [];
  for (let i = 0; i < finite.length && dots.length < max; i = Math.floor(dots.length * stride)) {
    const p = finite[i];
    dots.push(v('circle', { class: p.cls ? `point ${p.cls}` : 'point', cx: round1(f.x(p.x)), cy: round1(f.y(p.y)), r: 2.5 }, p.title ? v('title', {}, p.title) : null));
  }
  return chartRoot('scatter', f, opts, dots, [v('desc', {}, `${finite.length} points, ${dots.length} drawn`), ...(opts.legend?.length ? [legend(f, opts.legend.map((l) => ({ ...l, marker: l.marker ?? 'dot' })))] : [])]);
}
