import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binEdges, binIndex, binValues, findAll, hasClass, histogram, lineChart, niceTicks, scatter, svgToString } from '../../../remote/charts';

test('histogram: values land in the right bins, bar heights follow counts, the top value is in the last bin', () => {
  const edges = binEdges(0, 5, 10);
  assert.equal(binIndex(edges, 5), 9);
  assert.equal(binIndex(edges, 0), 0);
  assert.equal(binIndex(edges, 5.01), -1);
  const bins = binValues([0, 0.2, 0.7, 2.5, 5, 5, 5, NaN], edges);
  assert.deepEqual(bins.map((b) => b.count), [2, 1, 0, 0, 0, 1, 0, 0, 0, 3]);
  const node = histogram(bins, { width: 300, height: 150, title: 'scores' });
  const bars = findAll(node, (n) => hasClass(n, 'bar'));
  assert.equal(bars.length, 10);
  const h = bars.map((b) => Number(b.attrs.height));
  assert.ok(h[9] > h[0] && h[0] > h[1] && h[2] === 0, `heights ${h}`);
});

test('scatter thins large sets to maxPoints but keeps the extent of all points', () => {
  const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i % 5 }));
  const node = scatter(pts, { maxPoints: 500, xLabel: 'chars', yLabel: 'score' });
  const dots = findAll(node, (n) => n.tag === 'circle');
  assert.equal(dots.length, 500);
  const xs = findAll(node, (n) => hasClass(n, 'x-tick')).map((t) => (t.children[1] as { children: string[] }).children[0]);
  assert.ok(xs.includes('10k'), `x ticks reach the largest x: ${xs}`);
});

test('line chart: one polyline per series with every point; ticks are round', () => {
  const node = lineChart([{ name: 'it 1', points: [{ x: 1, y: 0.7 }, { x: 2, y: 0.5 }, { x: 3, y: 0.4 }] }, { name: 'it 2', points: [{ x: 1, y: 0.6 }] }]);
  const lines = findAll(node, (n) => n.tag === 'polyline');
  assert.deepEqual(lines.map((l) => String(l.attrs.points).split(' ').length), [3, 1]);
  assert.deepEqual(niceTicks({ min: 0, max: 1 }, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

test('svgToString escapes text and attributes and refuses event-handler attributes', () => {
  const node = histogram([{ x0: 0, x1: 1, count: 2 }], { title: '</text><script>alert(1)</script>&"' });
  const s = svgToString(node);
  assert.ok(s.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(!s.includes('<script>'));
  assert.ok(s.includes('&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;'));
  assert.throws(() => svgToString({ tag: 'svg', attrs: { onload: 'x()' }, children: [] }), /onload/);
  assert.throws(() => svgToString({ tag: 'svg x', attrs: {}, children: [] }), /bad tag/);
});

test('line chart: a one-point series (a single training step) is drawn as a point; the legend sits right of every data point', () => {
  const node = lineChart([{ name: 'iteration 1', points: [{ x: 1, y: 0.69 }] }, { name: 'iteration 2', points: [{ x: 1, y: 0.6 }, { x: 2, y: 0.5 }, { x: 3, y: 0.4 }] }], { width: 300, height: 160, markers: true, integerX: true });
  const dots = findAll(node, (n) => n.tag === 'circle' && hasClass(n, 'marker'));
  assert.equal(dots.filter((d) => d.attrs['data-series'] === 'iteration 1').length, 1);
  const maxX = Math.max(...dots.map((d) => Number(d.attrs.cx)));
  const legendX = findAll(node, (n) => hasClass(n, 'swatch')).map((n) => Number(n.attrs.x));
  assert.equal(legendX.length, 2);
  assert.ok(legendX.every((x) => x > maxX), `legend at ${legendX}, data up to ${maxX}`);
  const xs = findAll(node, (n) => hasClass(n, 'x-tick')).map((t) => (t.children[1] as { children: string[] }).children[0]);
  assert.deepEqual(xs, ['1', '2', '3'], 'whole steps only');
});

test('stacked histogram: per-iteration bars add up per bin, coloured by iteration, with a legend', async () => {
  const { stackedHistogram } = await import('../../../remote/charts');
  const node = stackedHistogram(binEdges(0, 5, 5), [{ name: 'iteration 1', cls: 'series-1', values: [0.5, 1.5, 1.5] }, { name: 'iteration 2', cls: 'series-2', values: [1.5, 4.5] }]);
  const bars = findAll(node, (n) => hasClass(n, 'bar'));
  assert.deepEqual(bars.map((b) => [b.attrs['data-series'], b.attrs['data-x0'], b.attrs['data-count']]), [['iteration 1', 0, 1], ['iteration 1', 1, 2], ['iteration 2', 1, 1], ['iteration 2', 4, 1]]);
  const [lower, upper] = bars.filter((b) => b.attrs['data-x0'] === 1);
  assert.equal(Math.round(Number(upper.attrs.y) + Number(upper.attrs.height)), Math.round(Number(lower.attrs.y)), 'stacked: the second sits on the first');
  assert.equal(findAll(node, (n) => hasClass(n, 'legend-item')).length, 2);
});
