/**
 * 100 hostile model outputs in every text the dashboard shows (feed rows, details, stage blocks, iteration table,
 * title, message line): nothing executes. Each payload would set window.__pwned if it ran; no CSP violation may
 * even be attempted (text never becomes markup), and every payload must appear verbatim as text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../remote/protocol';
import { openWebview, pageErrors } from '../helpers/browser';
import { baseSnapshot, eventStream } from '../fixtures/dashboardEvents';
import { deliverJson, streamEvents } from '../fixtures/dashboardPage';

const TEMPLATES: ((id: number) => string)[] = [
  (i) => `<script>window.__pwned=${i}</script>`,
  (i) => `<img src=x onerror="window.__pwned=${i}">`,
  (i) => `<svg onload="window.__pwned=${i}"><circle r=5 /></svg>`,
  (i) => `<a href="javascript:window.__pwned=${i}">click me</a>`,
  (i) => `<iframe srcdoc="<script>parent.__pwned=${i}</script>"></iframe>`,
  (i) => `<style>body{background:url("javascript:window.__pwned=${i}")}</style>`,
  (i) => `" onmouseover="window.__pwned=${i}" data-x="`,
  (i) => `'><script>window.__pwned=${i}</script><'`,
  (i) => `</div></textarea><script>window.__pwned=${i}</script>`,
  (i) => `<details open ontoggle="window.__pwned=${i}">x</details>`,
  (i) => `<input autofocus onfocus="window.__pwned=${i}">`,
  (i) => `<video><source onerror="window.__pwned=${i}"></video>`,
  (i) => `<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=${i}">`,
  (i) => `{{constructor.constructor('window.__pwned=${i}')()}}`,
  (i) => `\${window.__pwned=${i}}`,
  (i) => `<object data="javascript:window.__pwned=${i}"></object>`,
  (i) => `<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=${i}">`,
  (i) => `</style><style>*{display:none!important}</style><base href="javascript:window.__pwned=${i}//">`,
  (i) => `<form><button formaction="javascript:window.__pwned=${i}">go</button></form>`,
  (i) => `<body onload="window.__pwned=${i}"><marquee onstart="window.__pwned=${i}">`,
];
const WRAPS: ((s: string) => string)[] = [
  (s) => s,
  (s) => `\u202E${s}\u202C gnp.exe`,
  (s) => `Sure! Here is the answer:\n\`\`\`html\n${s}\n\`\`\`\n[link](javascript:window.__pwned=1)`,
  (s) => `\u200B${s.replace(/</g, '<\u0000')}${s}`,
  (s) => `&lt;${s}&gt; <!-- ${s} --> <![CDATA[${s}]]>`,
];
export const PAYLOADS: string[] = WRAPS.flatMap((w, wi) => TEMPLATES.map((t, ti) => w(t(wi * TEMPLATES.length + ti + 1))));

test('100 hostile model outputs rendered in every view execute nothing', async () => {
  assert.equal(PAYLOADS.length, 100);
  const pick = (i: number): string => PAYLOADS[i % PAYLOADS.length];
  const hostileModel = (t: number): string => pick(40 + t);
  const events: RunEvent[] = eventStream({ iterations: 2, promptsPerIteration: 25, n: 4, k: 2, failEvery: 3, finishLast: false, text: (_k, i) => pick(i), runName: pick(7), modelName: hostileModel });
  let seq = events[events.length - 1].seq;
  const extra = (b: Record<string, unknown>): RunEvent => ({ seq: ++seq, ts: '2026-01-01T00:00:00Z', ...b }) as RunEvent;
  events.push(
    extra({ type: 'error', message: pick(3), iteration: 2, stage: 'judgments' }),
    extra({ type: 'candidate', record: { id: 'c-err', promptId: 'p2-0', iteration: 2, index: 9, text: pick(11), chars: 10, error: pick(12) } }),
    extra({ type: 'judgment', record: { id: 'j-err', candidateId: 'c-err', promptId: 'p2-0', iteration: 2, sample: 0, text: pick(13), score: null, parseOk: false, rubricHash: 'x', error: pick(14) } }),
    extra({ type: 'prompt', record: { id: 'p-drop', iteration: 2, text: pick(15), kept: false, dropReason: 'failed', error: pick(16), fewShot: [], seed: 1 } }),
    extra({ type: 'iteration.failed', iteration: 2, stage: 'training', error: pick(17) }),
  );
  const page = await openWebview('dashboard', { height: 1600 });
  await page.evaluate(() => {
    (window as unknown as { __violations: string[] }).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __violations: string[] }).__violations.push(`${e.violatedDirective} ${e.sample}`));
  });
  const snapshot = baseSnapshot('run-1', pick(8));
  await streamEvents(page, events, 50, snapshot);
  await page.waitForTimeout(600);

  // Walk every row of the feed through the details pane (keyboard), hovering rows as we go.
  const rows = await page.evaluate(() => Number(document.querySelector('.feed-count')!.textContent!.split(' ')[0]));
  assert.ok(rows >= 250, `${rows} rows`);
  await page.click('.feed-row >> nth=0');
  for (let i = 0; i < rows; i++) {
    if (i % 25 === 0) await page.hover('.feed-row.selected');
    await page.keyboard.press('ArrowDown');
  }
  // Search for payload text, and open a pair and a failing judgment.
  await page.fill('#filter-text input', '<script>');
  await page.waitForTimeout(100);
  await page.fill('#filter-text input', '');
  await page.evaluate(() => {
    const el = document.getElementById('filter-kind') as HTMLElement & { value: string };
    el.value = 'pair';
    el.dispatchEvent(new Event('change'));
  });
  await page.click('.feed-row >> nth=0');
  await page.waitForTimeout(500);

  const report = await page.evaluate(() => {
    const w = window as unknown as { __pwned?: unknown; __violations: string[] };
    const onAttrs: string[] = [];
    // event handlers anywhere; javascript: where a browser would follow it (a tooltip holding the text is inert)
    for (const el of document.querySelectorAll('*')) for (const a of el.getAttributeNames()) if (/^on/i.test(a) || (/^(href|src|action|formaction|xlink:href|data|style)$/i.test(a) && /javascript:/i.test(el.getAttribute(a) ?? ''))) onAttrs.push(`${el.tagName} ${a}`);
    return {
      pwned: w.__pwned,
      violations: w.__violations,
      scripts: document.querySelectorAll('script').length,
      foreign: document.querySelectorAll('#root img, #root iframe, #root object, #root form, #root input:not([type]), #root a, #root style, #root meta, #root base, #root video, #root math, #root details:not(.iteration), #root marquee').length,
      onAttrs,
      bodyText: document.body.innerText,
      details: document.querySelector('.feed-details')!.textContent,
      title: document.querySelector('.run-title')!.textContent,
      table: document.querySelector('.iteration-table')!.textContent,
      tableModel: document.querySelector('.iteration-table tr[data-iteration="2"] .model')!.getAttribute('title'),
      message: document.querySelector('.message')!.textContent,
      stages: document.querySelector('#iteration-2 .model')!.getAttribute('title'),
    };
  });
  assert.equal(report.pwned, undefined, 'no payload ran');
  assert.deepEqual(report.violations, [], 'nothing even tried to run');
  assert.equal(report.scripts, 2, 'only the fixture and the bundle scripts');
  assert.equal(report.foreign, 0, 'no markup from model output');
  assert.deepEqual(report.onAttrs, []);
  assert.deepEqual(pageErrors(page), []);
  // every view shows the payloads as text
  assert.equal(report.title?.startsWith(pick(7)), true);
  assert.ok(report.tableModel?.includes(hostileModel(2)), 'model names in the table tooltip, as text');
  assert.ok(report.stages?.includes(hostileModel(2)), 'model names in the stage blocks tooltip, as text');
  assert.ok(report.message?.includes(pick(17)), 'the failure message as text');
  assert.ok(report.details?.includes('Rejected'), 'a pair is open in the details');
  assert.ok(report.details?.includes(pick(0).slice(0, 20)) || report.details?.includes(pick(1).slice(0, 20)), 'pair texts as text');
  // the style payload did not hide the page
  assert.ok(await page.locator('.feed-row').first().isVisible());
  // After the walk every candidate's judgments were shown: the last selection's texts are verbatim
  await deliverJson(page, { type: 'reveal', iteration: 1 });
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
  await page.context().close();
});
