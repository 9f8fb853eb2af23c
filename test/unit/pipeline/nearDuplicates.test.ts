/**
 * The near-duplicate index against the exhaustive check it replaces: for 10,000 prompts, many of them edits of
 * earlier ones (so plenty of pairs sit near the threshold), the index's first match — or none — is the exhaustive
 * scan's, prompt by prompt, while kept prompts are added as the prompt stage adds them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NearDuplicateIndex } from '../../../remote/pipeline/nearDuplicates';
import { rougeLTokens, rougeTokens } from '../../../remote/pipeline/rougeL';
import { rng } from '../../../remote/pipeline/seeds';

const FUNCTION_WORDS = 'the a an of to and in for on with how what is can i my you your do does it this that be at by from as or'.split(' ');
const CONTENT_WORDS = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}`);

/** Prompts: fresh ones, and edits of earlier ones (substitute, delete, insert, swap, repeat a word, punctuation). */
function corpus(n: number, seed: number): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  // Zipf-ish: function words often, content words by a skewed draw
  const word = (): string => (r() < 0.4 ? pick(FUNCTION_WORDS) : CONTENT_WORDS[Math.floor(CONTENT_WORDS.length * r() * r())]);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i < 20 || r() < 0.4) {
      const len = 3 + Math.floor(r() * (r() < 0.03 ? 45 : 20));
      out.push(Array.from({ length: len }, word).join(' ') + pick(['?', '.', '', '!']));
      continue;
    }
    let w = rougeTokens(out[Math.floor(r() * out.length)]);
    const edits = 1 + Math.floor(r() * 4);
    for (let e = 0; e < edits && w.length > 1; e++) {
      const at = Math.floor(r() * w.length);
      const op = Math.floor(r() * 5);
      if (op === 0) w[at] = word();
      else if (op === 1) w.splice(at, 1);
      else if (op === 2) w.splice(at, 0, word());
      else if (op === 3 && at + 1 < w.length) [w[at], w[at + 1]] = [w[at + 1], w[at]];
      else w.splice(at, 0, w[at]);
    }
    if (r() < 0.2) w = w.map((x) => (r() < 0.3 ? x.toUpperCase() : x));
    out.push(w.join(r() < 0.5 ? ' ' : ', ') + pick(['?', '.', '']));
  }
  // edge cases: no tokens, punctuation only, repeats, and F exactly at 0.7 (7 common of 10 and 10: not above it)
  out.push('', '?!…', 'the the the the the', 'a b c d e f g h i j', 'a b c d e f g x y z', 'a b c d e f g u v w');
  return out;
}

/**
 * The exhaustive check: every stored text in order, exact F, first above the threshold. Tokens as numbers (one id
 * per distinct token: the same LCS, faster) and the length bound F ≤ 2·min(|a|,|b|)/(|a|+|b|) keep it to seconds.
 */
function exhaustive(stored: { id: string; tokens: Int32Array }[], q: Int32Array, threshold: number): string | undefined {
  for (const s of stored) {
    if (2 * Math.min(q.length, s.tokens.length) < threshold * (q.length + s.tokens.length)) continue;
    if (rougeLTokens(q, s.tokens) > threshold) return s.id;
  }
  return undefined;
}

function compare(texts: string[], threshold: number): { kept: number; dups: number } {
  const index = new NearDuplicateIndex(threshold);
  const ids = new Map<string, number>();
  const encode = (tokens: string[]): Int32Array => Int32Array.from(tokens, (x) => ids.get(x) ?? (ids.set(x, ids.size), ids.size - 1));
  const stored: { id: string; tokens: Int32Array }[] = [];
  let dups = 0;
  texts.forEach((text, i) => {
    const q = encode(rougeTokens(text));
    const want = exhaustive(stored, q, threshold);
    const got = index.firstMatch(text);
    assert.equal(got?.id, want, `prompt ${i} ${JSON.stringify(text)}: index says ${got?.id}, exhaustive ${want}`);
    if (got) {
      assert.equal(got.score, rougeLTokens(q, stored[got.index].tokens));
      dups++;
    } else {
      stored.push({ id: `p${i}`, tokens: q });
      index.add(`p${i}`, text);
    }
  });
  return { kept: stored.length, dups };
}

test('10,000 prompts with many near-duplicates: the index finds exactly the exhaustive check\'s first match (θ = 0.7)', { timeout: 600_000 }, () => {
  const texts = corpus(10_000, 20);
  const { kept, dups } = compare(texts, 0.7);
  assert.ok(dups > 2000 && kept > 2000, `a corpus with both outcomes in numbers: kept ${kept}, near-duplicates ${dups}`);
});

test('other thresholds agree too, including 0 (any shared token) and the edges of long texts', { timeout: 300_000 }, () => {
  for (const [threshold, seed] of [[0, 1], [0.3, 2], [0.5, 3], [0.9, 4], [1, 5]] as const) compare(corpus(1500, seed), threshold);
});

test('F exactly at the threshold is not above it; unknown tokens and empty texts match nothing', () => {
  const index = new NearDuplicateIndex(0.7);
  index.add('s', 'a b c d e f g h i j');
  assert.equal(index.firstMatch('a b c d e f g x y z'), undefined, '7 of 10 and 10: F = 0.7, not > 0.7');
  assert.equal(index.firstMatch('a b c d e f g h x y')?.id, 's', '8 of 10: F = 0.8');
  assert.equal(index.firstMatch(''), undefined);
  assert.equal(index.firstMatch('zz yy xx'), undefined);
  index.add('empty', '...');
  assert.equal(index.size, 2);
});
