import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectPair } from '../../../remote/pipeline/pairSelection';
import { rng } from '../../../remote/pipeline/seeds';

const c = (id: string, score: number | null, chars: number) => ({ id, score, chars });
const ids = (r: ReturnType<typeof selectPair>) => ('drop' in r ? r.drop : `${r.chosen.id}>${r.rejected.id}`);

test('ρ = 0: best vs worst regardless of length', () => {
  const t = [c('a', 4.67, 900), c('b', 3, 300), c('c', 1.33, 200), c('d', 2, 1200)];
  assert.equal(ids(selectPair(t, 0, 2)), 'a>c');
});

test('ρ bands on a hand-made table', () => {
  // Smax 5, Smin 1. ρ = 0.25 → top band [4, 5], bottom band [1, 2].
  const t = [c('a', 5, 1500), c('b', 4.33, 600), c('c', 4, 800), c('d', 3, 100), c('e', 2, 2000), c('f', 1, 400)];
  // chosen = shortest in [4,5] = b (600); rejected = longest in [1,2] = e (2000)
  assert.equal(ids(selectPair(t, 0.25, 2)), 'b>e');
  // ρ = 0.1 → top [4.6, 5] = {a}; bottom [1, 1.4] = {f}
  assert.equal(ids(selectPair(t, 0.1, 2)), 'a>f');
  // ρ = 0.5 → top [3, 5] → shortest d (100, score 3); bottom [1, 3] → longest e (2000)
  assert.equal(ids(selectPair(t, 0.5, 2)), 'd>e');
});

test('ρ = 0.5 with only the middle score in both bands → tie', () => {
  // Smax 4, Smin 2 → top [3,4]: shortest = m (50); bottom [2,3]: longest = m (50, l is 10) → same candidate
  const t = [c('h', 4, 900), c('m', 3, 50), c('l', 2, 10)];
  assert.deepEqual(selectPair(t, 0.5, 2), { drop: 'tie' });
});

test('length ties break by score; unscored candidates are ignored', () => {
  const t = [c('a', 5, 300), c('b', 4.5, 300), c('x', null, 10), c('c', 1, 700), c('d', 1.2, 700)];
  assert.equal(ids(selectPair(t, 0.2, 2)), 'a>c');
});

test('drops: tie, too few scored', () => {
  assert.deepEqual(selectPair([c('a', 3, 10), c('b', 3, 20), c('c', 3, 30)], 0, 2), { drop: 'tie' });
  assert.deepEqual(selectPair([c('a', 3, 10), c('b', null, 20), c('c', null, 30)], 0, 2), { drop: 'too_few_scored' });
  assert.deepEqual(selectPair([c('a', 5, 10), c('b', 1, 20), c('c', null, 30)], 0, 3), { drop: 'too_few_scored' });
  // mean scores that differ only by float noise are a tie
  assert.deepEqual(selectPair([c('a', (0.1 + 0.2) * 10, 10), c('b', 3, 20)], 0, 2), { drop: 'tie' });
});

test('ρ = 0 tie-break among equally scored best/worst candidates: shortest/longest rules and a seeded random draw', () => {
  // a, b, c share the best score; d, e share the worst
  const t = [c('a', 5, 300), c('b', 5, 900), c('c', 5, 600), c('d', 1, 200), c('e', 1, 1000)];
  assert.equal(ids(selectPair(t, 0, 2)), 'a>e', 'default (the rule this function always had): shortest chosen, longest rejected');
  assert.equal(ids(selectPair(t, 0, 2, { tieBreak: 'shortest' })), 'a>e');
  assert.equal(ids(selectPair(t, 0, 2, { tieBreak: 'longest' })), 'b>d');
  assert.throws(() => selectPair(t, 0, 2, { tieBreak: 'random' }), /needs a seeded rand/);
  // random: the same seed picks the same; over many seeds every tied candidate is picked, so length is not favoured
  const pick = (seed: number) => ids(selectPair(t, 0, 2, { tieBreak: 'random', rand: rng(seed) }));
  assert.equal(pick(7), pick(7));
  const chosen = new Map<string, number>();
  const rejected = new Map<string, number>();
  for (let s = 0; s < 600; s++) {
    const [ch, rj] = pick(s).split('>');
    chosen.set(ch, (chosen.get(ch) ?? 0) + 1);
    rejected.set(rj, (rejected.get(rj) ?? 0) + 1);
  }
  assert.deepEqual([...chosen.keys()].sort(), ['a', 'b', 'c']);
  for (const n of chosen.values()) assert.ok(n > 150 && n < 250, `chosen about a third each: ${[...chosen]}`);
  for (const n of rejected.values()) assert.ok(n > 240 && n < 360, `rejected about half each: ${[...rejected]}`);
  // without ties the tie-break changes nothing; at ρ > 0 the length-control rule decides
  const distinct = [c('a', 5, 300), c('b', 4, 900), c('d', 1, 200)];
  for (const tieBreak of ['random', 'shortest', 'longest'] as const) assert.equal(ids(selectPair(distinct, 0, 2, { tieBreak, rand: rng(1) })), 'a>d');
  assert.equal(ids(selectPair(t, 0.25, 2, { tieBreak: 'longest' })), 'a>e');
});
