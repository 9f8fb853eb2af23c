import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JudgmentRecord, MetaJudgeConfig, MetaJudgmentRecord } from '../../../remote/protocol';
import {
  battlesFor, distinctJudgments, eloRatings, metaJudgmentId, overScoreShare, pickCandidates, positionWeights, selectJudgePair, standings,
} from '../../../remote/pipeline/judgmentPairs';
import { buildJudgePairs } from '../../../remote/pipeline/metaJudge';
import { DEFAULT_RUBRIC, fillRubric } from '../../../remote/rubric/template';
import { repoRoot } from '../../helpers/tmp';

const fixture = JSON.parse(fs.readFileSync(path.join(repoRoot, 'test/fixtures/meta/battles.json'), 'utf8')) as { judgments: JudgmentRecord[]; verdicts: MetaJudgmentRecord[] };
const judgmentsOf = (id: string): JudgmentRecord[] => fixture.judgments.filter((j) => j.candidateId === id);
const verdictsOf = (id: string): MetaJudgmentRecord[] => fixture.verdicts.filter((v) => v.candidateId === id);
const cands = [...new Set(fixture.judgments.map((j) => j.candidateId))].map((id) => ({ id, promptId: id.split('-c')[0], index: Number(id.split('-c')[1]), text: `answer of ${id}` }));
const cfg: MetaJudgeConfig = { enabled: true, candidatesPerPrompt: 1, samplesPerOrder: 1, temperature: 0.7, topP: 0.9, maxTokens: 512, maxJudgeShare: 0.5, maxJudgmentWords: 120, maxLengthRatio: 0, maxChosenScoreShare: 1 };

test('candidates: per prompt the one whose judgments disagree most; agreeing, single-judgment and errored ones never go', () => {
  const picked = pickCandidates(cands, judgmentsOf, 1).map((c) => c.id);
  // p1: c2 (scores 1,4,5) over c1 (3,4,3); c0 (3,3,3) agrees. p2: c0 has two valid distinct judgments (2 and 4).
  assert.deepEqual(picked.sort(), ['p1-c2', 'p2-c0', 'p3-c0']);
  // p4-c0's two judgments agree on the score: nothing to settle
  assert.ok(!picked.includes('p4-c0'));
  assert.deepEqual(pickCandidates(cands, judgmentsOf, 2).filter((c) => c.promptId === 'p1').map((c) => c.id), ['p1-c2', 'p1-c1']);
  assert.deepEqual(pickCandidates([{ ...cands[2], error: 'failed' }], judgmentsOf, 1), []);
  assert.deepEqual(pickCandidates([{ ...cands[2], truncated: true }], judgmentsOf, 1), []);
});

test('battles: every two distinct valid judgments, in both orders (identical texts and parse failures left out)', () => {
  assert.deepEqual(distinctJudgments(judgmentsOf('p2-c0')).map((j) => j.sample), [0, 3]);
  const b = battlesFor('p1-c2', judgmentsOf('p1-c2'), 1);
  assert.equal(b.length, 6);
  for (const [x, y] of [[0, 1], [0, 2], [1, 2]]) {
    const ab = b.find((q) => q.id === metaJudgmentId('p1-c2', x, y, 'ab', 0))!;
    const ba = b.find((q) => q.id === metaJudgmentId('p1-c2', x, y, 'ba', 0))!;
    assert.equal(ab.first.sample, x);
    assert.equal(ab.second.sample, y);
    assert.equal(ba.first.sample, y, 'the other order puts the other judgment first');
    assert.equal(ba.second.sample, x);
  }
  assert.equal(battlesFor('p1-c2', judgmentsOf('p1-c2'), 3).length, 18);
});

test('position weights cancel the measured preference for the first position', () => {
  const w = positionWeights(fixture.verdicts);
  assert.equal(w.firstWins, 7);
  assert.equal(w.secondWins, 5);
  assert.ok(Math.abs(w.first - (2 * 5) / 12) < 1e-12 && Math.abs(w.second - (2 * 7) / 12) < 1e-12);
  // no preference → both count 1; a meta-judge that always says A gets no weight on its first-position wins
  assert.deepEqual(positionWeights([]), { firstWins: 0, secondWins: 0, first: 1, second: 1 });
  const alwaysA = fixture.verdicts.map((v) => ({ ...v, winner: v.first }));
  const wa = positionWeights(alwaysA);
  assert.equal(wa.first, 0);
});

test('a pair decided by position alone (A in both orders) is a tie; position-bound meta-judges make no pairs', () => {
  const w = positionWeights(fixture.verdicts);
  const r = standings(judgmentsOf('p3-c0'), verdictsOf('p3-c0'), w);
  assert.equal(r[0].elo, r[1].elo);
  assert.deepEqual(selectJudgePair(r, 2, cfg), { drop: 'tie' });
  // even with consistent-looking counts, a judge that always picks A ends in ties everywhere
  const alwaysA = fixture.verdicts.map((v) => ({ ...v, winner: v.first }));
  const wa = positionWeights(alwaysA);
  const ranked = standings(judgmentsOf('p1-c2'), alwaysA.filter((v) => v.candidateId === 'p1-c2'), wa);
  assert.deepEqual(selectJudgePair(ranked, 6, cfg), { drop: 'tie' });
});

test('a win against the position preference counts more than a win with it', () => {
  // The meta-judge favours position A 3:1 overall; x beats y once as A, y beats x once as B.
  const mk = (id: string, first: string, second: string, winner: string): MetaJudgmentRecord => ({ id, candidateId: 'c', promptId: 'p', iteration: 1, first, second, order: 'ab', sample: 0, text: '', winner, parseOk: true, templateHash: 'h' });
  const js: JudgmentRecord[] = [0, 1].map((s) => ({ id: `c-j${s}`, candidateId: 'c', promptId: 'p', iteration: 1, sample: s, text: `j${s}\n\nScore: ${s + 2}`, score: s + 2, parseOk: true, rubricHash: 'h' }));
  const background = [1, 2, 3, 4].map((i) => mk(`o${i}`, `o${i}a`, `o${i}b`, i <= 3 ? `o${i}a` : `o${i}b`));
  const vs = [mk('v1', 'c-j0', 'c-j1', 'c-j0'), mk('v2', 'c-j0', 'c-j1', 'c-j1')]; // x = j0 wins as A, y = j1 wins as B
  const w = positionWeights([...background, ...vs]);
  assert.ok(w.second > w.first);
  const r = standings(js, vs, w);
  assert.equal(r[0].judgmentId, 'c-j1');
  assert.deepEqual(selectJudgePair(r, 2, cfg), { chosen: r[0], rejected: r[1] });
  // without a position preference the same two verdicts are a tie
  const even = standings(js, vs, { firstWins: 1, secondWins: 1, first: 1, second: 1 });
  assert.equal(even[0].elo, even[1].elo);
});

test('Elo: the maximum-likelihood ratings order a clear winner first, stay finite and are stationary', () => {
  // 0 beats 1 and 2 twice, 1 beats 2 twice: a total order the unregularised MLE would push to infinity
  const b = [[0, 2, 2], [0, 0, 2], [0, 0, 0]];
  const e = eloRatings(b);
  assert.ok(e[0] > e[1] && e[1] > e[2]);
  assert.ok(e.every(Number.isFinite));
  assert.ok(Math.abs(e.reduce((a, x) => a + x, 0) / 3 - 1000) < 1e-6, 'the prior centres the ratings on 1000');
  // gradient of the penalised log-likelihood is zero at the answer
  const eps = e.map((x) => ((x - 1000) * Math.LN10) / 400);
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  for (let i = 0; i < 3; i++) {
    let g = -0.1 * eps[i];
    for (let k = 0; k < 3; k++) if (k !== i) g += b[i][k] * (1 - sig(eps[i] - eps[k])) - b[k][i] * sig(eps[i] - eps[k]);
    assert.ok(Math.abs(g) < 1e-8, `gradient ${i}: ${g}`);
  }
  // symmetric records, equal ratings
  const t = eloRatings([[0, 1], [1, 0]]);
  assert.equal(t[0], t[1]);
});

test('the fixture\'s judge pairs: chosen = highest Elo, rejected = lowest; ties, same scores and unreadable battles dropped', () => {
  const picked = pickCandidates(cands, judgmentsOf, 1);
  const prompts = new Map(cands.map((c) => [c.promptId, `instruction ${c.promptId}`]));
  const all = [...picked, cands.find((c) => c.id === 'p4-c0')!];
  const rubric = { version: 1, hash: 'h', text: DEFAULT_RUBRIC };
  const { pairs, drops } = buildJudgePairs({ t: 1, rubric, metaJudge: cfg, metaTemplate: { version: 1, hash: 'mh', text: 'x' } }, all, judgmentsOf, fixture.verdicts, prompts);
  const byCand = new Map(pairs.map((p) => [p.candidateId, p]));
  const c2 = byCand.get('p1-c2')!;
  assert.equal(c2.chosen.candidateId, 'p1-c2-j1');
  assert.equal(c2.rejected.candidateId, 'p1-c2-j0');
  assert.deepEqual(c2.standings.map((s) => s.judgmentId), ['p1-c2-j1', 'p1-c2-j2', 'p1-c2-j0']);
  assert.equal(c2.headToHead, 'both');
  assert.match(c2.reason, /nearer to what the answer earns/);
  assert.ok(c2.margin > 0 && Math.abs(c2.margin - (c2.standings[0].elo - c2.standings[2].elo)) < 1e-2);
  // the DPO row of a judge pair: the judge prompt exactly as the judge saw it → the better judgment over the worse
  assert.equal(c2.prompt, fillRubric(DEFAULT_RUBRIC, 'instruction p1', 'answer of p1-c2'));
  assert.equal(c2.chosen.text, judgmentsOf('p1-c2')[1].text);
  const p2 = byCand.get('p2-c0')!;
  assert.equal(p2.chosen.score, 2, 'the lower score won both orders: chosen need not be the higher score');
  assert.equal(p2.rejected.score, 4);
  assert.equal(drops.get('p3-c0'), 'tie');
  assert.equal(drops.get('p4-c0'), 'same_score');
  assert.equal(pairs.length + drops.size, all.length);
  // no readable verdict at all
  const unreadable = fixture.verdicts.map((v) => ({ ...v, winner: null, parseOk: false }));
  const none = buildJudgePairs({ t: 1, rubric, metaJudge: cfg, metaTemplate: { version: 1, hash: 'mh', text: 'x' } }, picked, judgmentsOf, unreadable, prompts);
  assert.equal(none.pairs.length, 0);
  assert.ok([...none.drops.values()].every((r) => r === 'unreadable'));
});

test('length filters: a chosen judgment over the word limit, or too much longer than the rejected one, drops the pair', () => {
  const ranked = [
    { judgmentId: 'a', score: 4, words: 90, elo: 1100, wins: 2, losses: 0 },
    { judgmentId: 'b', score: 2, words: 30, elo: 900, wins: 0, losses: 2 },
  ];
  assert.ok('chosen' in selectJudgePair(ranked, 2, cfg));
  assert.deepEqual(selectJudgePair(ranked, 2, { ...cfg, maxJudgmentWords: 80 }), { drop: 'too_long' });
  assert.deepEqual(selectJudgePair(ranked, 2, { ...cfg, maxLengthRatio: 2 }), { drop: 'length_ratio' });
  assert.ok('chosen' in selectJudgePair(ranked, 2, { ...cfg, maxLengthRatio: 3 }));
});

test('the chosen-score cap keeps at most the share per score, dropping the smallest Elo gaps', () => {
  const pairs = [
    { id: 'a', chosenScore: 5, gap: 300 },
    { id: 'b', chosenScore: 5, gap: 100 },
    { id: 'c', chosenScore: 5, gap: 200 },
    { id: 'd', chosenScore: 3, gap: 50 },
    { id: 'e', chosenScore: 2, gap: 50 },
  ];
  assert.deepEqual([...overScoreShare(pairs, 1)], []);
  // 40 %: of 5 pairs at most 2 per score → b goes; of 4, at most 1 → c goes too
  assert.deepEqual([...overScoreShare(pairs, 0.4)].sort(), ['b', 'c']);
});
