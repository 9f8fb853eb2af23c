import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PreviewResult, PreviewSample } from '../../remote/protocol';
import type { RubricHostMessage } from '../../webview/rubric/protocol';
import { deliver, openWebview, pageErrors, posted, screenshot } from '../helpers/browser';

const samples: PreviewSample[] = [
  { id: 'p1', prompt: 'Explain what a hash map is.', answer: 'A hash map stores key-value pairs in buckets chosen by a hash of the key…', baselineScore: 3 },
  { id: 'p2', prompt: 'Write a haiku about <script>alert(1)</script> autumn.', answer: 'Leaves fall <b>quietly</b>…', baselineScore: 4 },
  // one labelled group: people rank l1 > l2 > l3
  { id: 'l1', prompt: 'How do I boil an egg?', answer: 'Put it in boiling water for 7–9 minutes, then cool it in cold water.', humanRank: 1, group: 'egg' },
  { id: 'l2', prompt: 'How do I boil an egg?', answer: 'Boil it.', humanRank: 2, group: 'egg' },
  { id: 'l3', prompt: 'How do I boil an egg?', answer: 'Eggs are a good source of protein.', humanRank: 3, group: 'egg' },
];

const res = (previewId: string, sampleId: string, sample: number, score: number | null): PreviewResult => ({
  previewId, sampleId, sample, score, parseOk: score !== null,
  text: score === null ? 'The answer is fine I guess.' : `The response earns points 1-${score}.\nScore: ${score}`,
});

test('rubric preview: rows stream in, deltas, summary, A/B against human ranks, stale results ignored', async () => {
  const page = await openWebview('rubric', { theme: 'dark', width: 1280, height: 900 });
  const send = (m: RubricHostMessage): Promise<void> => deliver(page, m);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  assert.deepEqual(await posted(page), [{ type: 'ready' }]);

  await send({ type: 'set', samples, k: 3, setLabel: 'Pinned + builtin:labelled', rubricVersion: 2 });
  assert.equal(await page.locator('#rows tbody tr').count(), 5);
  // the prompt with markup is shown as text, never parsed
  assert.equal(await page.locator('script').count(), 2);
  assert.match(await page.locator('tr[data-sample="p2"] .prompt').textContent() ?? '', /<script>alert\(1\)<\/script>/);

  // baseline run (rubric in use) for the labelled samples: in-use scores 2, 3, 4 → reversed from people's order
  await send({ type: 'start', role: 'baseline', previewId: 'b1', k: 1 });
  await send({ type: 'results', role: 'baseline', results: [res('b1', 'l1', 0, 2), res('b1', 'l2', 0, 3), res('b1', 'l3', 0, 4)] });
  await send({ type: 'done', role: 'baseline', previewId: 'b1', cancelled: false });

  await send({ type: 'start', role: 'draft', previewId: 'd1', k: 3 });
  // first batch: only part of the scores
  await send({ type: 'results', role: 'draft', results: [res('d1', 'p1', 0, 4), res('d1', 'p1', 1, 5)] });
  assert.equal((await page.locator('tr[data-sample="p1"] .draft').textContent())?.trim(), '4.50');
  assert.match(await page.locator('#status').textContent() ?? '', /2\/15 scores/);
  assert.equal(await page.locator('tr[data-sample="p1"] .chip.pending').count(), 1);

  // a stale result of an older preview must not change anything
  await send({ type: 'results', role: 'draft', results: [res('d0', 'p2', 0, 0)] });
  assert.equal((await page.locator('tr[data-sample="p2"] .draft').textContent())?.trim(), '–');

  await send({ type: 'results', role: 'draft', results: [
    res('d1', 'p1', 2, 3), res('d1', 'p2', 0, 3), res('d1', 'p2', 1, null), res('d1', 'p2', 2, 3),
    res('d1', 'l1', 0, 5), res('d1', 'l1', 1, 5), res('d1', 'l1', 2, 4),
    res('d1', 'l2', 0, 3), res('d1', 'l2', 1, 3), res('d1', 'l2', 2, 3),
    res('d1', 'l3', 0, 1), res('d1', 'l3', 1, 2), res('d1', 'l3', 2, null),
  ] });
  await send({ type: 'done', role: 'draft', previewId: 'd1', cancelled: false });

  const cell = async (id: string, cls: string): Promise<string> => ((await page.locator(`tr[data-sample="${id}"] .${cls}`).textContent()) ?? '').trim();
  // p1: draft mean (4+5+3)/3 = 4.00 vs baseline 3 → +1.00; p2: (3+3)/2 = 3.00 vs 4 → −1.00, one parse failure
  assert.equal(await cell('p1', 'draft'), '4.00');
  assert.equal(await cell('p1', 'delta .d'), '+1.00');
  assert.equal(await page.locator('tr[data-sample="p1"] .delta.up').count(), 1);
  assert.equal(await cell('p2', 'delta .d'), '-1.00');
  assert.equal(await page.locator('tr[data-sample="p2"] .chip.fail').count(), 1);
  assert.match(await cell('p2', 'fails'), /1 parse failure/);
  // l1: 14/3 = 4.67 vs 2 → +2.67
  assert.equal(await cell('l1', 'draft'), '4.67');
  assert.equal(await cell('l1', 'baseline'), '2.00');
  assert.equal(await cell('l1', 'delta .d'), '+2.67');

  // summary: draft means 4, 3, 14/3, 3, 1.5 → mean 16.1667/5 = 3.2333; parse failures 2/15 = 13.3 %
  assert.equal((await page.locator('#mean .value').textContent())?.trim(), '3.23');
  assert.equal((await page.locator('#parse .value').textContent())?.trim(), '13.3 %');
  const means = [4, 3, 14 / 3, 3, 1.5];
  const m = means.reduce((a, b) => a + b, 0) / means.length;
  const sd = Math.sqrt(means.reduce((a, x) => a + (x - m) ** 2, 0) / means.length);
  assert.equal((await page.locator('#spread .value').textContent())?.trim(), sd.toFixed(2));
  // A/B: in use orders the group exactly backwards (0 %, τ = −1); the draft exactly right (100 %, τ = 1)
  const ab = await page.locator('#ab tbody tr').allTextContents();
  assert.equal(ab.length, 2);
  assert.match(ab[0], /Pairwise accuracy\s*0\.0 %\s*100\.0 %\s*\+100\.0 pt/);
  assert.match(ab[1], /Kendall τ-b\s*-1\.000\s*1\.000\s*\+2\.00/);
  assert.match(await page.locator('#status').textContent() ?? '', /Draft judged: 15\/15 scores, 2 parse failures/);

  await page.locator('#use-rubric').click();
  assert.deepEqual((await posted(page)).slice(-1), [{ type: 'useRubric' }]);
  await screenshot(page, 'rubric-preview-dark');

  // a new draft run clears the old draft scores (rows return to pending), baseline stays
  await send({ type: 'start', role: 'draft', previewId: 'd2', k: 3 });
  assert.equal(await cell('p1', 'draft'), '–');
  assert.equal(await cell('l1', 'baseline'), '2.00');
  await send({ type: 'done', role: 'draft', previewId: 'd2', cancelled: false, error: 'model server unreachable' });
  assert.match(await page.locator('#status').textContent() ?? '', /Preview failed: model server unreachable/);
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('rubric preview in the light theme with an empty set says how to add samples', async () => {
  const page = await openWebview('rubric', { theme: 'light', width: 900, height: 500 });
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  assert.equal(await page.locator('#empty').isVisible(), true);
  await deliver(page, { type: 'set', samples: samples.slice(0, 2), k: 2, setLabel: 'Pinned' } satisfies RubricHostMessage);
  assert.equal(await page.locator('#empty').isVisible(), false);
  assert.equal(await page.locator('#ab').count(), 0, 'no A/B without labelled samples');
  // rubric errors from the editor block "Use for Next Iteration"
  await deliver(page, { type: 'lint', problems: [{ severity: 'error', message: 'The rubric has no {{response}} placeholder' }, { severity: 'warning', message: 'No Score: line' }] } satisfies RubricHostMessage);
  assert.equal(await page.locator('#use-rubric').isDisabled(), true);
  assert.deepEqual(await page.locator('#lint li').allTextContents(), ['The rubric has no {{response}} placeholder', 'No Score: line']);
  assert.equal(await page.locator('#lint li.error').count(), 1);
  await screenshot(page, 'rubric-preview-light-lint');
  await deliver(page, { type: 'lint', problems: [] } satisfies RubricHostMessage);
  assert.equal(await page.locator('#use-rubric').isDisabled(), false);
  await page.locator('#choose-set').click();
  assert.deepEqual((await posted(page)).slice(-1), [{ type: 'chooseSet' }]);
  await screenshot(page, 'rubric-preview-light');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('rubric preview noise: deltas within the judge\'s sampling noise are marked, the mean delta carries its band, More samples is one click', async () => {
  const page = await openWebview('rubric', { theme: 'light', width: 1200, height: 900 });
  const send = (m: RubricHostMessage): Promise<void> => deliver(page, m);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  // in-use scores (means of K = 3 judge samples in run "demo"); the draft moves five answers a little and one a lot
  const base = [3, 4, 2, 3, 4, 4];
  const draft = [[3, 4, 3], [4, 4, 3], [2, 3, 2], [3, 3, 4], [4, 5, 4], [1, 1, 2]];
  const set: PreviewSample[] = base.map((b, i) => ({ id: `s${i}`, prompt: `Question ${i}?`, answer: `Answer ${i}.`, baselineScore: b }));
  await send({ type: 'set', samples: set, k: 3, setLabel: 'Pinned', rubricVersion: 1, runName: 'demo', baselineK: 3 });
  await send({ type: 'start', role: 'draft', previewId: 'd1', k: 3 });
  await send({ type: 'results', role: 'draft', results: draft.flatMap((xs, i) => xs.map((x, j) => res('d1', `s${i}`, j, x))) });
  await send({ type: 'done', role: 'draft', previewId: 'd1', cancelled: false });
  assert.equal(await page.locator('#compare').textContent(), 'Compares the draft with rubric v1 in use by run “demo”.');
  // pooled σ over the six answers (each: 3 samples, 2 degrees of freedom)
  const ss = draft.reduce((a, xs) => { const m = xs.reduce((p, q) => p + q, 0) / 3; return a + xs.reduce((p, x) => p + (x - m) ** 2, 0); }, 0);
  const sigma = Math.sqrt(ss / 12);
  const band = 1.96 * sigma * Math.sqrt(1 / 3 + 1 / 3);
  assert.match(await page.locator('#noise-note').textContent() ?? '', new RegExp(`σ = ${sigma.toFixed(2)} per judge sample, K = 3`));
  for (let i = 0; i < 6; i++) {
    const delta = draft[i].reduce((a, b) => a + b, 0) / 3 - base[i];
    const td = page.locator(`tr[data-sample="s${i}"] td.delta`);
    assert.equal((await td.locator('.ci').textContent())?.trim(), `±${band.toFixed(2)}`);
    assert.equal(await td.evaluate((el) => el.classList.contains('noise')), Math.abs(delta) <= band, `s${i}: Δ ${delta.toFixed(2)} vs band ${band.toFixed(2)}`);
  }
  assert.equal(await page.locator('td.delta.noise').count(), 5);
  assert.equal(await page.locator('td.delta.down:not(.noise)').count(), 1, 'the real drop stands out');
  assert.equal((await page.locator('#changed .value').textContent())?.trim(), '↑0 ↓1');
  assert.match(await page.locator('#changed').textContent() ?? '', /5 within noise/);
  // mean Δ with its paired band
  const deltas = draft.map((xs, i) => xs.reduce((a, b) => a + b, 0) / 3 - base[i]);
  const md = deltas.reduce((a, b) => a + b, 0) / 6;
  const se = Math.sqrt(deltas.reduce((a, x) => a + (x - md) ** 2, 0) / 5 / 6);
  assert.equal((await page.locator('#delta .value').textContent())?.trim(), `${md > 0 ? '+' : ''}${md.toFixed(2)} ±${(1.96 * se).toFixed(2)}`);
  assert.match(await page.locator('#delta').textContent() ?? '', Math.abs(md) <= 1.96 * se ? /within noise/ : /beyond noise/);
  // More samples: one click, K doubles
  assert.match(await page.locator('#more-samples').textContent() ?? '', /K 3 → 6/);
  await page.locator('#more-samples').click();
  assert.deepEqual((await posted(page)).slice(-1), [{ type: 'moreSamples' }]);
  await screenshot(page, 'rubric-preview-noise');
  // half width: every sample is a card; the justification is not clipped
  await page.setViewportSize({ width: 560, height: 900 });
  const display = await page.locator('tr[data-sample="s0"]').evaluate((el) => getComputedStyle(el).display);
  assert.equal(display, 'grid');
  const just = await page.locator('tr[data-sample="s0"] td.justification').boundingBox();
  assert.ok(just && just.width > 400, `justification ${just?.width}px wide at half width`);
  await screenshot(page, 'rubric-preview-half-width');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});
