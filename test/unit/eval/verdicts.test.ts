import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseRating, parseVerdict } from '../../../remote/eval/verdicts';

test('pairwise verdicts: the last one on its own line (or ending the last line), markdown allowed', () => {
  assert.equal(parseVerdict('B reads better.\n\nVerdict: B'), 'B');
  assert.equal(parseVerdict('**Verdict:** [A]'), 'A');
  assert.equal(parseVerdict('- Final verdict: Answer B.'), 'B');
  assert.equal(parseVerdict('verdict = answer b'), 'B');
  assert.equal(parseVerdict('Verdict: A\n\nOn reflection:\nVerdict: B'), 'B');
  assert.equal(parseVerdict('The verdict: A looks longer but B is right.\nNothing else.'), null);
  assert.equal(parseVerdict('Both are fine.'), null);
  assert.equal(parseVerdict('Verdict: both have merits'), null);
  assert.equal(parseVerdict(''), null);
});

test('1–10 ratings: the last [[x]] or Rating line; off the scale counted apart, never clamped', () => {
  assert.deepEqual(parseRating('Good reply.\nRating: [[7]]'), { rating: 7 });
  assert.deepEqual(parseRating('I would say [[4]] at first.\nRating: [[6.5]]'), { rating: 6.5 });
  assert.deepEqual(parseRating('Rating: 8'), { rating: 8 });
  assert.deepEqual(parseRating('**Rating:** 9/10'), { rating: 9 });
  const high = parseRating('Rating: [[11]]');
  assert.equal(high.rating, null);
  assert.equal(high.outOfRange, 11, 'the written value is kept, not clamped to 10');
  assert.equal(parseRating('Rating: [[0]]').outOfRange, 0);
  assert.equal(parseRating('Rating: [[N/A]]').rating, null);
  assert.equal(parseRating('Rating: [[N/A]]').outOfRange, undefined, 'unreadable is not out of range');
  assert.equal(parseRating('My subrating: 3 of the criteria').rating, null, 'a word ending in "rating" inside a sentence does not count');
});
