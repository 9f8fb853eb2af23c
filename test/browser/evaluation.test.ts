/**
 * The dashboard's Evaluation section in Chromium: `eval.finished` events (the numbers of the eval/*.json files) make
 * one row per model with win rate, LC win rate, unreadable, MT score, judge agreement (with the groups skipped as
 * undefined next to ρ) and head-to-heads, plus trend charts; a newer result of the same evaluation replaces the row's
 * numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvalResultRef, RunEvent, RunEventBody } from '../../remote/protocol';
import { deliver, openWebview, pageErrors, screenshot } from '../helpers/browser';
import { baseSnapshot } from '../fixtures/dashboardEvents';
import { judgeAgreement } from '../../remote/eval/metrics';
import { summariseMultiTurn } from '../../remote/eval/multiTurn';
import { summarise } from '../../remote/eval/headToHead';

const ref = (i: number) => ({ key: `m${i}`, label: `M${i}`, name: `sim-m${i}`, iteration: i, role: 'policy' as const });
const wr = (i: number, wins: number, ties: number, losses: number, unreadable: number, lc: number, len: number): EvalResultRef => ({
  kind: 'winRate', model: ref(i), file: `eval/winrate-m${i}.json`, promptSet: 'builtin:heldout', judge: 'self: M2', finishedAt: `2026-01-01T00:0${i}:00Z`,
  winRate: {
    n: wins + ties + losses + unreadable, wins, ties, losses, unreadable, winRate: (wins + ties / 2) / (wins + ties + losses), winRateCi: [0.2, 0.8],
    lcWinRate: lc, lc: { formula: 'f', C: 1, weights: {}, standardError: null }, meanLength: len, referenceMeanLength: 700, failed: 0, seenInTraining: 0,
  },
});

test('Evaluation section: a row per model with the files\' numbers, trend charts, newer results replace older', async () => {
  const page = await openWebview('dashboard', { height: 1600 });
  const snapshot = baseSnapshot();
  await deliver(page, { type: 'init', runId: snapshot.run.id, label: 'local', snapshot });
  await page.waitForSelector('#evaluation .evaluation-empty');

  const agreement = judgeAgreement([
    { group: 'a', answers: [{ id: '1', humanRank: 1, score: 4 }, { id: '2', humanRank: 2, score: 2 }] },
    { group: 'b', answers: [{ id: '3', humanRank: 1, score: 3 }, { id: '4', humanRank: 2, score: 3 }] },
  ]);
  const mt = summariseMultiTurn([
    { questionId: 'q1', category: 'writing', turn: 1, rating: 8, reply: '', text: '' },
    { questionId: 'q1', category: 'writing', turn: 2, rating: 6, reply: '', text: '' },
  ], 1, 0);
  const h2h = summarise([
    { promptId: 'a', outcome: 'win', newFirst: 'A', oldFirst: 'B', texts: ['', ''] },
    { promptId: 'b', outcome: 'unreadable', newFirst: null, oldFirst: 'B', texts: ['', ''] },
  ]);
  const bodies: RunEventBody[] = [
    { type: 'eval.finished', result: wr(1, 5, 2, 3, 1, 0.41, 540) },
    { type: 'eval.finished', result: wr(2, 8, 0, 2, 0, 0.66, 1100) },
    { type: 'eval.finished', result: { kind: 'multiTurn', model: ref(2), file: 'eval/mt-m2.json', promptSet: 'builtin:mt', judge: 'self: M2', finishedAt: '2026-01-01T00:05:00Z', multiTurn: mt } },
    { type: 'eval.finished', result: { kind: 'judge', model: ref(2), file: 'eval/judge-m2.json', promptSet: 'builtin:labelled', judge: 'M2 itself', finishedAt: '2026-01-01T00:06:00Z', judgeAgreement: agreement } },
    { type: 'eval.finished', result: { kind: 'headToHead', model: ref(2), against: ref(1), file: 'eval/h2h-m2-vs-m1.json', promptSet: 'builtin:heldout', judge: 'self: M2', finishedAt: '2026-01-01T00:07:00Z', headToHead: h2h } },
  ];
  const events: RunEvent[] = bodies.map((b, i) => ({ seq: i + 1, ts: '2026-01-01T00:00:00Z', ...b }) as RunEvent);
  await deliver(page, { type: 'events', runId: snapshot.run.id, events });
  await page.waitForSelector('#evaluation tr[data-model="m2"]');
  const cell = (model: string, field: string): Promise<string> => page.locator(`#evaluation tr[data-model="${model}"] td[data-field="${field}"]`).innerText();

  assert.deepEqual(await page.locator('#evaluation tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.model)), ['m1', 'm2']);
  assert.equal(await cell('m1', 'winRate'), '60.0% (20.0%–80.0%)');
  assert.equal(await cell('m1', 'lcWinRate'), '41.0%');
  assert.equal(await cell('m1', 'unreadable'), '1');
  assert.equal(await cell('m2', 'mtScore'), '7');
  assert.equal(await cell('m1', 'mtScore'), '–');
  assert.match(await cell('m2', 'judge'), /acc 50\.0% · ρ 1 \(1 groups, 1 undefined\) · pooled ρ/);
  assert.equal(await cell('m2', 'meanLength'), '1100');
  assert.equal(await cell('m2', 'headToHead'), 'vs M1: 1/0/0 (+1 unreadable)');
  assert.equal(await page.locator('#evaluation [data-chart="eval-percent"] polyline').count(), 2, 'win rate and LC win rate trends');

  // a newer win-rate evaluation of M1 replaces its numbers
  await deliver(page, { type: 'events', runId: snapshot.run.id, events: [{ seq: 99, ts: '2026-01-01T00:09:00Z', type: 'eval.finished', result: { ...wr(1, 9, 0, 1, 0, 0.8, 600), finishedAt: '2026-01-01T00:09:00Z' } }] });
  await page.waitForFunction(() => document.querySelector('#evaluation tr[data-model="m1"] td[data-field="lcWinRate"]')?.textContent === '80.0%');
  assert.equal(await page.locator('#evaluation tbody tr').count(), 2);
  await page.locator('#evaluation').scrollIntoViewIfNeeded();
  await screenshot(page, 'dashboard-evaluation');
  assert.deepEqual(pageErrors(page), []);
});
