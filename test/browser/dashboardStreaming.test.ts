/**
 * The dashboard applies streamed events in slices, frame by frame (webview/dashboard/main.ts BUDGET), so a large
 * batch never blocks the page: here with a zero ingest budget (exactly one slice per frame) the page is drawn between
 * slices, ends exactly where a page that applies everything at once ends, and reports what it has received (queued
 * or applied) when it asks for a catch-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openWebview, pageErrors, posted } from '../helpers/browser';
import { baseSnapshot, eventStream } from '../fixtures/dashboardEvents';
import { deliverJson } from '../fixtures/dashboardPage';
import type { WebviewMessage } from '../../webview/dashboard/protocol';

const events = eventStream({ iterations: 2, promptsPerIteration: 40, n: 4, k: 3 });
const rows = events.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length;
/** candidates with at least one parsed judge score (the histogram counts them) */
const scored = new Set(events.flatMap((e) => (e.type === 'judgment' && e.record.score !== null ? [e.record.candidateId] : []))).size;

/** What the page shows once everything is applied: feed count, stage lines, the table, the histogram's bars. */
async function picture(page: Page): Promise<unknown> {
  await page.waitForFunction((n) => document.querySelector('.feed-count')?.textContent === `${n} of ${n}` && document.querySelectorAll('.iteration-table tr.final').length === 2, rows, { timeout: 60_000 });
  // charts redraw at most every 400 ms and are drawn in slices: wait until they show every scored candidate
  await page.waitForFunction((n) => document.querySelector('[data-chart=histogram] .chart-title')?.textContent === `Judge scores (${n} candidates)`, scored, { timeout: 60_000 });
  return page.evaluate(() => ({
    feed: document.querySelector('.feed-count')!.textContent,
    stages: [...document.querySelectorAll('.stage-counts')].map((e) => e.textContent),
    table: [...document.querySelectorAll('.iteration-table tr')].map((e) => e.textContent),
    bars: [...document.querySelectorAll('[data-chart=histogram] rect.bar')].map((e) => `${e.getAttribute('data-series')}:${e.getAttribute('data-count')}`),
    points: document.querySelectorAll('[data-chart=scatter] circle.point').length,
    status: document.querySelector('.run-status')!.textContent,
  }));
}

test('a large batch is applied a slice per frame, drawn between slices, and ends where applying it at once ends', async () => {
  const sliced = await openWebview('dashboard', { height: 1400, globals: { __selfrewardDashboardBudget: { ingestMs: 0 } } });
  await sliced.evaluate('window.__name = (f) => f');
  await sliced.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __counts: string[] }).__counts = seen;
    const watch = (): void => {
      const t = document.querySelector('.feed-count')?.textContent;
      if (t && t !== seen[seen.length - 1]) seen.push(t);
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  });
  await deliverJson(sliced, { type: 'init', runId: 'run-1', label: 'local', snapshot: baseSnapshot() });
  // One message with every event; `ready` sent in the same task reports the last seq received though none is applied.
  const before = await sliced.evaluate((s) => {
    (window as unknown as { __deliver: (m: unknown) => void }).__deliver(JSON.parse(s));
    document.dispatchEvent(new Event('visibilitychange'));
    return document.querySelector('.feed-count')?.textContent;
  }, JSON.stringify({ type: 'events', runId: 'run-1', events }));
  assert.equal(before, '0 of 0', 'nothing is applied inside the message handler');
  assert.deepEqual((await posted<WebviewMessage>(sliced)).at(-1), { type: 'ready', runId: 'run-1', afterSeq: events[events.length - 1].seq });
  const slicedPicture = await picture(sliced);
  const counts = await sliced.evaluate(() => (window as unknown as { __counts: string[] }).__counts);
  // 200 events per slice: the feed count was drawn at many intermediate values on its way up
  assert.ok(counts.length >= Math.floor(events.length / 200 / 2), `${counts.length} distinct counts drawn for ${events.length} events`);
  assert.deepEqual(pageErrors(sliced), []);
  await sliced.context().close();

  const atOnce = await openWebview('dashboard', { height: 1400, globals: { __selfrewardDashboardBudget: { ingestMs: 1e9, frameMs: 1e9, sectionIntervalMs: 0 } } });
  await deliverJson(atOnce, { type: 'init', runId: 'run-1', label: 'local', snapshot: baseSnapshot() });
  await deliverJson(atOnce, { type: 'events', runId: 'run-1', events });
  assert.deepEqual(slicedPicture, await picture(atOnce));
  assert.deepEqual(pageErrors(atOnce), []);
  await atOnce.context().close();
});
