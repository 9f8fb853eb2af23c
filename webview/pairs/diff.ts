/** Word-level diff of two answers (LCS over whitespace-separated tokens), bounded so huge answers don't freeze the page. */
export type DiffPart = { op: 'same' | 'del' | 'ins'; text: string };

const MAX_CELLS = 4_000_000;

export function tokens(s: string): string[] {
  return s.match(/\s+|[^\s]+/g) ?? [];
}

/** Parts turning `a` (rejected) into `b` (chosen); undefined when the texts are too long to diff. */
export function wordDiff(a: string, b: string): DiffPart[] | undefined {
  const x = tokens(a);
  const y = tokens(b);
  const n = x.length;
  const m = y.length;
  if (n * m > MAX_CELLS) return undefined;
  // lcs[i][j] = LCS length of x[i..], y[j..], in one flat typed array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
  const out: DiffPart[] = [];
  const push = (op: DiffPart['op'], text: string): void => {
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text;
    else out.push({ op, text });
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      push('same', x[i]);
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) push('del', x[i++]);
    else push('ins', y[j++]);
  }
  while (i < n) push('del', x[i++]);
  while (j < m) push('ins', y[j++]);
  return out;
}

/**
 * How much the two answers have in common, as the diff finds it: shared words / words of the shorter answer
 * (whitespace left out), so an answer that extends the other counts as similar. Two unrelated answers still share
 * "the", "a", "to"…, so a diff means something only well above that.
 */
export function diffSimilarity(parts: readonly DiffPart[]): number {
  const words = (t: string): number => (t.match(/[^\s]+/g) ?? []).length;
  let same = 0;
  let del = 0;
  let ins = 0;
  for (const p of parts) {
    const n = words(p.text);
    if (p.op === 'same') same += n;
    else if (p.op === 'del') del += n;
    else ins += n;
  }
  const shorter = Math.min(same + del, same + ins);
  return shorter ? same / shorter : 1;
}

/** Below this similarity the word diff is not shown by default (it would be mostly noise). */
export const MIN_DIFF_SIMILARITY = 0.5;
