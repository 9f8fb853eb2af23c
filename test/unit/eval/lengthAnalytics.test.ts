import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { CandidateRecord, JudgmentRecord, PairRecord } from '../../../remote/protocol';
import { analyseIteration, analyticsWarnings, distribution, lengthHistogram, type IterationAnalytics } from '../../../remote/eval/lengthAnalytics';
import { summarise } from '../../../remote/eval/headToHead';

const cand = (id: string, promptId: string, chars: number, error?: string): CandidateRecord => ({ id, promptId, iteration: 1, index: 0, text: 'x'.repeat(chars), chars, error });
const judg = (candidateId: string, sample: number, score: number | null): JudgmentRecord => ({
  id: `${candidateId}-${sample}`, candidateId, promptId: 'p', iteration: 1, sample, text: '', score, parseOk: score !== null, rubricHash: 'h',
});

test('analyseIteration on a hand-computed fixture', () => {
  const candidates = [cand('a', 'p1', 100), cand('b', 'p1', 300), cand('c', 'p2', 200), cand('d', 'p2', 400), cand('e', 'p3', 50), cand('f', 'p3', 0, 'failed')];
  const judgments = [
    judg('a', 0, 2), judg('a', 1, 3), // 2.5
    judg('b', 0, 4), judg('b', 1, 4), // 4
    judg('c', 0, 3), judg('c', 1, null), // 3 (one parse failure)
    judg('d', 0, 3), judg('d', 1, 3), // 3 → p2 is a tie
    judg('e', 0, null), judg('e', 1, null), // unscored
  ];
  const pair = { chosen: { chars: 300 }, rejected: { chars: 100 } } as unknown as PairRecord;
  const a = analyseIteration(1, { candidates, judgments, pairs: [pair] });
  assert.equal(a.candidates, 5, 'failed candidates are left out');
  assert.equal(a.scoredCandidates, 4);
  assert.equal(a.judgments, 10);
  assert.equal(a.parseFailures, 3);
  assert.equal(a.parseFailureRate, 0.3);
  assert.deepEqual(a.sampleScoreHistogram.map((b) => b.count), [0, 0, 1, 4, 2, 0]);
  assert.deepEqual(a.sampleScoreHistogram.map((b) => b.x0), [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5]);
  assert.equal(a.candidateScore.mean, (2.5 + 4 + 3 + 3) / 4);
  assert.equal(a.length.mean, (100 + 300 + 200 + 400 + 50) / 5);
  assert.equal(a.length.median, 200);
  assert.equal(a.promptsScored, 2, 'p3 has fewer than two scored candidates');
  assert.equal(a.ties, 1);
  assert.equal(a.tieRate, 0.5);
  assert.equal(a.pairs, 1);
  assert.equal(a.meanChosenChars, 300);
  assert.equal(a.modalScoreShare, 4 / 7);
  // length (100,300,200,400) vs score (2.5,4,3,3): ranks (1,3,2,4) vs (1,4,2.5,2.5) → ρ = 0.6/√… computed by hand:
  // dx = (−1.5, .5, −.5, 1.5), dy = (−1.5, 1.5, 0, 0): sxy = 2.25 + .75 = 3, sxx = 5, syy = 4.5 → 3/√22.5
  assert.ok(Math.abs((a.scoreLength.spearman ?? 0) - 3 / Math.sqrt(22.5)) < 1e-12);
  assert.equal(a.scoreLength.points, 4);
});

test('distribution, length histogram', () => {
  const d = distribution([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(d.median, 5.5);
  assert.ok(Math.abs((d.p10 ?? 0) - 1.9) < 1e-12);
  assert.ok(Math.abs((d.p90 ?? 0) - 9.1) < 1e-12);
  const lh = lengthHistogram([0, 150, 1100]);
  assert.equal(lh[0].x1 - lh[0].x0, 100);
  assert.equal(lh.reduce((a, b) => a + b.count, 0), 3);
  assert.ok(lh[lh.length - 1].x1 > 1100);
});

test('length drift warns unless the head-to-head improved; collapse and parse failures warn', () => {
  const base = (iteration: number, meanLen: number, extra: Partial<IterationAnalytics> = {}): IterationAnalytics => ({
    ...analyseIteration(iteration, { candidates: [], judgments: [], pairs: [] }),
    length: { ...distribution([meanLen]) },
    ...extra,
  });
  const series = [base(1, 1000), base(2, 1500), base(3, 2500, { parseFailureRate: 0.25, modalScoreShare: 0.9, tieRate: 0.6 })];
  const noH2h = analyticsWarnings(series);
  assert.deepEqual(noH2h.map((w) => [w.iteration, w.kind]), [[2, 'length-drift'], [3, 'length-drift'], [3, 'parse-failures'], [3, 'score-collapse']]);
  assert.match(noH2h[0].message, /50 %.*no head-to-head/);
  const cmp = (wins: number, losses: number, n: number) => summarise(Array.from({ length: n }, (_, i) => ({ promptId: `${i}`, outcome: i < wins ? 'win' : i < wins + losses ? 'loss' : 'tie', newFirst: null, oldFirst: null, texts: ['', ''] } as const)));
  const withH2h = analyticsWarnings(series, new Map([[1, cmp(60, 10, 100)], [2, cmp(20, 18, 100)]]));
  const drift = withH2h.filter((w) => w.kind === 'length-drift');
  assert.deepEqual(drift.map((w) => w.iteration), [3], 'growth with a clear head-to-head gain is fine');
  assert.match(drift[0].message, /wins − losses = 2\.0 pt/);
});
