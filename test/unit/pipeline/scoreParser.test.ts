import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScore } from '../../../remote/pipeline/scoreParser';

// Real-looking judge outputs on the 0–5 rubric → expected score (null = no score).
const table: [string, string, number | null][] = [
  ['plain', 'The response is relevant and complete.\nScore: 4', 4],
  ['x/5', 'Covers the basics but misses the second part.\nScore: 3/5', 3],
  ['decimal', 'Mostly excellent; slightly verbose.\nScore: 4.5', 4.5],
  ['lowercase no space, own line', 'good answer overall.\nscore:5', 5],
  ['inside a sentence is not a verdict', 'good answer overall. score:5', null],
  ['markdown bold', 'Justification: on topic, organised.\n\n**Score: 3**', 3],
  ['bold label only', 'Clear and direct.\n**Score:** 2', 2],
  ['heading', 'Clear.\n### Score: 2', 2],
  ['final score label', 'Solid work.\nFinal score: 4', 4],
  ['multiple → last', 'A first pass might give Score: 2, but the examples lift it.\nScore: 4', 4],
  ['reasoning mentions score earlier', 'Score: 5 would need expert depth, which is missing.\nFinal verdict\nScore: 3', 3],
  ['a mention after the verdict does not count', 'Score: 3\nScore: 5 would have needed citations.', 3],
  ['Subscore never counts', 'Relevance: fine.\nScore: 3\nSubscore: 1', 3],
  ['Subscore alone is no verdict', 'Subscore: 1\nSub-score: 2', null],
  ['a named part score is no verdict', 'Relevance score: 2\nClarity score: 1', null],
  ['out of range is not clamped', 'Outstanding answer!\nScore: 7', null],
  ['negative is not clamped', 'Harmful and wrong.\nScore: -1', null],
  ['x/10 rescaled', 'Decent.\nScore: 8/10', 4],
  ['out of 5', 'Decent.\nScore: 3 out of 5', 3],
  ['parenthetical', 'Decent.\nScore: 4 (solid)', 4],
  ['N/A', 'I cannot evaluate this response.\nScore: N/A', null],
  ['none', 'The answer is fine and addresses the question with examples.', null],
  ['last is N/A', 'Score: 3 at first glance.\nScore: N/A', null],
  ['equals sign', 'Points earned: 1, 2, 3.\nScore = 3', 3],
  ['trailing text', 'Score: 2 points', 2],
];

for (const [name, text, want] of table) {
  test(`parseScore: ${name}`, () => {
    const r = parseScore(text, 0, 5);
    assert.equal(r.score, want);
    assert.equal(r.parseOk, want !== null);
    if (want === null) assert.ok(r.reason, 'a failure says why');
  });
}

test('parseScore: out-of-range values are counted apart, with the value written, never clamped', () => {
  assert.deepEqual(parseScore('Score: 7', 0, 5), { score: null, parseOk: false, outOfRange: 7, reason: 'out of range: 7 (scale 0–5)' });
  assert.equal(parseScore('Score: -1', 0, 5).outOfRange, -1);
  assert.equal(parseScore('Score: 6/5', 0, 5).outOfRange, 6);
  assert.equal(parseScore('Score: 11/10', 0, 5).outOfRange, 11);
  // a parse failure is not out of range
  assert.equal(parseScore('Score: N/A', 0, 5).outOfRange, undefined);
  assert.equal(parseScore('Score: 5', 0, 5).outOfRange, undefined);
});

test('parseScore: rescaled results carry a note; a 1–10 rubric keeps its own range', () => {
  assert.match(parseScore('Score: 8/10', 0, 5).reason ?? '', /rescaled from 8\/10/);
  assert.equal(parseScore('Score: 4', 0, 5).reason, undefined);
  assert.equal(parseScore('Score: 9', 1, 10).score, 9);
  assert.equal(parseScore('Score: 0', 1, 10).outOfRange, 0);
});
