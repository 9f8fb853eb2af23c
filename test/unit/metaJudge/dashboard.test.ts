import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedStore } from '../../../webview/dashboard/feed';
import { judgeAgreementTrend, metaTrends } from '../../../webview/dashboard/metaTrends';
import { trendCharts } from '../../../webview/dashboard/trends';
import type { IterationSummary, JudgePairRecord, RunEvent, RunSnapshot } from '../../../remote/protocol';

const side = (text: string, score: number) => ({ candidateId: `${text}-id`, text, score, scores: [score], chars: text.length });
const judgePair: JudgePairRecord = {
  id: 'c1-jpair', kind: 'judge', promptId: 'p1', iteration: 2, prompt: 'judge prompt', chosen: side('better judgment', 3), rejected: side('worse judgment', 5), margin: 212.4,
  candidateId: 'c1', instruction: 'How?', response: 'Like this.', standings: [], reason: 'A is nearer.\n\nWinner: A', headToHead: 'both', templateHash: 'h',
};

test('the feed shows judge pairs: the better and the worse judgment, the answer they judged, the reason', () => {
  const store = new FeedStore();
  const ev = (seq: number, body: unknown): RunEvent => ({ seq, ts: 't', ...(body as object) }) as RunEvent;
  store.ingest([
    ev(1, { type: 'prompt', record: { id: 'p1', iteration: 2, text: 'How?', kept: true, fewShot: [], seed: 1 } }),
    ev(2, { type: 'judge-pair', record: judgePair }),
    ev(3, { type: 'judge-pair', record: judgePair }),
  ]);
  const row = store.get('c1-jpair')!;
  assert.equal(store.rows.filter((r) => r.kind === 'judge-pair').length, 1, 'a replayed record stays one row');
  assert.equal(row.text, 'better judgment');
  assert.equal(row.score, 3);
  assert.equal(row.rejected?.text, 'worse judgment');
  assert.equal(row.judged, 'Like this.');
  assert.match(row.reason ?? '', /Winner: A/);
  assert.equal(row.margin, 212.4);
  assert.equal(store.promptText(row.promptId), 'How?');
});

test('trend row: the meta-judge charts appear with meta-judge iterations, from their summaries', () => {
  const summary = (iteration: number, extra: Partial<IterationSummary>): IterationSummary => ({
    iteration, promptsKept: 10, promptsDropped: {}, candidates: 40, judgments: 120, parseFailures: 0, parseFailureRate: 0, ties: 0, pairs: 10, pairsDropped: {},
    meanChosenScore: 4, meanRejectedScore: 2, meanCandidateChars: 500, failedItems: 0, ...extra,
  });
  const snap = (summaries: IterationSummary[]): RunSnapshot => ({
    run: { id: 'r', name: 'r', dir: '/r', createdAt: 't', iterations: summaries.length, status: 'idle', lastSeq: 0 },
    config: { judge: { scoreMin: 0, scoreMax: 5 } } as never,
    iterations: summaries.map((s) => ({ iteration: s.iteration, status: 'done', modelIn: 'm', rubricVersion: 1, stages: [], summary: s, train: [] })),
    models: [], rubricVersions: [], seq: 0,
  });
  assert.deepEqual(metaTrends(snap([summary(1, {})])), [], 'no meta-judge: no charts');
  const charts = metaTrends(snap([
    summary(1, { judgePairs: 8, judgeRows: 6, metaFirstPositionRate: 0.6, judgeChosenScores: { 2: 2, 4: 6 } }),
    summary(2, { judgePairs: 9, judgeRows: 9, metaFirstPositionRate: 0.55, judgeChosenScores: { 5: 9 } }),
  ]));
  const by = new Map(charts.map((c) => [c.key, c]));
  assert.deepEqual(by.get('judge-pairs')!.series.map((s) => s.points.map((p) => p.y)), [[8, 9], [6, 9]]);
  assert.deepEqual(by.get('meta-position')!.series[0].points.map((p) => Math.round(p.y * 1e9) / 1e9), [60, 55]);
  assert.deepEqual(by.get('meta-chosen-score')!.series[0].points.map((p) => p.y), [3.5, 5]);
  // registered with the dashboard's trend row (metaTrends.ts adds itself on import)
  assert.ok(trendCharts(snap([summary(1, { judgePairs: 1, judgeChosenScores: { 3: 1 } })])).some((c) => c.key === 'meta-position'));
});

test('trend row: the judge\'s agreement with people per model — M1 from the SFT iteration, later models from judge evaluations', () => {
  const agreement = (x: number) => ({ groups: 1, answers: 4, unscored: 0, pairs: 6, pairwiseAccuracy: x, perfectScored: 0, fiveBest: null, topRatedIsBest: null, exactMatch: null, spearman: null, kendallTau: x - 0.5, undefinedCorrelations: 0 });
  const base = { run: { id: 'r', name: 'r', dir: '/r', createdAt: 't', iterations: 1, status: 'idle' as const, lastSeq: 0 }, config: {} as never, models: [], rubricVersions: [], seq: 0 };
  assert.deepEqual(judgeAgreementTrend({ ...base, iterations: [] }), []);
  const snap = {
    ...base,
    iterations: [{ iteration: 0, status: 'done' as const, modelIn: 'M0', rubricVersion: 1, stages: [], train: [], summary: { sft: { agreement: [{ label: 'SFT baseline', model: 'b', agreement: agreement(0.47) }, { label: 'M1', model: 'm1', agreement: agreement(0.673) }] } } as unknown as IterationSummary }],
    evals: [
      { kind: 'judge', model: { iteration: 3 }, judgeAgreement: agreement(0.688) },
      { kind: 'judge', model: { iteration: 2 }, judgeAgreement: agreement(0.692) },
      { kind: 'judge', model: { iteration: 0, role: 'sft-baseline' }, judgeAgreement: agreement(0.47) },
      { kind: 'winRate', model: { iteration: 2 } },
    ],
  } as unknown as RunSnapshot;
  const [chart, tau] = judgeAgreementTrend(snap);
  assert.equal(chart.key, 'judge-agreement');
  assert.deepEqual(chart.series[0].points.map((p) => [p.x, Math.round(p.y * 10) / 10]), [[1, 67.3], [2, 69.2], [3, 68.8]]);
  assert.equal(tau.key, 'judge-tau');
  assert.deepEqual(tau.series[0].points.map((p) => [p.x, Math.round(p.y * 1000) / 1000]), [[1, 0.173], [2, 0.192], [3, 0.188]]);
});
