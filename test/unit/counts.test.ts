import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IterationSummary } from '../../remote/protocol';
import { ITERATION_COUNTS, pairsText, stageCountText, stageUnit, summaryLine, trainedPairs } from '../../remote/counts';
import { RateWindow } from '../../remote/eta';

const summary = (over: Partial<IterationSummary> = {}): IterationSummary => ({
  iteration: 2, promptsKept: 40, promptsDropped: { echo: 2, near_duplicate: 1 }, candidates: 160, candidatesJudged: 160, judgments: 480,
  parseFailures: 29, parseFailureRate: 29 / 480, ties: 3, pairs: 40, pairsDropped: { tie: 3 }, meanChosenScore: 3.45, meanRejectedScore: 1.57,
  meanCandidateChars: 553, trainLoss: 0.6539, trainRewardMargin: 0.08, failedItems: 0, trainedPairs: 2, excludedPairs: 38,
  modelIn: 'M2', modelInPath: '/r/iterations/1/train/output', modelOut: 'M3', modelOutPath: '/r/iterations/2/train/output', ...over,
});

test('the judgments stage counts candidates judged; its finished counts name judge samples = K × candidates', () => {
  assert.equal(stageUnit('judgments').unit, 'candidates judged');
  assert.equal(stageCountText({ stage: 'judgments', status: 'running', done: 120, total: 160, failed: 0 }).text, '120/160 candidates judged');
  const done = stageCountText({ stage: 'judgments', status: 'done', done: 160, total: 160, failed: 0, counts: { candidates: 160, judgments: 480, parseFailures: 29, failed: 0 } });
  assert.equal(done.text, '160 candidates judged · 480 judge samples · 29 unparsed');
  assert.match(done.title, /K × candidates judged/);
});

test('training shows trained and excluded pairs, never the pairs it was offered, and its step while running', () => {
  const st = { stage: 'training', status: 'done' as const, done: 40, total: 40, failed: 0, counts: { rows: 2, excluded: 38 } };
  assert.equal(stageCountText(st).text, '2 trained · 38 excluded');
  assert.equal(stageCountText({ ...st, status: 'running', counts: undefined }, [{ step: 3, totalSteps: 10 }]).text, 'step 3/10 · 40 pairs in');
  assert.deepEqual(trainedPairs({ rows: 2, excluded: 38 }), { trained: 2, excluded: 38 });
  assert.deepEqual(trainedPairs(summary()), { trained: 2, excluded: 38 });
  assert.equal(trainedPairs({}), undefined);
});

test('stages this module does not know count items and show their finished counts as they are', () => {
  assert.equal(stageCountText({ stage: 'eft', status: 'running', done: 3, total: 9, failed: 1 }).text, '3/9 items · 1 failed');
  assert.equal(stageCountText({ stage: 'eft', status: 'done', done: 9, total: 9, failed: 0, counts: { examples: 1200, kept: 1000 } }).text, 'examples 1,200 · kept 1,000');
  assert.equal(stageCountText({ stage: 'review', status: 'pending', done: 0, total: 0, failed: 0 }).text, 'not started');
});

test('one summary line and one table definition for notifications, the tree, the CLI table and the report', () => {
  assert.equal(pairsText(summary()), '40 pairs · 2 trained · 38 excluded');
  assert.equal(pairsText(summary({ trainedPairs: undefined, excludedPairs: undefined })), '40 pairs');
  assert.equal(summaryLine(summary()), '40 pairs · 2 trained · 38 excluded, 3 ties, parse failures 6.0 %');
  const row = (key: string) => ITERATION_COUNTS.find((c) => c.key === key)!.value(summary());
  assert.equal(row('judgments'), '480');
  assert.equal(ITERATION_COUNTS.find((c) => c.key === 'judgments')!.label, 'judge samples');
  assert.equal(row('trainedPairs'), '2');
  assert.equal(row('excludedPairs'), '38');
  assert.equal(row('promptsDropped'), '3');
  assert.equal(row('model'), 'M2 → M3');
  assert.equal(new Set(ITERATION_COUNTS.map((c) => c.key)).size, ITERATION_COUNTS.length, 'each count defined once');
});

test('ETA waits for a settled rate: a stage idle at first does not report an hour for seconds of work', () => {
  const w = new RateWindow({ windowMs: 10_000, settleMs: 2_000, minItems: 3 });
  // 30 s waiting on another stage, nothing done: no ETA
  for (let t = 0; t <= 30_000; t += 1000) w.add(t, 0);
  assert.equal(w.eta(160), null);
  // then 20 items/s
  let done = 0;
  w.add(30_500, (done += 10));
  assert.equal(w.eta(150), null, 'half a second of progress is not settled');
  for (let t = 31_000; t <= 33_000; t += 500) w.add(t, (done += 10));
  assert.ok(w.settled());
  const eta = w.eta(160 - done)!;
  // the cumulative rate since the start would be ~2.7/s → ~37 s; the window says 20/s → ~4 s
  assert.ok(eta > 2 && eta < 8, `eta ${eta}`);
  assert.equal(w.eta(0), 0);
});

test('ETA follows a rate change within the window and ignores samples from before it', () => {
  const w = new RateWindow({ windowMs: 4_000, settleMs: 1_000, minItems: 1 });
  let done = 0;
  for (let t = 0; t <= 10_000; t += 500) w.add(t, (done += 50)); // 100/s
  for (let t = 10_500; t <= 20_000; t += 500) w.add(t, (done += 5)); // 10/s
  assert.ok(Math.abs(w.rate() - 10) < 1, `rate ${w.rate()}`);
  assert.equal(w.eta(100)! > 8 && w.eta(100)! < 12, true);
});
