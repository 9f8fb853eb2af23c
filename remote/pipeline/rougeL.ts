/**
 * ROUGE-L F-measure (β = 1) between two texts, used to drop near-duplicate prompts as Self-Instruct does.
 *
 * Tokenisation follows the `rouge_score` package's default tokenizer that Self-Instruct calls: lowercase, every run
 * of characters other than letters and digits becomes a separator, split on whitespace, no stemming. One extension:
 * letters and digits are Unicode-aware (\p{L}\p{N}) rather than ASCII-only, so non-English prompts are not reduced
 * to nothing.
 *   P = LCS / |prediction tokens|, R = LCS / |target tokens|, F = 2PR / (P + R) (= 2·LCS / (|a| + |b|)); 0 when
 *   either side has no tokens.
 * nearDuplicates.ts finds, among many stored texts, the ones above a threshold without comparing against all.
 */
export function rougeTokens(text: string): string[] {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(/\s+/).filter(Boolean);
}

// Two DP rows reused across calls: the near-duplicate check runs this hundreds of thousands of times per stage.
let rowA = new Uint32Array(256);
let rowB = new Uint32Array(256);

/** Length of the longest common subsequence of two token lists (O(|a|·|b|) time, O(|b|) memory). */
export function lcsLength<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const m = b.length;
  if (!a.length || !m) return 0;
  if (rowA.length <= m) {
    rowA = new Uint32Array(2 * m + 2);
    rowB = new Uint32Array(2 * m + 2);
  }
  let prev = rowA;
  let cur = rowB;
  prev.fill(0, 0, m + 1);
  cur[0] = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    for (let j = 1; j <= m; j++) {
      if (ai === b[j - 1]) cur[j] = prev[j - 1] + 1;
      else {
        const up = prev[j];
        const left = cur[j - 1];
        cur[j] = up > left ? up : left;
      }
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

/**
 * F of `target` (a new text) against `prediction` (a stored one), with the float operations of rouge_score's
 * `scorer.score(target, prediction)` as Self-Instruct calls it, so a score at the threshold compares the same way.
 */
export function rougeLTokens<T>(target: ArrayLike<T>, prediction: ArrayLike<T>): number {
  const lcs = lcsLength(target, prediction);
  if (lcs === 0) return 0;
  const p = lcs / prediction.length;
  const r = lcs / target.length;
  return (2 * p * r) / (p + r);
}

export function rougeL(target: string, prediction: string): number {
  return rougeLTokens(rougeTokens(target), rougeTokens(prediction));
}
