/**
 * The sim's meta-judge: the same simulated model, asked which of two of its judgments of one answer applies the
 * rubric better (remote/rubric/metaTemplate.ts). What it models, openly:
 *
 * - Checking is easier than grading. The meta-judge reads the answer with the model's own judging (judge.ts: the
 *   same criteria, perception and noise) but takes the considered reading: the score its assessment gives ON
 *   AVERAGE, without the habitual score a collapsing judge falls back on and without a sampling draw. The judgment
 *   whose score is nearer that reading is the better one; a justification that names no criterion (the collapsed
 *   "seems fine") gives nothing to check and loses clearly.
 * - Its biases, as the paper reports them: a preference for the judgment in the first position (positional bias),
 *   for the higher score (the drift towards 5s), and for the longer judgment (length bias). They are constants of
 *   the sim, not trained.
 * - The verdict is sampled at the request's temperature (σ(logit / T); T = 0 takes the likelier side), and ends with
 *   `Winner: A` or `Winner: B` — unless the output comes out malformed, as often as the model's judge verdicts do
 *   (its `format`).
 */
import { type JudgeInput, type JudgeParams, type PreparedVerdict, assessmentDistribution, judge, parseCriteria, prepareVerdict } from './judge';
import { Rng, hashSeed } from './rng';
import { parseScore } from '../../pipeline/scoreParser';
import { DEFAULT_RUBRIC } from '../../rubric/defaultRubric';
import { wordCount } from '../../rubric/metaTemplate';

/** logit units per point of score distance from the considered reading */
export const META_SHARPNESS = 2.5;
/** bonus of the judgment in position A */
export const META_POSITION_BIAS = 0.5;
/** bonus per point of score the judgment gives above the other (the drift towards high scores) */
export const META_SCORE_BIAS = 0.15;
/** bonus per 50 words the judgment is longer than the other */
export const META_LENGTH_BIAS = 0.2;
/** penalty of a justification that names no criterion it checked */
export const META_NO_REASON = 1.5;

export interface MetaPrompt {
  instruction: string;
  response: string;
  /** the rubric criteria the judgments applied ('' when the template gives none: the built-in rubric is used) */
  rubric: string;
  a: string;
  b: string;
}

const block = (text: string, names: string[]): string | undefined => {
  for (const n of names) {
    const m = new RegExp(`<${n}>\\s*([\\s\\S]*?)\\s*</${n}>`, 'i').exec(text);
    if (m) return m[1];
  }
  return undefined;
};

/** Recognise a meta-judge prompt: two judgments to compare (tagged A and B), the answer, and a call for a winner. */
export function parseMetaPrompt(text: string): MetaPrompt | undefined {
  if (!/\bwinner\b/i.test(text)) return undefined;
  const a = block(text, ['evaluation-a', 'judgment-a', 'judgement-a']);
  const b = block(text, ['evaluation-b', 'judgment-b', 'judgement-b']);
  const instruction = block(text, ['instruction']);
  const response = block(text, ['response']);
  if (a === undefined || b === undefined || instruction === undefined || response === undefined) return undefined;
  return { instruction, response, rubric: block(text, ['rubric']) ?? '', a, b };
}

/** Judgments that name what they checked: the sim judge's justifications say "earns points for" / "falls short on". */
const NAMES_CRITERIA = /\b(earns? points?|falls short|point is taken off|strengths?|weaknesses?)\b/i;

export interface MetaReading {
  /** the score the model's assessment gives on average (its considered reading of the answer) */
  expected: number;
  maxScore: number;
}

/**
 * The considered reading: the mean score of the model's own assessment (judge.ts, with its perception and noise),
 * without the habitual score and without a malformed output — computed exactly from the judge's score
 * distribution (verdictLikelihood). A rubric without additive criteria is judged holistically: there the mean of
 * fixed draws of the judge stands in.
 */
export function consideredReading(input: JudgeInput, params: JudgeParams): MetaReading {
  const prepared = prepared_(input);
  const maxScore = prepared.criteria.filter((c) => !c.penalty).reduce((a, c) => a + c.points, 0);
  if (!maxScore) {
    const assessing = { ...params, format: 40, collapse: -40 };
    let sum = 0;
    let n = 0;
    for (let i = 0; i < 16; i++) {
      const s = judge(input, 1, new Rng(hashSeed('meta-reading', input.instruction, input.response, i)), false, assessing).score;
      if (s !== null) [sum, n] = [sum + s, n + 1];
    }
    return { expected: n ? sum / n : 0, maxScore: 5 };
  }
  const dist = assessmentDistribution(prepared, params);
  const mass = dist.reduce((a, p) => a + p, 0);
  const sum = dist.reduce((a, p, x) => a + p * x, 0);
  return { expected: mass > 0 ? sum / mass : maxScore / 2, maxScore };
}

/** The measured answer of a meta prompt, kept for the other battles of the same candidate (a few at a time). */
const preparedCache = new Map<string, PreparedVerdict>();
function prepared_(input: JudgeInput): PreparedVerdict {
  const key = `${input.rubric}\u0000${input.instruction}\u0000${input.response}`;
  let p = preparedCache.get(key);
  if (!p) {
    p = prepareVerdict(input);
    if (preparedCache.size >= 256) preparedCache.delete(preparedCache.keys().next().value!);
    preparedCache.set(key, p);
  }
  return p;
}

export interface MetaVerdict {
  text: string;
  /** 'A' or 'B'; null when the output carries no winner line */
  winner: 'A' | 'B' | null;
  /** P(A) the verdict was drawn with */
  pA: number;
}

/** The probability of preferring A, from the reading and the two judgments (see the top). */
export function preferenceForA(p: MetaPrompt, reading: MetaReading): { logit: number; sa: number | null; sb: number | null } {
  const sa = parseScore(p.a, 0, reading.maxScore).score;
  const sb = parseScore(p.b, 0, reading.maxScore).score;
  // a judgment without a readable score cannot be right about the score
  const dist = (s: number | null): number => (s === null ? reading.maxScore : Math.abs(s - reading.expected));
  let logit = META_SHARPNESS * (dist(sb) - dist(sa)) + META_POSITION_BIAS;
  if (sa !== null && sb !== null) logit += META_SCORE_BIAS * (sa - sb);
  logit += (META_LENGTH_BIAS * (wordCount(p.a) - wordCount(p.b))) / 50;
  if (!NAMES_CRITERIA.test(p.a)) logit -= META_NO_REASON;
  if (!NAMES_CRITERIA.test(p.b)) logit += META_NO_REASON;
  return { logit, sa, sb };
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** One verdict. `malformed`: the output ends without a winner line (as small real models sometimes do). */
export function metaJudge(p: MetaPrompt, temperature: number, rng: Rng, params: JudgeParams, malformed = false): MetaVerdict {
  const rubric = p.rubric.trim() && parseCriteria(p.rubric).length ? p.rubric : DEFAULT_RUBRIC;
  const reading = consideredReading({ instruction: p.instruction, response: p.response, rubric }, params);
  const { logit, sa, sb } = preferenceForA(p, reading);
  const share = (z: number): number => (temperature <= 0 ? (z >= 0 ? 1 : 0) : 1 / (1 + Math.exp(-z / temperature)));
  const pA = share(logit);
  // a model that often writes no well-formed verdict as a judge writes none as a meta-judge either (its own draw)
  if (!malformed && rng.fork('format').next() >= share(params.format)) malformed = true;
  const winner: 'A' | 'B' = rng.next() < pA ? 'A' : 'B';
  const [ws, ls] = winner === 'A' ? [sa, sb] : [sb, sa];
  const closer = ws !== null && (ls === null || Math.abs(ws - reading.expected) <= Math.abs(ls - reading.expected));
  const parts = [
    `Reading the answer against the rubric, it earns about ${fmt(reading.expected)} of ${reading.maxScore} points.`,
    `Evaluation A gives ${sa === null ? 'no readable score' : fmt(sa)} and evaluation B gives ${sb === null ? 'no readable score' : fmt(sb)}.`,
    closer
      ? `Evaluation ${winner}'s score is nearer to what the answer earns, and its reasons match the answer better.`
      : `Evaluation ${winner} argues its case more fully, though its score is further from what the answer earns.`,
  ];
  const body = parts.join(' ');
  if (malformed) return { text: `${body} Both evaluations have merit.`, winner: null, pA };
  return { text: `${body}\n\nWinner: ${winner}`, winner, pA };
}
