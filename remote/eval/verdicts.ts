/**
 * Reading an evaluation judge's output. Two formats, each asked for on the judge's LAST line:
 *   - pairwise comparison: `Verdict: A` or `Verdict: B` on a line of its own, or ending the judge's last line
 *     ("…so B is better. Verdict: B"); also `[[A]]` / `[[B]]`, the bracket form MT-Bench's pairwise judge uses. The
 *     last verdict counts; a verdict inside running text ("my verdict: A is shorter, but…") does not.
 *   - single-answer grading on 1–10 (the MT-Bench shape): `Rating: [[x]]`, or `[[x]]`, or a line of its own
 *     `Rating: x`. The last one counts. A rating outside the scale is counted apart (`outOfRange`), never clamped:
 *     a judge that writes 11 or 0 is broken, and clamping would hide it inside a plausible number.
 * Nothing readable → null, which every caller counts as "unreadable" (never as a tie or a low score).
 */
export type Verdict = 'A' | 'B' | null;

// A line that is only a verdict: optional markdown (bullets, emphasis, heading marks), an optional "final", the word
// "verdict", a colon or equals sign, an optional "answer"/"assistant" word, the letter, optional closing punctuation.
const VERDICT_LINE = /^[\s>*_#-]*(?:final\s+)?verdict\s*[*_]*\s*[:=：]\s*[*_]*\s*\[{0,2}\s*(?:(?:answer|assistant|response)[\s_]*)?([AB])\s*\]{0,2}[\s*_.!]*$/i;
const BRACKETED = /\[\[\s*([AB])\s*\]\]/g;
const TRAILING = /\bverdict\s*[*_]*\s*[:=：]\s*[*_]*\s*\[{0,2}\s*(?:(?:answer|assistant|response)[\s_]*)?([AB])\s*\]{0,2}[\s*_.!]*$/i;

/** The last verdict of a pairwise judge, or null when there is none. */
export function parseVerdict(text: string): Verdict {
  const lines = text.split(/\r?\n/);
  const lastLine = lines.map((l) => l.trim()).filter(Boolean).pop();
  const trailing = lastLine ? TRAILING.exec(lastLine) : null;
  if (trailing) return trailing[1].toUpperCase() as 'A' | 'B';
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = VERDICT_LINE.exec(lines[i]);
    if (m) return m[1].toUpperCase() as 'A' | 'B';
    const b = [...lines[i].matchAll(BRACKETED)];
    if (b.length) return b[b.length - 1][1].toUpperCase() as 'A' | 'B';
  }
  return null;
}

export interface ParsedRating {
  /** the rating when it is readable and on the scale */
  rating: number | null;
  /** the number the judge wrote when it is off the scale (counted apart, never clamped) */
  outOfRange?: number;
  reason?: string;
}

const DOUBLE_BRACKET = /\[\[\s*(-?\d+(?:\.\d+)?)\s*\]\]/g;
const RATING_LINE = /^[\s>*_#-]*rating\s*[*_]*\s*[:=：]\s*[*_]*\s*\[?\s*(-?\d+(?:\.\d+)?)\s*\]?\s*(?:\/\s*10)?[\s*_.]*$/i;

/** The last 1–10 rating in a grading judge's output. */
export function parseRating(text: string, min = 1, max = 10): ParsedRating {
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const b = [...lines[i].matchAll(DOUBLE_BRACKET)];
    const v = b.length ? b[b.length - 1][1] : RATING_LINE.exec(lines[i])?.[1];
    if (v === undefined) continue;
    const x = Number(v);
    if (!Number.isFinite(x)) return { rating: null, reason: `not a number: ${v}` };
    if (x < min || x > max) return { rating: null, outOfRange: x, reason: `rating ${x} is outside ${min}–${max}` };
    return { rating: x };
  }
  return { rating: null, reason: 'no "Rating: [[x]]"' };
}
