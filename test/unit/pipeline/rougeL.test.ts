import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lcsLength, rougeL, rougeTokens } from '../../../remote/pipeline/rougeL';
import { NearDuplicateIndex } from '../../../remote/pipeline/nearDuplicates';

// Hand-computed: F = 2PR/(P+R) with P = LCS/|b|, R = LCS/|a|.
const cases: [string, string, number][] = [
  // LCS "the cat on the mat" = 5 of 6 and 6 → P = R = 5/6
  ['the cat sat on the mat', 'the cat is on the mat', 5 / 6],
  // LCS "write a about the sea" = 5; P = 5/7, R = 5/6 → F = 50/65
  ['Write a poem about the sea.', 'Write a short story about the sea', 50 / 65],
  // reversed order: LCS 1 → 1/4
  ['a b c d', 'd c b a', 0.25],
  // subsequence: LCS 3; P = 1, R = 3/5 → 0.75
  ['one two three four five', 'one three five', 0.75],
  ['Hello, World!', 'hello   world', 1],
  ['', 'anything', 0],
  ['abc', 'xyz', 0],
];

for (const [a, b, want] of cases) {
  test(`rougeL(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${want.toFixed(4)}`, () => {
    assert.ok(Math.abs(rougeL(a, b) - want) < 1e-12, `got ${rougeL(a, b)}`);
    assert.ok(Math.abs(rougeL(b, a) - want) < 1e-12, 'F is symmetric');
  });
}

test('tokenisation: lowercase, punctuation splits, Unicode letters kept', () => {
  assert.deepEqual(rougeTokens("Don't STOP—now!"), ['don', 't', 'stop', 'now']);
  assert.deepEqual(rougeTokens('Größe über 5 Tage'), ['größe', 'über', '5', 'tage']);
  assert.equal(lcsLength(['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a']), 4);
});

test('the near-duplicate index finds a text above the threshold and nothing below it', () => {
  const at = (threshold: number) => {
    const idx = new NearDuplicateIndex(threshold);
    idx.add('s1', 'Write a poem about the sea.');
    idx.add('s2', 'Explain how vaccines train the immune system.');
    return idx;
  };
  assert.equal(at(0.7).firstMatch('Write a short story about the sea')?.id, 's1'); // F = 50/65
  assert.equal(at(0.8).firstMatch('Write a short story about the sea'), undefined);
  assert.equal(at(0.7).firstMatch('List three uses of baking soda around the house.'), undefined);
});
