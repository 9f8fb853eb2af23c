/**
 * The near-duplicate index: "which stored text, first in the order they were added, has ROUGE-L F above θ against
 * this one?" — the answer an exhaustive scan gives, at a cost that stays near-linear in the number of texts.
 *
 * Why it is exact. F = 2·LCS / (|a| + |b|), and LCS ≤ o, the bag overlap (tokens in common, with multiplicity). A
 * partner of a can only pass with o > θ(|a| + |b|)/2, and since |b| ≥ o, every match of a needs o ≥ t(|a|), the
 * least integer with t·(2 − θ) > θ·|a|. Each token occurrence is an element of its own ("the"#1, "the"#2), so bag
 * overlap is set overlap; all elements share one total order; a text's prefix is the first |x| − t(|x|) + 1 of its
 * sorted elements. Prefix filtering (Chaudhuri et al. 2006, Bayardo et al. 2007): when o ≥ t for both sides, the
 * first common element in the order lies in both prefixes. So posting lists hold prefix elements only and a query
 * probes its own prefix: every true match becomes a candidate. Candidates then meet two upper bounds on F (length
 * and bag overlap) and the exact LCS decides, with the same float formula as the exhaustive check (rougeL.ts). The
 * bounds are taken with a margin of 1e-9 so float rounding can only let a candidate through, never drop a match.
 *
 * Why it is fast. Prefixes are selective when rare elements come first: the order is by document frequency frozen
 * at the last rebuild (elements first seen since then count as rarest; ties by element id). The index rebuilds at
 * every doubling of its size, so the order follows the texts actually stored at linear amortised cost. Any fixed
 * order is correct; the order only decides speed.
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
const FIRST_REBUILD = 64;

/** Bag overlap of two ascending id arrays (unknown ids, -1, never count). */
function bagOverlap(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === y) {
      if (x >= 0) o++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return o;
}

export class NearDuplicateIndex {
  private items: Item[] = [];
  private postings = new Map<number, number[]>();
  /** documents holding each element, kept current */
  private df = new Map<number, number>();
  /** df as of the last rebuild: the order in use */
  private frozen = new Map<number, number>();
  private nextRebuild = FIRST_REBUILD;
  private stamp = new Uint32Array(FIRST_REBUILD);
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
    const probe = this.prefixLength(n);
    if (this.stamp.length < this.items.length) this.stamp = new Uint32Array(2 * this.items.length);
    const gen = ++this.generation;
    const candidates: number[] = [];
    for (let i = 0; i < probe; i++) {
      const list = this.postings.get(els[i]);
      if (!list) continue;
      for (const idx of list) {
        if (this.stamp[idx] === gen) continue;
        this.stamp[idx] = gen;
        candidates.push(idx);
      }
    }
    if (gen === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 0;
    }
    candidates.sort((a, b) => a - b);
    const need = this.lo;
    for (const idx of candidates) {
      const it = this.items[idx];
      const m = it.ids.length;
      const sum = n + m;
      if (2 * Math.min(n, m) < need * sum) continue; // length bound: F ≤ 2·min / (n + m)
      if (2 * bagOverlap(q.sorted, it.sorted) < need * sum) continue; // F ≤ 2·overlap / (n + m)
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

  /** |x| − t(|x|) + 1, with t the least overlap any match of a text of n tokens needs (lowered by the margin). */
  private prefixLength(n: number): number {
    if (n === 0) return 0;
    const lo = this.lo;
    const t = lo <= 0 ? 1 : Math.floor((lo * n) / (2 - lo)) + 1;
    return Math.max(1, Math.min(n, n - t + 1));
  }

  private post(index: number, sortedElements: number[]): void {
    const p = this.prefixLength(sortedElements.length);
    for (let i = 0; i < p; i++) {
      const e = sortedElements[i];
      const list = this.postings.get(e);
      if (list) list.push(index);
      else this.postings.set(e, [index]);
    }
  }

  /** Re-rank elements by current frequency and re-post every text. */
  private rebuild(): void {
    this.frozen = new Map(this.df);
    this.postings = new Map();
    for (let i = 0; i < this.items.length; i++) this.post(i, this.elements(this.items[i].ids));
    this.nextRebuild = 2 * this.items.length;
  }
}
