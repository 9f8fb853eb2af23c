/** Linear scales and "nice" tick values for the charts (pure). */
export interface Extent {
  min: number;
  max: number;
}

export function extent(values: Iterable<number>): Extent | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const x of values) {
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return min === Infinity ? undefined : { min, max };
}

/** Widen a zero-width extent so a scale can divide by its span. */
export function padExtent(e: Extent): Extent {
  if (e.max > e.min) return e;
  const d = Math.abs(e.min) > 0 ? Math.abs(e.min) * 0.1 : 1;
  return { min: e.min - d, max: e.max + d };
}

export function linear(domain: Extent, range: [number, number]): (x: number) => number {
  const d = padExtent(domain);
  const k = (range[1] - range[0]) / (d.max - d.min);
  return (x) => range[0] + (x - d.min) * k;
}

/** About `count` round tick values covering the extent (1, 2, 5 × 10^k steps). */
export function niceTicks(e: Extent, count = 5): number[] {
  const d = padExtent(e);
  const raw = (d.max - d.min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  // Ticks enclose the data (first ≤ min, last ≥ max), so the axis reads as a round range.
  const first = Math.floor(d.min / step + 1e-9) * step;
  for (let t = first; out.length < 50; t += step) {
    out.push(Number(t.toPrecision(12)));
    if (t >= d.max - step * 1e-9) break;
  }
  return out;
}

export function formatTick(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return `${Number((x / 1000).toPrecision(3))}k`;
  if (Number.isInteger(x)) return String(x);
  return a < 0.01 ? x.toExponential(1) : String(Number(x.toPrecision(3)));
}
