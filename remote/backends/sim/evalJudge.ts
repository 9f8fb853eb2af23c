/**
 * The sim's evaluation judge: the two judge tasks of remote/eval/judges.ts, recognised from the content alone, so
 * every evaluation (win rate, head-to-head, checkpoint selection, multi-turn grading) runs in the demo with no
 * server to set up.
 *   - Pairwise comparison: two answers to one instruction (`<answer_a>`/`<answer_b>` tags, or MT-Bench's
 *     "[The Start of Assistant A's Answer]" markers) → a short justification and `Verdict: A|B`.
 *   - Single-answer grading on 1–10: a question and a reply (`<question>`/`<reply>`), or a two-turn conversation
 *     (`<turn_2_question>`/`<turn_2_reply>`: the second reply is graded against the second question), or MT-Bench's
 *     "[Question]" / "[The Start of Assistant's Answer]" markers, with an ask for `[[rating]]` → `Rating: [[x]]`.
 * What it models, openly: each answer's overall quality is the mean of the same qualities the rubric judge reads
 * (judge.ts qualityLevels over the features MEASURED from the text: relevance, coverage, usefulness, organisation,
 * expertise, concision). Pairwise: the answer shown first gets a small bonus (+0.03, the position bias real judges
 * have, which the both-orders protocol is there to catch), plus Gaussian noise σ = 0.2 × temperature per answer; the
 * higher wins. Grading: round(1 + 9 × quality), with the same noise. A share of outputs (the server's
 * malformed-judgment rate) carries no readable verdict or rating. The qualities are read with the perception of the
 * model serving the request (judge.ts: an EFT-trained model reads them closer to people), so a self-judged
 * evaluation judges as the run's model does. What it does not model: reference answers (read past) and correctness
 * (there are no facts in sim answers).
 */
import { extractFeatures } from './features';
import { qualityLevels, type Perception, type Quality } from './judge';
import type { Rng } from './rng';

export const POSITION_BIAS = 0.03;

export type EvalJudgeInput =
  | { kind: 'pairwise'; instruction: string; answerA: string; answerB: string }
  | { kind: 'grade'; question: string; reply: string; min: number; max: number };

const tag = (text: string, name: string): string | undefined => new RegExp(`<${name}>\\s*([\\s\\S]*?)\\s*</${name}>`, 'i').exec(text)?.[1];
const between = (text: string, start: RegExp, end: RegExp): string | undefined => {
  const s = start.exec(text);
  if (!s) return undefined;
  const rest = text.slice(s.index + s[0].length);
  const e = end.exec(rest);
  return (e ? rest.slice(0, e.index) : rest).trim();
};

/** Recognise a pairwise or a 1–10 grading judge prompt; undefined for anything else. */
export function parseEvalJudgePrompt(text: string): EvalJudgeInput | undefined {
  const a = tag(text, 'answer_a') ?? between(text, /\[The Start of Assistant A'?s Answer\]/i, /\[The End of Assistant A'?s Answer\]/i);
  const b = tag(text, 'answer_b') ?? between(text, /\[The Start of Assistant B'?s Answer\]/i, /\[The End of Assistant B'?s Answer\]/i);
  if (a !== undefined && b !== undefined && /\bverdict\b|\[\[A\]\]/i.test(text)) {
    const instruction = tag(text, 'instruction') ?? between(text, /\[User Question\]/i, /\[The Start of Assistant A/i) ?? '';
    return { kind: 'pairwise', instruction, answerA: a, answerB: b };
  }
  if (!/\[\[/.test(text) || !/\brating\b/i.test(text)) return undefined;
  const question = tag(text, 'turn_2_question') ?? tag(text, 'question') ?? between(text, /\[Question\]/i, /\[The Start of Assistant'?s Answer\]/i);
  const reply = tag(text, 'turn_2_reply') ?? tag(text, 'reply') ?? between(text, /\[The Start of Assistant'?s Answer\]/i, /\[The End of Assistant'?s Answer\]/i);
  if (question === undefined || reply === undefined) return undefined;
  const scale = /\bfrom\s+(\d+)\b[^\n]*?\bto\s+(\d+)\b/i.exec(text) ?? /\bon a scale of\s+(\d+)\s+to\s+(\d+)\b/i.exec(text);
  const min = scale ? Number(scale[1]) : 1;
  const max = scale && Number(scale[2]) > min ? Number(scale[2]) : 10;
  return { kind: 'grade', question, reply, min, max };
}

const OVERALL: Quality[] = ['relevance', 'coverage', 'usefulness', 'organisation', 'expertise', 'concision'];
const LABEL: Partial<Record<Quality, string>> = {
  relevance: 'stays on the question', coverage: 'covers more of what was asked', usefulness: 'answers the core of the request',
  organisation: 'is better organised', expertise: 'gives more specific detail', concision: 'wastes fewer words',
};

function assess(instruction: string, response: string, perception?: Perception): { overall: number; q: Record<Quality, number> } {
  if (!response.trim()) return { overall: 0, q: Object.fromEntries(OVERALL.map((k) => [k, 0])) as Record<Quality, number> };
  const q = qualityLevels(extractFeatures(instruction, response), perception);
  return { overall: OVERALL.reduce((s, k) => s + q[k], 0) / OVERALL.length, q };
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** `perception`: how the serving model reads qualities (its EFT-trained judge, judge.ts); default the base reading. */
export function evalJudge(input: EvalJudgeInput, temperature: number, rng: Rng, malformed: boolean, perception?: Perception): string {
  const sigma = 0.2 * Math.max(0, temperature);
  if (input.kind === 'pairwise') {
    const A = assess(input.instruction, input.answerA, perception);
    const B = assess(input.instruction, input.answerB, perception);
    const sa = A.overall + POSITION_BIAS + sigma * rng.normal();
    const sb = B.overall + sigma * rng.normal();
    const winner = sa >= sb ? 'A' : 'B';
    const [w, l] = winner === 'A' ? [A, B] : [B, A];
    const better = OVERALL.filter((k) => w.q[k] - l.q[k] > 0.1).map((k) => LABEL[k]).slice(0, 3);
    const why = better.length ? `Answer ${winner} ${better.join(', ')}.` : `The answers are close; Answer ${winner} reads slightly better overall.`;
    if (malformed) return rng.chance(0.5) ? `${why}\n\nVerdict: both have merits` : `${why} It is hard to separate them.`;
    return `${why}\n\nVerdict: ${winner}`;
  }
  const g = assess(input.question, input.reply, perception);
  const x = clamp01(g.overall + sigma * rng.normal());
  const rating = input.reply.trim() ? Math.round(input.min + x * (input.max - input.min)) : input.min;
  const strong = OVERALL.filter((k) => g.q[k] >= 0.7).map((k) => LABEL[k]?.replace(/^(is|gives|wastes|covers|stays|answers) /, '')).filter(Boolean);
  const weak = OVERALL.filter((k) => g.q[k] < 0.4).map((k) => k);
  const why = [
    g.q.relevance < 0.5 ? 'The reply drifts from the question.' : 'The reply addresses the question.',
    strong.length ? `Strong on: ${strong.join(', ')}.` : '',
    weak.length ? `Weak on: ${weak.join(', ')}.` : '',
  ].filter(Boolean).join(' ');
  if (malformed) return rng.chance(0.5) ? `${why}\n\nRating: [[N/A]]` : why;
  return `${why}\n\nRating: [[${rating}]]`;
}
