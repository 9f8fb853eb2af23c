import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgePairSamples, labelledJudgmentPairs, metaPreviewStats, verdictOf, type LabelledAnswer } from '../../../src/metaJudge/previewModel';
import type { PairView, PreviewResult } from '../../../remote/protocol';

const answers: LabelledAnswer[] = [
  { id: 'g#0', group: 'g', prompt: 'q', answer: 'best', humanRank: 1 },
  { id: 'g#1', group: 'g', prompt: 'q', answer: 'middle', humanRank: 2 },
  { id: 'g#2', group: 'g', prompt: 'q', answer: 'worst', humanRank: 3 },
];
const r = (sampleId: string, score: number | null, text = `Score: ${score}`) => ({ sampleId, score, text, parseOk: score !== null });

test('labelled judgment pairs: an answer whose judgments disagree; people prefer the score that orders it as they ranked it', () => {
  const results = [
    r('g#0', 5), r('g#0', 2), r('g#0', 5), // best answer: the 5 orders it above the others (means 3 and 1), the 2 does not
    r('g#1', 3), r('g#1', 3), r('g#1', 3), // agrees: no pair
    r('g#2', 1), r('g#2', 1), r('g#2', null), // agrees among the readable ones
  ];
  const pairs = labelledJudgmentPairs(answers, results);
  assert.equal(pairs.length, 1);
  assert.deepEqual(pairs[0].scores, [5, 2]);
  assert.equal(pairs[0].peoplePrefer, 0);
  assert.equal(pairs[0].id, 'g#0/judgments');
  // the middle answer judged 5 or 2: both misorder it against one neighbour each → no preference
  const mid = labelledJudgmentPairs(answers, [r('g#0', 4), r('g#1', 5), r('g#1', 0.5), r('g#2', 1)]);
  assert.equal(mid.length, 1);
  assert.equal(mid[0].peoplePrefer, undefined);
});

test('judge pairs as samples: the review says what people prefer (accept/edit: the better one; flip: the worse one)', () => {
  const base = { kind: 'judge', instruction: 'i', response: 'x', iteration: 1, promptId: 'p', prompt: 'judge prompt', margin: 100, parseFailures: 0, standings: [], reason: '', headToHead: 'both', templateHash: 'h', candidateId: 'c' };
  const side = (text: string, score: number) => ({ candidateId: text, text, score, scores: [score], chars: text.length });
  const mk = (id: string, state?: string) => ({ ...base, id, chosen: side('good', 3), rejected: side('bad', 5), ...(state ? { review: { state, flipped: state === 'flipped' } } : {}) }) as unknown as PairView;
  const s = judgePairSamples([mk('a', 'accepted'), mk('b', 'flipped'), mk('c'), mk('d', 'rejected'), { ...mk('e'), kind: undefined } as unknown as PairView]);
  assert.deepEqual(s.map((x) => [x.id, x.peoplePrefer]), [['a', 0], ['b', 1], ['c', undefined], ['d', undefined]]);
  assert.deepEqual(s[0].judgments, ['good', 'bad']);
  assert.deepEqual(s[0].scores, [3, 5]);
  assert.equal(s[0].prompt, 'i');
  assert.equal(s[0].answer, 'x');
});

test('verdicts and stats: both orders naming one judgment follow the judgments; otherwise the position decided', () => {
  const v = (sampleId: string, order: 'ab' | 'ba', winner: 0 | 1 | null): Pick<PreviewResult, 'sampleId' | 'order' | 'winner' | 'parseOk'> => ({ sampleId, order, winner, parseOk: winner !== null });
  assert.deepEqual(verdictOf([v('s', 'ab', 0), v('s', 'ba', 0)]), { ab: 0, ba: 0, verdict: 0 });
  assert.deepEqual(verdictOf([v('s', 'ab', 0), v('s', 'ba', 1)]), { ab: 0, ba: 1, verdict: 'position' });
  assert.deepEqual(verdictOf([v('s', 'ab', null), v('s', 'ba', 1)]).verdict, null);
  const samples = [
    { id: 'x', prompt: '', answer: '', judgments: ['a', 'b'] as [string, string], scores: [1, 2] as [number, number], peoplePrefer: 0 as const },
    { id: 'y', prompt: '', answer: '', judgments: ['a', 'b'] as [string, string], scores: [1, 2] as [number, number], peoplePrefer: 1 as const },
    { id: 'z', prompt: '', answer: '', judgments: ['a', 'b'] as [string, string], scores: [1, 2] as [number, number] },
  ];
  // x: judgment 0 in both orders (agrees with people); y: position A both times (judgment 0 in A/B, 1 in B/A); z: unreadable
  const results = [v('x', 'ab', 0), v('x', 'ba', 0), v('y', 'ab', 0), v('y', 'ba', 1), v('z', 'ab', null), v('z', 'ba', null)];
  const st = metaPreviewStats(samples, results);
  assert.equal(st.verdicts, 4);
  assert.equal(st.unreadable, 2);
  assert.equal(st.firstPosition, 3, 'x in A/B, and y twice');
  assert.equal(st.decided, 2);
  assert.equal(st.consistent, 1);
  assert.equal(st.labelled, 2);
  assert.equal(st.agreement, (1 + 0.5) / 2);
});
