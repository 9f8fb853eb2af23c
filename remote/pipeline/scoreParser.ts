/**
 * Reads the judge's verdict: the LAST `Score: x` that stands on a line of its own (the rubric asks for it on the final
 * line; judges often mention a score earlier while reasoning, or score parts: "Subscore: 1", "Relevance score: 2",
 * "Score: 5 would need expert depth" are not verdicts). A verdict line is, after optional markdown (`**`, `#`, `-`,
 * `>`), `Score` — or `Final/Total/Overall score` — then `:` or `=`, the value and nothing but emphasis,
 * punctuation, a unit (`points`, `/5`, `out of 5`) or a closing
 * parenthesis (`Score: 4 (solid)`). Accepts decimals and `x/d` (rescaled to the rubric's range
 * when d is not its maximum), any case. A verdict line whose value is not a number (`Score: N/A`) is the last word:
 * a parse failure. A value outside [min, max] is reported as `outOfRange` with no score — never clamped.
 */
export interface ParsedScore {
  score: number | null;
  parseOk: boolean;
  /** the value the judge wrote when it lies outside the rubric's range (score is then null, parseOk false) */
  outOfRange?: number;
  /** why parsing failed, or a note (e.g. "rescaled from 8/10") when it succeeded with an adjustment */
  reason?: string;
}

// A verdict line: markup, the label, a separator, then the rest of the line.
const LABEL_RE = /^\s*(?:[#>*_-]+\s*)*(?:(?:final|total|overall)\s+)?score\s*[*_]*\s*[:=：]\s*[*_]*\s*(.*)$/i;
// The value and what may follow it on a verdict line.
const VALUE_RE = /^(-?\d+(?:\.\d+)?)(?:\s*(?:\/|out\s+of)\s*(\d+(?:\.\d+)?))?\s*(?:points?|pts)?[\s*_.!)\]]*(?:\([^)]*\)[\s*_.!]*)?$/i;
// A value followed by prose ("Score: 5 would need …"): a mention, not a verdict.
const MENTION_RE = /^-?\d+(?:\.\d+)?\b/;

export function parseScore(text: string, min: number, max: number): ParsedScore {
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const m = LABEL_RE.exec(line);
    if (!m) continue;
    const rest = m[1].trim();
    if (!VALUE_RE.test(rest) && MENTION_RE.test(rest)) continue;
    last = rest;
  }
  if (last === undefined) return { score: null, parseOk: false, reason: 'no "Score:" line' };
  const v = VALUE_RE.exec(last);
  if (!v) return { score: null, parseOk: false, reason: `last "Score:" is not a number: ${JSON.stringify(last.slice(0, 40))}` };
  let x = Number(v[1]);
  let reason: string | undefined;
  if (v[2] !== undefined) {
    const d = Number(v[2]);
    if (!(d > 0)) return { score: null, parseOk: false, reason: `bad denominator in ${JSON.stringify(last)}` };
    if (x > d || x < 0) return { score: null, parseOk: false, outOfRange: x, reason: `out of range: ${x} out of ${d}` };
    // "3/5" on a 0–5 rubric is 3; "8/10" on it is 4.
    if (d !== max) {
      x = min + (x / d) * (max - min);
      reason = `rescaled from ${v[1]}/${v[2]}`;
    }
  }
  if (!Number.isFinite(x)) return { score: null, parseOk: false, reason: 'not a finite number' };
  if (x > max || x < min) return { score: null, parseOk: false, outOfRange: x, reason: `out of range: ${x} (scale ${min}–${max})` };
  return reason ? { score: x, parseOk: true, reason } : { score: x, parseOk: true };
}
