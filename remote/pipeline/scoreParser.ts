/**
 * Reads the judge's verdict: the LAST `Score: x` in the output (the rubric asks for it on the final line, and judges
 * often mention "score" earlier while reasoning). Accepts `x`, `x/5` (or `x/d`, rescaled to the rubric's range),
 * decimals, markdown emphasis (`**Score: 3**`, `**Score:** 3`), any case. Out-of-range values are clamped.
 */
export interface ParsedScore {
  score: number | null;
  parseOk: boolean;
  /** why parsing failed, or a note (e.g. "clamped from 7") when it succeeded with an adjustment */
  reason?: string;
}

// "score" then optional emphasis/space, a colon or equals sign, optional emphasis, then the rest of the line.
const SCORE_LINE_RE = /score\s*[*_]*\s*[:=：]\s*[*_]*\s*([^\n]*)/gi;
const VALUE_RE = /^(-?\d+(?:\.\d+)?)(?:\s*\/\s*(\d+(?:\.\d+)?))?/;

export function parseScore(text: string, min: number, max: number): ParsedScore {
  let last: string | undefined;
  for (const m of text.matchAll(SCORE_LINE_RE)) last = m[1];
  if (last === undefined) return { score: null, parseOk: false, reason: 'no "Score:" line' };
  const v = VALUE_RE.exec(last.trim());
  if (!v) return { score: null, parseOk: false, reason: `last "Score:" is not a number: ${JSON.stringify(last.trim().slice(0, 40))}` };
  let x = Number(v[1]);
  let reason: string | undefined;
  if (v[2] !== undefined) {
    const d = Number(v[2]);
    if (!(d > 0)) return { score: null, parseOk: false, reason: `bad denominator in ${JSON.stringify(v[0])}` };
    // "3/5" on a 0–5 rubric is 3; "8/10" on it is 4.
    if (d !== max) {
      x = min + (x / d) * (max - min);
      reason = `rescaled from ${v[0].replace(/\s+/g, '')}`;
    }
  }
  if (!Number.isFinite(x)) return { score: null, parseOk: false, reason: 'not a finite number' };
  if (x > max || x < min) {
    reason = `clamped from ${x}`;
    x = Math.min(max, Math.max(min, x));
  }
  return reason ? { score: x, parseOk: true, reason } : { score: x, parseOk: true };
}
