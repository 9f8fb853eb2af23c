import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScore } from '../../../remote/pipeline/scoreParser';

// Real-looking judge outputs on the 0–5 rubric → expected score (null = parse failure).
const table: [string, string, number | null][] = [
  ['plain', 'The response is relevant and complete.\nScore: 4', 4],
  ['x/5', 'Covers the basics but misses the second part.\nScore: 3/5', 3],
  ['decimal', 'Mostly excellent; slightly verbose.\nScore: 4.5', 4.5],
  ['lowercase no space', 'good answer overall. score:5', 5],
  ['markdown bold', 'Justification: on topic, organised.\n\n**Score: 3**', 3],
  ['bold label only', 'Clear and direct.\n**Score:** 2', 2],
  ['multiple → last', 'A first pass might give Score: 2, but the examples lift it.\nScore: 4', 4],
  ['reasoning mentions score earlier', 'Score: 5 would need expert depth, which is missing.\nFinal verdict\nScore: 3', 3],
  ['out of range clamps', 'Outstanding answer!\nScore: 7', 5],
  ['negative clamps', 'Harmful and wrong.\nScore: -1', 0],
  ['x/10 rescaled', 'Decent.\nScore: 8/10', 4],
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

test('parseScore: clamped and rescaled results carry a note', () => {
  assert.match(parseScore('Score: 7', 0, 5).reason ?? '', /clamped from 7/);
  assert.match(parseScore('Score: 8/10', 0, 5).reason ?? '', /rescaled/);
  assert.equal(parseScore('Score: 4', 0, 5).reason, undefined);
  // a 1–10 rubric keeps its own range
  assert.equal(parseScore('Score: 9', 1, 10).score, 9);
});
