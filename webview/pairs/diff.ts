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
