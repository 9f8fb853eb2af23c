import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { RunEvent } from '../../remote/protocol';
import { deliver, openWebview, pageErrors, posted, screenshot, webviewState } from '../helpers/browser';
import { eventStream } from '../fixtures/dashboardEvents';
import { streamEvents } from '../fixtures/dashboardPage';
import type { DashboardState, WebviewMessage } from '../../webview/dashboard/protocol';

const events = eventStream({ iterations: 2, promptsPerIteration: 20, n: 4, k: 3, finishLast: false });
const candidates = events.filter((e) => e.type === 'candidate').length;
/** Candidate mean scores computed here from the raw judgments (independently of the webview code). */
function candidateScores(): Map<string, { score: number | null; failures: number; iteration: number }> {
  const m = new Map<string, { sum: number; n: number; failures: number; iteration: number }>();
  for (const e of events) {
    if (e.type !== 'judgment') continue;
    const r = e.record;
    const x = m.get(r.candidateId) ?? { sum: 0, n: 0, failures: 0, iteration: r.iteration };
    if (r.score !== null) (x.sum += r.score), x.n++;
    if (!r.parseOk) x.failures++;
    m.set(r.candidateId, x);
  }
  return new Map([...m].map(([k, x]) => [k, { score: x.n ? x.sum / x.n : null, failures: x.failures, iteration: x.iteration }]));
}

const stream = (page: Page, evs: RunEvent[], batch = 100): Promise<void> => streamEvents(page, evs, batch);

const count = async (page: Page, sel: string): Promise<number> => page.locator(sel).count();
const text = async (page: Page, sel: string): Promise<string> => (await page.locator(sel).first().textContent()) ?? '';
async function waitCount(page: Page, expected: string): Promise<void> {
  await page.waitForFunction((t) => document.querySelector('.feed-count')?.textContent === t, expected, { timeout: 5000 });
}
async function setDropdown(page: Page, id: string, value: string): Promise<void> {
  await page.evaluate(
    ([id, value]) => {
      const el = document.getElementById(id) as HTMLElement & { value: string };
      el.value = value;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    [id, value],
  );
}
/** Let the chart throttle (400 ms) pass. */
const settle = (page: Page): Promise<void> => page.waitForTimeout(550);

test('renders streamed events: stages, iteration table, feed, charts with expected counts', async () => {
  const page = await openWebview('dashboard', { height: 1400 });
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  const ready = (await posted<WebviewMessage>(page))[0];
  assert.deepEqual(ready, { type: 'ready', afterSeq: 0 });
  await stream(page, events, 97);
  await waitCount(page, `${events.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length} of ${events.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length}`);
  await settle(page);
  assert.equal(await count(page, '.iteration'), 2);
  // stage counts in each stage's unit (remote/counts.ts): the judgments stage counts candidates judged, and says
  // how many judge samples that was; a running training shows its step
  const it1 = events.filter((e) => e.type === 'judgment' && e.record.iteration === 1).map((e) => (e as Extract<RunEvent, { type: 'judgment' }>).record);
  const judged1 = new Set(it1.map((j) => j.candidateId)).size;
  assert.equal(await text(page, '#iteration-1 .stage[data-stage=judgments] .stage-counts'), `${judged1} candidates judged · ${it1.length} judge samples · ${it1.filter((j) => !j.parseOk).length} unparsed`);
  const pairs2 = events.filter((e) => e.type === 'pair' && e.record.iteration === 2).length;
  assert.equal(await text(page, '#iteration-2 .stage[data-stage=training] .stage-counts'), `step 5/10 · ${pairs2} pairs in`);
  assert.match(await text(page, '#iteration-2 .stage[data-stage=training] .stage-eta'), /ETA 5s/);
  assert.equal(await page.getAttribute('#iteration-2 .stage[data-stage=training] .bar', 'aria-valuenow'), '50');
  assert.equal(await text(page, '#iteration-1 .stage[data-stage=training] .stage-counts'), `${events.filter((e) => e.type === 'pair' && e.record.iteration === 1).length} trained · 0 excluded`);
  assert.equal(await text(page, '#iteration-2 .stage[data-stage=review] .stage-counts'), 'not started', 'a running iteration shows what is still to come');
  assert.equal(await count(page, '#iteration-1 .stage[data-stage=review]'), 0, 'an ended iteration leaves out the stages it never ran');
  assert.equal(await text(page, '#iteration-1 .rubric'), 'rubric v1');
  // models by name; paths in the tooltip
  assert.equal(await text(page, '#iteration-1 .model'), 'M1 → M2');
  assert.match((await page.getAttribute('#iteration-1 .model', 'title')) ?? '', /M2: sim-m2 \(at \/runs\/run-1\/iterations\/1\/train\/output/);
  // iteration table: finished iteration from its summary (the shared count labels), the running one live
  assert.equal(await count(page, '.iteration-table tbody tr'), 2);
  const row1 = await page.locator('.iteration-table tr[data-iteration="1"] td').allTextContents();
  const summary1 = events.find((e) => e.type === 'iteration.finished' && e.iteration === 1) as Extract<RunEvent, { type: 'iteration.finished' }>;
  assert.deepEqual(row1.slice(0, 4), ['1', 'done', 'M1 → M2', 'v1']);
  const cell = (it: number, key: string) => text(page, `.iteration-table tr[data-iteration="${it}"] td[data-count="${key}"]`);
  assert.equal(await cell(1, 'judgments'), String(it1.length));
  assert.equal(await cell(1, 'pairs'), String(summary1.summary.pairs));
  assert.equal(await cell(1, 'trainedPairs'), String(summary1.summary.trainedPairs));
  assert.equal(await text(page, '.iteration-table th[data-count="judgments"]'), 'judge samples');
  assert.equal(await page.getAttribute('.iteration-table tr[data-iteration="2"]', 'class'), 'live');
  assert.equal(await cell(2, 'pairs'), String(pairs2));
  assert.equal(await cell(2, 'judgments'), String(events.filter((e) => e.type === 'judgment' && e.record.iteration === 2).length));
  assert.equal(await cell(2, 'trainedPairs'), '–', 'not known before training ends');
  // trend row: one point per finished iteration and series
  assert.equal(await page.getAttribute('[data-trend=score]', 'data-points'), '2');
  assert.equal(await page.getAttribute('[data-trend=pairs]', 'data-points'), '3');
  // charts: the histogram's stacked bars add up to the scored candidates, per iteration; one dot per scored candidate
  const scored = [...candidateScores().values()].filter((c) => c.score !== null).length;
  const bars = await page.locator('[data-chart=histogram] rect.bar').evaluateAll((els) => els.map((e) => [e.getAttribute('data-series'), Number(e.getAttribute('data-count'))] as [string, number]));
  assert.equal(bars.reduce((a, b) => a + b[1], 0), scored);
  assert.deepEqual([...new Set(bars.map((b) => b[0]))].sort(), ['iteration 1', 'iteration 2']);
  assert.equal(await count(page, '[data-chart=scatter] circle.point'), scored);
  assert.equal(await count(page, '[data-chart=scatter] circle.point.parse-failure'), [...candidateScores().values()].filter((c) => c.score !== null && c.failures > 0).length);
  assert.equal(await count(page, '[data-chart=scatter] .legend-item'), 3, 'two iterations and the parse-failure ring explained');
  const lossLines = await page.locator('[data-chart=loss] polyline').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-points'))));
  assert.deepEqual(lossLines, [10, 5]);
  assert.equal(await count(page, '[data-chart=rewardsAccuracies] polyline'), 2);
  // the chips are the charts' iteration filter
  await page.click('.iteration-chips .chip[data-iteration="1"]');
  await settle(page);
  const shown = await page.locator('[data-chart=histogram] rect.bar').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-series')))]);
  assert.deepEqual(shown, ['iteration 2']);
  assert.equal(await count(page, '[data-chart=loss] polyline'), 1);
  assert.deepEqual((await webviewState<DashboardState>(page)).hiddenIterations, [1]);
  await page.click('.iteration-chips .chip[data-iteration="1"]');
  await settle(page);
  // x axis of the scatter reaches the longest answer
  const maxChars = Math.max(...events.flatMap((e) => (e.type === 'candidate' ? [e.record.chars] : [])));
  const xTicks = await page.locator('[data-chart=scatter] .x-tick text').allTextContents();
  assert.ok(Number(xTicks[xTicks.length - 1]) >= maxChars, `ticks ${xTicks} cover ${maxChars}`);
  // details of a candidate show its K judge samples with justifications
  await setDropdown(page, 'filter-kind', 'candidate');
  await waitCount(page, `${candidates} of ${events.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length}`);
  await page.click('.feed-row >> nth=0');
  assert.equal(await count(page, '.feed-details .detail-judgment'), 3);
  assert.match(await text(page, '.feed-details'), /The response is relevant and clear/);
  assert.match(await text(page, '.feed-details'), /Explain topic number 0/);
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('filters: iteration, stage, score range, parse failures, text search — list and charts follow', async () => {
  const page = await openWebview('dashboard');
  await stream(page, events, 500);
  const total = events.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length;
  await waitCount(page, `${total} of ${total}`);
  const scores = [...candidateScores().values()];

  await setDropdown(page, 'filter-kind', 'candidate');
  await waitCount(page, `${candidates} of ${total}`);
  await page.fill('#filter-min input', '3');
  const atLeast3 = scores.filter((c) => c.score !== null && c.score >= 3).length;
  await waitCount(page, `${atLeast3} of ${total}`);
  await page.fill('#filter-max input', '4');
  const in34 = scores.filter((c) => c.score !== null && c.score >= 3 && c.score <= 4).length;
  await waitCount(page, `${in34} of ${total}`);
  await settle(page);
  const bars = await page.locator('[data-chart=histogram] rect.bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
  assert.equal(bars.reduce((a, b) => a + b, 0), in34, 'the histogram shows the filtered candidates');
  assert.equal(await count(page, '[data-chart=scatter] circle.point'), in34);

  await setDropdown(page, 'filter-iteration', '2');
  await waitCount(page, `${scores.filter((c) => c.iteration === 2 && c.score !== null && c.score >= 3 && c.score <= 4).length} of ${total}`);
  await page.fill('#filter-min input', '');
  await page.fill('#filter-max input', '');
  await page.click('#filter-failures');
  await waitCount(page, `${scores.filter((c) => c.iteration === 2 && c.failures > 0).length} of ${total}`);
  const rowsShown = await page.locator('.feed-row').evaluateAll((els) => els.map((e) => e.className));
  assert.ok(rowsShown.length > 0 && rowsShown.every((c) => c.includes('has-failures') && c.includes('kind-candidate')));
  await page.click('#filter-failures');
  await setDropdown(page, 'filter-iteration', 'all');
  await setDropdown(page, 'filter-kind', 'all');
  await page.fill('#filter-text input', 'TOPIC NUMBER 7 ');
  await waitCount(page, `${events.filter((e) => (e.type === 'prompt' && e.record.text.includes('topic number 7 ')) || (e.type === 'pair' && e.record.chosen.text.includes('topic number 7 '))).length} of ${total}`);
  // the filter is part of the saved state
  const st = await webviewState<DashboardState>(page);
  assert.equal(st.filters.text, 'TOPIC NUMBER 7 ');
  assert.equal(st.filters.kind, undefined);
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('restore from state: filters, scroll and selection come back; it asks for events after seq 0 of its run', async () => {
  const state: DashboardState = { runId: 'run-1', filters: { kind: 'candidate', iteration: 1 }, scrollTop: 44 * 30, selectedId: 'c1-8-2', iteration: 1 };
  const page = await openWebview('dashboard', { state });
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  assert.deepEqual((await posted<WebviewMessage>(page))[0], { type: 'ready', runId: 'run-1', afterSeq: 0 });
  await stream(page, events, 1000);
  const total = events.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length;
  await waitCount(page, `${events.filter((e) => e.type === 'candidate' && e.record.iteration === 1).length} of ${total}`);
  await page.waitForFunction(() => document.querySelector('.feed-list')!.scrollTop === 44 * 30);
  await page.waitForSelector('.feed-row.selected[data-id="c1-8-2"]');
  assert.match(await text(page, '.feed-details .detail-head'), /candidate c1-8-2/);
  assert.equal(await page.evaluate(() => (document.getElementById('filter-kind') as HTMLElement & { value: string }).value), 'candidate');
  assert.equal(await page.evaluate(() => (document.getElementById('filter-iteration') as HTMLElement & { value: string }).value), '1');
  assert.ok(await page.locator('#iteration-1.focused').count());
  // a later `ready` (page visible again) carries the seq it has drawn
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  const last = (await posted<WebviewMessage>(page)).at(-1);
  assert.deepEqual(last, { type: 'ready', runId: 'run-1', afterSeq: events[events.length - 1].seq });
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('virtualised feed: 20k rows keep a few dozen row elements; scrolling reaches the last row; reveal focuses an iteration', async () => {
  const big = eventStream({ iterations: 1, promptsPerIteration: 2500, n: 8, k: 1, trainSteps: 2 });
  const page = await openWebview('dashboard');
  await stream(page, big, 5000);
  const total = big.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length;
  await waitCount(page, `${total} of ${total}`);
  assert.ok(total > 20000);
  assert.ok((await count(page, '.feed-row')) < 60, 'only visible rows are in the DOM');
  await page.evaluate(() => {
    const l = document.querySelector('.feed-list')!;
    l.scrollTop = l.scrollHeight;
  });
  await page.waitForFunction((n) => !!document.querySelector(`.feed-row[data-index="${n - 1}"]`), total);
  assert.ok((await count(page, '.feed-row')) < 60);
  await page.click('#btn-start');
  await deliver(page, { type: 'reveal', iteration: 1 });
  assert.equal(await count(page, '#iteration-1.focused'), 1);
  const msgs = await posted<WebviewMessage>(page);
  assert.deepEqual(msgs.filter((m) => m.type === 'command'), [{ type: 'command', command: 'startIteration' }]);
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('light, dark and high-contrast screenshots', async () => {
  for (const theme of ['light', 'dark', 'hc'] as const) {
    const page = await openWebview('dashboard', { theme, height: 1500 });
    await stream(page, events, 1000);
    await settle(page);
    await page.click('.feed-row >> nth=5');
    // text and background differ in every theme (the variables reached the page)
    const [fg, bg] = await page.evaluate(() => [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]);
    assert.notEqual(fg, bg);
    const file = await screenshot(page, `dashboard-${theme}`);
    assert.ok(file.endsWith(`dashboard-${theme}.png`));
    assert.deepEqual(pageErrors(page), []);
    await page.context().close();
  }
});

test('review gate: a waiting iteration says training waits for the review; the notice goes once the review completes', async () => {
  const page = await openWebview('dashboard');
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  const evs = eventStream({ iterations: 1, promptsPerIteration: 6, n: 4, k: 3, finishLast: false });
  const last = evs[evs.length - 1].seq;
  const pairs = evs.filter((e) => e.type === 'pair').length;
  const ts = new Date().toISOString();
  await stream(page, [...evs, { seq: last + 1, ts, type: 'review.waiting', iteration: 1, pairs }]);
  await page.waitForSelector('#iteration-1 .gate-notice');
  assert.match(await text(page, '#iteration-1 .gate-notice'), new RegExp(`Review gate: training waits until the ${pairs} pairs are reviewed`));
  assert.equal(await text(page, '#iteration-1 .status'), 'waiting');
  await stream(page, [{ seq: last + 2, ts, type: 'review.completed', iteration: 1, accepted: pairs - 1, rejected: 1 }]);
  await page.waitForSelector('#iteration-1 .gate-notice', { state: 'detached' });
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('Stop says "stopping…" at once, before the agent confirms; buttons that need the agent are off while offline', async () => {
  const page = await openWebview('dashboard');
  await stream(page, events, 1000);
  await page.waitForSelector('#iteration-2 .status');
  assert.equal(await text(page, '.run-status'), 'running');
  await page.click('#btn-stop');
  // no message from the host yet: the page itself shows it
  assert.equal(await text(page, '.run-status'), 'stopping…');
  assert.equal(await text(page, '#iteration-2 .status'), 'stopping…');
  assert.equal(await text(page, '#iteration-2 .stage[data-stage=training] .stage-eta'), 'stopping…');
  assert.equal(await page.getAttribute('#btn-stop', 'disabled'), '');
  assert.deepEqual((await posted<WebviewMessage>(page)).filter((m) => m.type === 'command'), [{ type: 'command', command: 'stopIteration' }]);
  const last = events[events.length - 1].seq;
  await deliver(page, { type: 'events', runId: 'run-1', events: [{ seq: last + 1, ts: new Date().toISOString(), type: 'iteration.stopped', iteration: 2, stage: 'training' }] });
  await page.waitForFunction(() => document.querySelector('.run-status')?.textContent === 'idle');
  assert.equal(await text(page, '#iteration-2 .status'), 'stopped');
  // offline: Start, Stop and Review Pairs need the agent
  await deliver(page, { type: 'link', connected: false, label: 'gpu' });
  await page.waitForFunction(() => document.getElementById('btn-start')?.hasAttribute('disabled'));
  assert.match(await text(page, '.run-status'), /offline/);
  assert.equal(await page.getAttribute('#btn-review', 'title'), 'Not connected to the agent');
  await deliver(page, { type: 'link', connected: true, label: 'gpu' });
  await page.waitForFunction(() => !document.getElementById('btn-start')?.hasAttribute('disabled'));
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});

test('a stop asked elsewhere shows "stopping…" from the host message', async () => {
  const page = await openWebview('dashboard');
  await stream(page, events, 1000);
  await page.waitForSelector('#iteration-2 .status');
  await deliver(page, { type: 'stopping', iteration: 2 });
  await page.waitForFunction(() => document.querySelector('.run-status')?.textContent === 'stopping…');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();
});
