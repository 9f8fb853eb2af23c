/**
 * ROUGE-L F-measure (β = 1) between two texts, used to drop near-duplicate prompts as Self-Instruct does.
 *
 * Tokenisation follows the `rouge_score` package's default tokenizer that Self-Instruct calls: lowercase, every run
 * of characters other than letters and digits becomes a separator, split on whitespace, no stemming. One extension:
 * letters and digits are Unicode-aware (\p{L}\p{N}) rather than ASCII-only, so non-English prompts are not reduced
 * to nothing.
 *   P = LCS / |b tokens|, R = LCS / |a tokens|, F = 2PR / (P + R); 0 when either side has no tokens.
 */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(/\s+/).filter(Boolean);
}

/** Length of the longest common subsequence of two token lists (O(|a|·|b|) time, O(|b|) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = ai === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

export function rougeLTokens(a: readonly string[], b: readonly string[]): number {
  const lcs = lcsLength(a, b);
  if (lcs === 0) return 0;
  const p = lcs / b.length;
  const r = lcs / a.length;
  return (2 * p * r) / (p + r);
}

export function rougeL(a: string, b: string): number {
  return rougeLTokens(rougeTokens(a), rougeTokens(b));
}

/**
 * The near-duplicate index of the prompt stage: tokenised texts, checked with a cheap upper bound first
 * (F ≤ 2·min(|a|,|b|)/(|a|+|b|)) so most comparisons never run the LCS.
 */
export class RougeIndex {
  private items: { id: string; tokens: string[] }[] = [];

  add(id: string, text: string): void {
    this.items.push({ id, tokens: rougeTokens(text) });
  }

  /** The first stored item with ROUGE-L ≥ threshold against `text`, if any. */
  nearest(text: string, threshold: number): { id: string; score: number } | undefined {
    const t = rougeTokens(text);
    for (const it of this.items) {
      const bound = (2 * Math.min(t.length, it.tokens.length)) / (t.length + it.tokens.length || 1);
      if (bound < threshold) continue;
      const f = rougeLTokens(t, it.tokens);
      if (f >= threshold) return { id: it.id, score: f };
    }
    return undefined;
  }

  get size(): number {
    return this.items.length;
  }
}
