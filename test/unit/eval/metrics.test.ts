import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { averageRanks, groupsFromSamples, judgeAgreement, kendallTauB, meanScore, spearman, type RankedGroup } from '../../../remote/eval/metrics';

const close = (actual: number | null, expected: number, msg?: string): void => {
  assert.ok(actual !== null, `${msg ?? 'value'} is null`);
  assert.ok(Math.abs(actual - expected) < 1e-9, `${msg ?? 'value'}: ${actual} != ${expected}`);
};

test('average ranks share the mean position among ties', () => {
  assert.deepEqual(averageRanks([5, 3, 3, 1]), [4, 2.5, 2.5, 1]);
  assert.deepEqual(averageRanks([2, 2, 2]), [2, 2, 2]);
});

test('Kendall tau-b and Spearman with ties match reference values (scipy)', () => {
  // scipy.stats.kendalltau([12,2,1,12,2],[1,4,7,1,0]) → -0.47140452079103173
  close(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]), -0.47140452079103173, 'tau-b');
  // scipy.stats.spearmanr([1,2,3,4,5],[5,6,7,8,7]) → 0.8207826816681233
  close(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 0.8207826816681233, 'rho');
  assert.equal(kendallTauB([1, 1, 1], [1, 2, 3]), null);
  assert.equal(spearman([3, 3], [1, 2]), null);
});

// Hand-computed fixture (worked out in the comments).
const groups: RankedGroup[] = [
  // A: judge ties b and c, people don't. Pairs 5/6 agree. tau-b: C=5 D=0 tiesX=1 → 5/√(5·6).
  // rho: ranks x [4,2.5,2.5,1] vs y [4,3,2,1] → 4.5/√(4.5·5) = 3/√10.
  { group: 'A', answers: [
    { id: 'a', humanRank: 1, score: 5 }, { id: 'b', humanRank: 2, score: 3 },
    { id: 'c', humanRank: 3, score: 3 }, { id: 'd', humanRank: 4, score: 1 },
  ] },
  // B: people tie e and f; judge prefers the worst-ranked g with a perfect score. Pairs 0/2.
  // tau-b: C=0 D=2 tiesY=1 → −2/√(3·2). rho: x ranks [1,2,3], y ranks [2.5,2.5,1] → −1.5/√3.
  { group: 'B', answers: [
    { id: 'e', humanRank: 1, score: 2 }, { id: 'f', humanRank: 1, score: 4 }, { id: 'g', humanRank: 2, score: 5 },
  ] },
  // C: exact match with a tie on both sides; one answer unscored. Pairs 2/2, tau = rho = 1.
  { group: 'C', answers: [
    { id: 'h', humanRank: 1, score: 4 }, { id: 'i', humanRank: 2, score: 3 }, { id: 'j', humanRank: 2, score: 3 },
    { id: 'k', humanRank: 3, score: null },
  ] },
  // D: the judge gave every answer the same score: one pair, missed; correlations undefined.
  { group: 'D', answers: [{ id: 'l', humanRank: 1, score: 3 }, { id: 'm', humanRank: 2, score: 3 }] },
  // E: only one scored answer: left out entirely (its perfect score does not count).
  { group: 'E', answers: [{ id: 'n', humanRank: 1, score: 5 }, { id: 'o', humanRank: 2, score: null }] },
];

test('judge agreement on a hand-computed fixture with ties', () => {
  const m = judgeAgreement(groups, { scoreMax: 5 });
  assert.equal(m.groups, 4);
  assert.equal(m.answers, 12);
  assert.equal(m.unscored, 2);
  assert.equal(m.pairs, 11);
  close(m.pairwiseAccuracy, 7 / 11, 'pairwise');
  assert.equal(m.perfectScored, 2);
  close(m.fiveBest, 0.5, '5-best');
  close(m.topRatedIsBest, 0.5, 'top rated is best');
  close(m.exactMatch, 0.25, 'exact');
  close(m.spearman, (3 / Math.sqrt(10) - 1.5 / Math.sqrt(3) + 1) / 3, 'spearman');
  close(m.kendallTau, (5 / Math.sqrt(30) - 2 / Math.sqrt(6) + 1) / 3, 'kendall');
  assert.equal(m.undefinedCorrelations, 1);
});

test('a perfect judge scores 1 everywhere; a reversed judge −1', () => {
  const perfect: RankedGroup[] = [{ group: 'p', answers: [1, 2, 3].map((r) => ({ id: `x${r}`, humanRank: r, score: 6 - r - 1 })) }];
  const m = judgeAgreement(perfect);
  close(m.pairwiseAccuracy, 1);
  close(m.exactMatch, 1);
  close(m.kendallTau, 1);
  close(m.spearman, 1);
  const reversed: RankedGroup[] = [{ group: 'r', answers: [1, 2, 3].map((r) => ({ id: `x${r}`, humanRank: r, score: r })) }];
  const rm = judgeAgreement(reversed);
  close(rm.pairwiseAccuracy, 0);
  close(rm.kendallTau, -1);
  close(rm.spearman, -1);
  assert.equal(judgeAgreement([]).pairwiseAccuracy, null);
});

test('groupsFromSamples keeps labelled samples only; meanScore skips parse failures', () => {
  const g = groupsFromSamples(
    [{ id: 's1', group: 'g', humanRank: 1 }, { id: 's2', group: 'g', humanRank: 2 }, { id: 'pinned' }],
    (id) => (id === 's1' ? 4 : null),
  );
  assert.deepEqual(g, [{ group: 'g', answers: [{ id: 's1', humanRank: 1, score: 4 }, { id: 's2', humanRank: 2, score: null }] }]);
  assert.equal(meanScore([4, null, 2]), 3);
  assert.equal(meanScore([null, null]), null);
});
