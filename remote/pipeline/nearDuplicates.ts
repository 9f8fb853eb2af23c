/**
 * The near-duplicate index: "which stored text, first in the order they were added, has ROUGE-L F above θ against
 * this one?" — the answer an exhaustive scan gives, while touching only a few of the stored texts.
 *
 * Why it is exact. F = 2·LCS / (n + m) for texts of n and m tokens, and LCS ≤ o, their bag overlap (tokens in common,
 * with multiplicity). So a match needs o ≥ α = ⌊θ(n + m)/2⌋ + 1. Each token occurrence is an element of its own
 * ("the"#1, "the"#2: bag overlap becomes set overlap) and all elements share one total order. The ℓ-prefix lemma
 * (prefix filtering, Chaudhuri et al. 2006; generalised by Wang et al. 2012): if o ≥ α ≥ ℓ, the first n − α + ℓ
 * sorted elements of one text and the first m − α + ℓ of the other share at least ℓ elements. A text is posted
 * under the elements of its prefix, made long enough for the least α any partner could need (t below), plus
 * SHARED − 1; a query probes its own prefix and counts the hits per stored text. Texts with fewer than
 * min(SHARED, α) hits cannot match. Each hit at positions (i, j) after `a` others also bounds the overlap by
 * a + 1 + min(n − i − 1, m − j − 1) (PPJoin's positional filter, Xiao et al. 2008): every common element not hit yet
 * comes later on both sides. Survivors meet the bag-overlap bound, then the exact LCS decides, with the same float
 * operations as the exhaustive check (rougeL.ts). Every bound is taken with a margin of 1e-9, so float rounding can
 * only let a text through, never drop a match. test/unit/pipeline/nearDuplicates.test.ts compares it with the
 * exhaustive scan on 10,000 prompts.
 *
 * Why it is fast. Prefixes are selective when rare elements come first: the order is by document frequency frozen
 * at the last rebuild (elements first seen since then count as rarest; ties by element id), and the index rebuilds
 * at every doubling of its size, so the order follows the texts stored at linear amortised cost. Postings are kept
 * by text length and by position, so a probe visits only lengths a match can have and stops at positions too late
 * to reach α. A partner at least as long as a text needs o > θ·n, so a text has a short prefix (for longer
 * partners) and a long one (for any partner); a query probes the short postings of texts up to its length with its
 * long prefix and the long postings of longer texts with its short prefix. Any fixed order is correct; the order
 * and these cuts only decide speed.
 */
import { lcsLength, rougeTokens } from './rougeL';

/** Token ids shared by the indexes one check consults (ids are only comparable within one vocabulary). */
export class Vocabulary {
  private ids = new Map<string, number>();

  /** Ids of the tokens; unknown tokens get a fresh id with `add`, else -1 (they match nothing stored). */
  encode(tokens: readonly string[], add: boolean): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      let id = this.ids.get(tokens[i]);
      if (id === undefined) {
        if (add) {
          id = this.ids.size;
          this.ids.set(tokens[i], id);
        } else id = -1;
      }
      out[i] = id;
    }
    return out;
  }

  get size(): number {
    return this.ids.size;
  }
}

/** A text ready for checks against the indexes of one vocabulary. */
export interface EncodedText {
  ids: Int32Array;
  /** ids sorted ascending (for the bag-overlap bound) */
  sorted: Int32Array;
}

export function encodeText(vocab: Vocabulary, text: string, add: boolean): EncodedText {
  const ids = vocab.encode(rougeTokens(text), add);
  return { ids, sorted: ids.slice().sort() };
}

interface Item {
  id: string;
  ids: Int32Array;
  sorted: Int32Array;
}

/** element → text length → the texts with that element in their prefix and its position there, by position. */
type Postings = Map<number, ({ items: number[]; positions: number[] } | undefined)[]>;

/** The first n − t + SHARED elements: a match that needs t or more common elements shares min(SHARED, α) here. */
const prefix = (n: number, t: number): number => (n === 0 ? 0 : Math.max(1, Math.min(n, n - t + SHARED)));

function add(postings: Postings, els: number[], upto: number, m: number, index: number): void {
  for (let i = 0; i < upto; i++) {
    let byLength = postings.get(els[i]);
    if (!byLength) postings.set(els[i], (byLength = []));
    while (byLength.length <= m) byLength.push(undefined);
    let list = byLength[m];
    if (!list) byLength[m] = list = { items: [], positions: [] };
    // keep the list ordered by position, so a probe stops at the first position too late to matter
    let k = list.positions.length;
    list.items.push(index);
    list.positions.push(i);
    for (; k > 0 && list.positions[k - 1] > i; k--) {
      list.items[k] = list.items[k - 1];
      list.positions[k] = list.positions[k - 1];
    }
    list.items[k] = index;
    list.positions[k] = i;
  }
}

export interface Match {
  id: string;
  /** position in the order of `add` */
  index: number;
  score: number;
}

// Element key of the k-th occurrence (k = 0, 1, …) of token `id`: exact in a double for ids < 2^24, k < 2^28.
const OCCURRENCE = 2 ** 24;
// Unknown query tokens (id -1) get negative keys: first in the order, in no posting list.
const elementKey = (id: number, k: number): number => (id < 0 ? -1 - k : k * OCCURRENCE + id);
const SLACK = 1e-9;
/** hits a candidate needs (when it needs at least that many common elements): 4 measured fastest on sim prompts */
const SHARED = 4;
const FIRST_REBUILD = 64;

/** Whether two ascending id arrays share at least `want` ids, with multiplicity (unknown ids, -1, never count). */
function overlapsAtLeast(a: Int32Array, b: Int32Array, want: number): boolean {
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) {
    if (o + Math.min(a.length - i, b.length - j) < want) return false;
    const x = a[i];
    const y = b[j];
    if (x === y) {
      if (x >= 0 && ++o >= want) return true;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return o >= want;
}

export class NearDuplicateIndex {
  private items: Item[] = [];
  /** postings of long prefixes (for partners of any length) and of short ones (for partners at least as long) */
  private longPostings: Postings = new Map();
  private shortPostings: Postings = new Map();
  private maxLength = 0;
  /** documents holding each element, kept current */
  private df = new Map<number, number>();
  /** df as of the last rebuild: the order in use */
  private frozen = new Map<number, number>();
  private nextRebuild = FIRST_REBUILD;
  /** per stored text, for the query being answered: its generation stamp and hits so far (-1: ruled out) */
  private stamp = new Uint32Array(FIRST_REBUILD);
  private hits = new Int32Array(FIRST_REBUILD);
  /** token count of each stored text */
  private lengths = new Int32Array(FIRST_REBUILD);
  private generation = 0;
  /** θ lowered by the margin: bounds below it prune */
  private readonly lo: number;

  /** Matches are texts with F strictly above `threshold` (Self-Instruct keeps a prompt unless max F > 0.7). */
  constructor(readonly threshold: number, readonly vocab = new Vocabulary()) {
    this.lo = threshold - SLACK;
  }

  get size(): number {
    return this.items.length;
  }

  add(id: string, text: string): void {
    this.addEncoded(id, encodeText(this.vocab, text, true));
  }

  /** Add a text encoded with `add: true` in this index's vocabulary. */
  addEncoded(id: string, t: EncodedText): void {
    if (t.ids.some((x) => x < 0)) throw new Error('NearDuplicateIndex: text encoded without adding its tokens to the vocabulary');
    const index = this.items.length;
    this.items.push({ id, ids: t.ids, sorted: t.sorted });
    if (this.lengths.length <= index) {
      const grown = new Int32Array(2 * this.lengths.length);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[index] = t.ids.length;
    this.maxLength = Math.max(this.maxLength, t.ids.length);
    const els = this.elements(t.ids);
    for (const e of els) this.df.set(e, (this.df.get(e) ?? 0) + 1);
    if (this.items.length >= this.nextRebuild) this.rebuild();
    else this.post(index, els);
  }

  /** The first stored text (in the order added) with F > threshold against `text`, if any. */
  firstMatch(text: string): Match | undefined {
    return this.firstMatchEncoded(encodeText(this.vocab, text, false));
  }

  firstMatchEncoded(q: EncodedText): Match | undefined {
    const n = q.ids.length;
    if (n === 0 || this.items.length === 0) return undefined;
    const els = this.elements(q.ids);
    if (this.stamp.length < this.items.length || this.generation >= 0xfffffffe) {
      this.stamp = new Uint32Array(2 * this.items.length);
      this.hits = new Int32Array(2 * this.items.length);
      this.generation = 0;
    }
    const gen = ++this.generation;
    const need = this.lo;
    // lengths a match can have: F ≤ 2·min(n, m) / (n + m)
    const lengthLo = need > 0 ? Math.max(1, Math.floor((need * n) / (2 - need))) : 1;
    const lengthHi = need > 0 ? Math.floor(((2 - need) * n) / need) + 1 : Infinity;
    const touched: number[] = [];
    // stored texts no longer than the query: their short prefixes against its long one; longer ones the other way
    this.probe(this.shortPostings, els, this.longPrefix(n), n, lengthLo, Math.min(n, this.maxLength), gen, touched);
    this.probe(this.longPostings, els, this.shortPrefix(n), n, n + 1, Math.min(lengthHi, this.maxLength), gen, touched);
    const candidates: number[] = [];
    const { hits, lengths } = this;
    for (const idx of touched) {
      const h = hits[idx];
      if (h < 0) continue;
      const sum = n + lengths[idx];
      const alpha = need > 0 ? Math.floor((need * sum) / 2) + 1 : 1;
      if (h < Math.min(SHARED, alpha)) continue; // the ℓ-prefix lemma
      if (!overlapsAtLeast(q.sorted, this.items[idx].sorted, alpha)) continue; // F ≤ 2·overlap / (n + m)
      candidates.push(idx);
    }
    candidates.sort((a, b) => a - b); // the first match in the order added, as the exhaustive scan finds it
    for (const idx of candidates) {
      const it = this.items[idx];
      const m = it.ids.length;
      const lcs = lcsLength(q.ids, it.ids);
      if (lcs === 0) continue;
      // rouge_score's float operations, target = the query, prediction = the stored text (see rougeLTokens)
      const p = lcs / m;
      const r = lcs / n;
      const f = (2 * p * r) / (p + r);
      if (f > this.threshold) return { id: it.id, index: idx, score: f };
    }
    return undefined;
  }

  /**
   * Count the hits of stored texts of length lo..hi in `postings` by the first `upto` of the query's elements. A hit
   * at positions (i, j) after `a` others bounds the overlap by a + 1 + min(n − i − 1, m − j − 1): every common element
   * not hit yet comes after it on both sides (an earlier one would sit in both prefixes and have hit already). A text
   * the bound rules out is marked -1.
   */
  private probe(postings: Postings, els: number[], upto: number, n: number, lo: number, hi: number, gen: number, touched: number[]): void {
    const need = this.lo;
    const { stamp, hits } = this;
    for (let i = 0; i < upto; i++) {
      const byLength = postings.get(els[i]);
      if (!byLength) continue;
      const top = Math.min(hi, byLength.length - 1);
      for (let m = lo; m <= top; m++) {
        const list = byLength[m];
        if (!list) continue;
        const sum = n + m;
        if (2 * Math.min(n, m) < need * sum) continue; // length bound: F ≤ 2·min / (n + m)
        // least overlap a match needs (2·o > θ(n + m)); a hit after a < SHARED others needs a + 1 + the shorter rest
        // ≥ it, so positions past these cannot help
        const alpha = need > 0 ? Math.floor((need * sum) / 2) + 1 : 1;
        if (i > n - alpha + SHARED - 1) break; // and for every longer text, which needs more
        const last = m - alpha + SHARED - 1;
        const { items, positions } = list;
        for (let k = 0; k < items.length; k++) {
          const j = positions[k];
          if (j > last) break;
          const idx = items[k];
          let a = 0;
          if (stamp[idx] !== gen) {
            stamp[idx] = gen;
            hits[idx] = 0;
            touched.push(idx);
          } else {
            a = hits[idx];
            if (a < 0) continue; // ruled out
          }
          hits[idx] = 2 * (a + 1 + Math.min(n - i - 1, m - j - 1)) < need * sum ? -1 : a + 1;
        }
      }
    }
  }

  /** Elements of a text in the order in use. */
  private elements(ids: Int32Array): number[] {
    const seen = new Map<number, number>();
    const els = new Array<number>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const k = seen.get(ids[i]) ?? 0;
      seen.set(ids[i], k + 1);
      els[i] = elementKey(ids[i], k);
    }
    const f = this.frozen;
    return els.sort((a, b) => (f.get(a) ?? 0) - (f.get(b) ?? 0) || a - b);
  }

  /** Prefix against partners of any length: t is the least overlap any match needs (a partner of t tokens: t·(2 − θ) > θ·n). */
  private longPrefix(n: number): number {
    const lo = this.lo;
    return prefix(n, lo <= 0 ? 1 : Math.floor((lo * n) / (2 - lo)) + 1);
  }

  /** Prefix against partners at least as long: a match needs an overlap above θ(n + m)/2 ≥ θ·n. */
  private shortPrefix(n: number): number {
    const lo = this.lo;
    return prefix(n, lo <= 0 ? 1 : Math.floor(lo * n) + 1);
  }

  private post(index: number, sortedElements: number[]): void {
    const m = sortedElements.length;
    add(this.longPostings, sortedElements, this.longPrefix(m), m, index);
    add(this.shortPostings, sortedElements, this.shortPrefix(m), m, index);
  }

  /** Re-rank elements by current frequency and re-post every text. */
  private rebuild(): void {
    this.frozen = new Map(this.df);
    this.longPostings = new Map();
    this.shortPostings = new Map();
    for (let i = 0; i < this.items.length; i++) this.post(i, this.elements(this.items[i].ids));
    this.nextRebuild = 2 * this.items.length;
  }
}
