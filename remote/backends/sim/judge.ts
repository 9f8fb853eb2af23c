/**
 * The rubric-reading judge. Given a judge prompt it (1) finds the instruction and the response (<instruction>…
 * </instruction> / <response>…</response> tags, or "Instruction:" / "Response:" labels), (2) reads the criteria
 * lines of the rubric it was given (bullets, numbered lines, or lines that add/subtract points), (3) maps each
 * criterion by its words to qualities measured FROM THE RESPONSE TEXT (features.ts), with a bar set by the
 * criterion's own strictness words ("at least some" < "substantial" < "comprehensive/expert"), (4) awards the points
 * of each criterion met, with temperature-scaled sampling noise, and (5) writes a short justification ending in
 * "Score: x". So rubric edits change scores in the direction a reader expects: fewer criteria → lower maximum; a
 * criterion against padding → long padded answers lose that point.
 *
 * How well a model judges is a property of the checkpoint (SimPolicy.judge, JudgeParams below): how often it writes
 * a well-formed verdict at all, how often it collapses to one habitual score instead of assessing, how noisy its
 * assessment is, and how it perceives each quality from the measured features. A checkpoint without JudgeParams
 * judges as `sim-base` always has (a capable judge). `verdictLikelihood` is this judge's exact probability of a
 * given verdict, with its gradient: what EFT training (trainer.ts) maximises.
 */
import { FEATURE_NAMES, type Features, extractFeatures, toVector } from './features';
import { Rng } from './rng';
import { parseScore } from '../../pipeline/scoreParser';

export type Quality = 'relevance' | 'coverage' | 'usefulness' | 'organisation' | 'expertise' | 'concision' | 'voice';

/** Words of a criterion → the quality it asks about. */
const QUALITY_CUES: Record<Quality, RegExp> = {
  relevance: /\b(on[- ]topic|relevant|relevance|related|pertinent|tailored|directly|addresses|stays? on)\b/i,
  coverage: /\b(substantial|comprehensive(ly)?|complete(ly|ness)?|covers?|coverage|thorough(ly)?|fully|all (parts|aspects)|most of)\b/i,
  usefulness: /\b(useful(ly)?|essential|basic elements|helpful|answers?|actionable|practical)\b/i,
  organisation: /\b(organi[sz]ed|organi[sz]ation|structured?|clear(ly)?|readable|well[- ]written|format(ted)?|logical)\b/i,
  expertise: /\b(expert|expertise|knowledge(able)?|insightful|insight|specific|details?|accurate|precise(ly)?|depth|in-depth)\b/i,
  concision: /\b(extraneous|concise(ness)?|succinct|verbose|verbosity|filler|padding|padded|unnecessary|to the point|rambl\w*|repetiti\w*|wordy|brevity|focused)\b/i,
  voice: /\b(assistant'?s? (point of view|perspective)|engaging|tone|polite)\b/i,
};

const LENIENT = /\b(at least|some|partial(ly)?|even if|incomplete|basic|minimal|somewhat|attempts?)\b/i;
const STRICT = /\b(comprehensive(ly)?|precisely|expert|impeccabl\w*|thorough(ly)?|insightful|nothing extraneous|perfect(ly)?|excellent|exceptional|high[- ]quality)\b/i;
const NEGATIVE = /^\s*(?:[-*•]|\d+[.)])?\s*(subtract|deduct|remove|take away|lose|minus)\b/i;

export interface Criterion {
  text: string;
  points: number;
  /** true for "subtract a point if …" lines */
  penalty: boolean;
  qualities: Quality[];
  bar: number;
}

export interface JudgeInput {
  instruction: string;
  response: string;
  rubric: string;
}

const TAGGED = (name: string): RegExp => new RegExp(`<${name}>\\s*([\\s\\S]*?)\\s*</${name}>`, 'i');

/** Recognise a judge prompt from its content: something to grade, and an ask for a score. */
export function parseJudgePrompt(text: string): JudgeInput | undefined {
  if (!/\bscore\b/i.test(text)) return undefined;
  let instruction: string | undefined;
  let response: string | undefined;
  let rubric = text;
  const ti = TAGGED('instruction').exec(text);
  const tr = TAGGED('response').exec(text);
  if (ti && tr) {
    instruction = ti[1];
    response = tr[1];
    rubric = text.replace(ti[0], '').replace(tr[0], '');
  } else {
    const li = /^\s*(?:user )?(?:instruction|question|prompt)\s*:\s*([\s\S]*?)^\s*(?:assistant )?(?:response|answer)\s*:\s*/im.exec(text);
    if (!li) return undefined;
    instruction = li[1].trim();
    const after = text.slice(li.index + li[0].length);
    // the response runs until a blank line followed by rubric-like text, or to the end
    const end = after.search(/\n\s*\n(?=[\s\S]*\b(score|points?|criteri)\b)/i);
    response = (end >= 0 ? after.slice(0, end) : after).trim();
    rubric = text.slice(0, li.index) + (end >= 0 ? after.slice(end) : '');
  }
  if (!/\b(points?|criteri\w*|rubric|grade|rate|score)\b/i.test(rubric)) return undefined;
  return { instruction: instruction.trim(), response: response.trim(), rubric };
}

/** The criteria lines of a rubric: bullets / numbered lines / "add … point" lines, with their continuations. */
export function parseCriteria(rubric: string): Criterion[] {
  const blocks: string[] = [];
  let current: string | undefined;
  for (const line of rubric.split('\n')) {
    const starts = /^\s*(?:[-*•]|\d+[.)])\s+\S/.test(line) || /^\s*(add|award|give|subtract|deduct)\b.*\bpoints?\b/i.test(line);
    if (starts) {
      if (current) blocks.push(current);
      current = line.trim();
    } else if (current && /^\s+\S/.test(line)) {
      current += ' ' + line.trim();
    } else {
      if (current) blocks.push(current);
      current = undefined;
    }
  }
  if (current) blocks.push(current);
  return blocks
    .filter((b) => /\bpoints?\b/i.test(b) || /\b(if|when)\b/i.test(b))
    .map((b) => {
      const qualities = (Object.keys(QUALITY_CUES) as Quality[]).filter((q) => QUALITY_CUES[q].test(b));
      const num = /\b(\d+)\s+points\b/i.exec(b);
      const words = /\b(two|three)\s+points\b/i.exec(b);
      const points = num ? Number(num[1]) : words ? (words[1].toLowerCase() === 'two' ? 2 : 3) : 1;
      const bar = STRICT.test(b) ? 0.7 : LENIENT.test(b) ? 0.3 : 0.5;
      return { text: b, points, penalty: NEGATIVE.test(b), qualities: qualities.length ? qualities : ['usefulness'], bar };
    });
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

export const QUALITIES: readonly Quality[] = ['relevance', 'coverage', 'usefulness', 'organisation', 'expertise', 'concision', 'voice'];

/** What the judge perceives a quality from: the six measured features, length beyond 0.6, and a constant. */
export const JUDGE_INPUTS = [...FEATURE_NAMES, 'excessLength', 'bias'] as const;

/** Per quality, weights over JUDGE_INPUTS: level = clamp01(w · inputs). */
export type Perception = Record<Quality, number[]>;

/** The capable judge's perception (sim-base and every checkpoint without JudgeParams). */
export const BASE_PERCEPTION: Perception = Object.freeze({
  //            relevance completeness organisation expertise filler length excessLength bias
  relevance: [1, 0, 0, 0, 0, 0, 0, 0],
  // judges favour longer answers a little: the paper's length bias, modelled openly here
  coverage: [0, 0.8, 0, 0, 0, 0.25, 0, 0],
  usefulness: [0.5, 0.4, 0, 0.2, 0, 0, 0, 0],
  organisation: [0, 0, 0.85, 0, -0.15, 0, 0, 0.15],
  expertise: [0, 0, 0, 1, 0, 0, 0, 0],
  concision: [0, 0, 0, 0, -2.2, 0, -1.4, 1],
  voice: [0.2, 0, 0.3, 0, -1, 0, 0, 0.5],
}) as Perception;

/**
 * A checkpoint's judging ability. `format` and `collapse` are logits, sampled at the request's temperature like a
 * decoder samples a token (σ(logit / T); T = 0 takes the likelier side): a well-formed verdict ending in a score at
 * all, and, if so, the habitual score (one below the rubric's maximum: "collapses to 4") instead of an assessment.
 * `noise` scales the assessment's per-criterion noise (σ = 0.2 · T · noise).
 */
export interface JudgeParams {
  format: number;
  collapse: number;
  noise: number;
  perception: Perception;
}

export function judgeInputs(f: Features): number[] {
  return [...toVector(f), Math.max(0, f.length - 0.6), 1];
}

/** How much of each quality the response shows, as a judge with this perception sees it. */
export function qualityLevels(f: Features, perception: Perception = BASE_PERCEPTION): Record<Quality, number> {
  const x = judgeInputs(f);
  const out = {} as Record<Quality, number>;
  for (const q of QUALITIES) out[q] = clamp01(perception[q].reduce((s, w, i) => s + w * x[i], 0));
  return out;
}

/** A criterion's level: a criterion naming several qualities asks for all of them, so the weakest counts most. */
function criterionLevel(c: Criterion, q: Record<Quality, number>): number {
  const levels = c.qualities.map((x) => q[x]);
  return 0.6 * Math.min(...levels) + 0.4 * (levels.reduce((a, b) => a + b, 0) / levels.length);
}

/** σ(logit / T), with T = 0 taking the likelier side. */
function sampledShare(logit: number, temperature: number): number {
  if (temperature <= 0) return logit >= 0 ? 1 : 0;
  const z = logit / temperature;
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** What a collapsing judge writes before its habitual score: no assessment, nothing to check. */
export const HABITUAL_JUSTIFICATION = 'The response seems fine and addresses the request reasonably well overall.';

/** Which way a verdict came about, when its text tells: the habitual score, or an assessment. */
export type VerdictRoute = 'either' | 'habitual' | 'assessed';

/** The habitual score a collapsing judge gives: one below the rubric's maximum (4 on the 0–5 rubric). */
export function habitualScore(criteria: Criterion[]): number {
  return Math.max(0, criteria.filter((c) => !c.penalty).reduce((a, c) => a + c.points, 0) - 1);
}

const LABEL: Record<Quality, string> = {
  relevance: 'staying on topic',
  coverage: 'coverage of what was asked',
  usefulness: 'usefully answering the core of the request',
  organisation: 'clear organisation',
  expertise: 'specific, expert detail',
  concision: 'concision without filler',
  voice: 'a direct assistant voice',
};

/** which quality names an earned multi-quality criterion in the justification: the most demanding one */
const LABEL_PRIORITY: Quality[] = ['concision', 'expertise', 'organisation', 'coverage', 'usefulness', 'relevance', 'voice'];

export interface JudgeOutcome {
  text: string;
  score: number | null;
  maxScore: number;
  awarded: boolean[];
}

/**
 * Judge one response against the rubric. noise: per-criterion Gaussian on the margin, σ = 0.2·temperature.
 * malformed: when true, the output has no parseable score (as small real judges sometimes do).
 */
export function judge(input: JudgeInput, temperature: number, rng: Rng, malformed: boolean, params?: JudgeParams): JudgeOutcome {
  const f = extractFeatures(input.instruction, input.response);
  const q = qualityLevels(f, params?.perception);
  const criteria = parseCriteria(input.rubric);
  const sigma = 0.2 * Math.max(0, temperature) * (params?.noise ?? 1);
  if (params) {
    // draws of their own (forks never advance `rng`), so the assessment's noise stream is the same either way
    if (!malformed && rng.fork('format').next() >= sampledShare(params.format, temperature)) malformed = true;
    if (!malformed && criteria.some((c) => !c.penalty) && rng.fork('collapse').next() < sampledShare(params.collapse, temperature)) {
      const score = habitualScore(criteria);
      const maxScore = criteria.filter((c) => !c.penalty).reduce((a, c) => a + c.points, 0);
      return { text: `${HABITUAL_JUSTIFICATION}\n\nScore: ${score}`, score, maxScore, awarded: [] };
    }
  }
  if (!criteria.some((c) => !c.penalty)) return holistic(input, f, q, sigma, rng, malformed);
  const awarded: boolean[] = [];
  let score = 0;
  let maxScore = 0;
  const earned: string[] = [];
  const missed: string[] = [];
  const lost: string[] = [];
  if (!input.response.trim()) {
    criteria.forEach(() => awarded.push(false));
  }
  criteria.forEach((c, i) => {
    if (awarded.length > i) return;
    const level = criterionLevel(c, q);
    const noise = sigma * rng.normal();
    if (c.penalty) {
      const hit = 1 - level + noise > 1 - c.bar + 0.2;
      awarded.push(hit);
      if (hit) {
        score -= c.points;
        lost.push(LABEL[c.qualities[0]]);
      }
      return;
    }
    maxScore += c.points;
    const met = level - c.bar + noise > 0;
    awarded.push(met);
    if (met) {
      score += c.points;
      earned.push(LABEL[[...c.qualities].sort((a, b) => LABEL_PRIORITY.indexOf(a) - LABEL_PRIORITY.indexOf(b))[0]]);
    } else missed.push(LABEL[[...c.qualities].sort((a, b) => q[a] - q[b])[0]]);
  });
  score = Math.max(0, score);
  const lead = f.relevance < 0.5 ? 'The response drifts away from the instruction in places.' : f.organisation > 0.7 ? 'The response is structured and stays close to the instruction.' : 'The response addresses the instruction in running prose.';
  const parts = [lead];
  if (earned.length) parts.push(`It earns points for ${[...new Set(earned)].join(', ')}.`);
  const missing = [...new Set(missed)].filter((m) => !earned.includes(m));
  if (missing.length) parts.push(`It falls short on ${missing.join(', ')}.`);
  if (lost.length) parts.push(`A point is taken off for weak ${[...new Set(lost)].join(', ')}.`);
  if (f.filler > 0.2) parts.push('Several sentences are generic filler.');
  let justification = parts.join(' ');
  const words = justification.split(/\s+/);
  if (words.length > 95) justification = words.slice(0, 95).join(' ') + '…';
  if (malformed) {
    const text = rng.chance(0.5) ? `${justification}\n\nScore: N/A` : `${justification} Overall it is a reasonable attempt.`;
    return { text, score: null, maxScore, awarded };
  }
  return { text: `${justification}\n\nScore: ${score}`, score, maxScore, awarded };
}

/**
 * A rubric without additive criteria ("Rate the answer from 1 to 10"): one overall impression of the measured
 * qualities, mapped onto the scale the rubric names (default 0–5).
 */
function holistic(input: JudgeInput, f: Features, q: Record<Quality, number>, sigma: number, rng: Rng, malformed: boolean): JudgeOutcome {
  const m = /\b(?:from\s+)?(\d+)\s*(?:-|–|to)\s*(\d+)\b/i.exec(input.rubric) ?? /\bout of\s+(\d+)\b/i.exec(input.rubric);
  let lo = 0;
  let hi = 5;
  if (m && m[2] !== undefined && Number(m[2]) > Number(m[1])) [lo, hi] = [Number(m[1]), Number(m[2])];
  else if (m && m[2] === undefined) hi = Number(m[1]);
  const overall = (q.relevance + q.coverage + q.usefulness + q.organisation + q.expertise + q.concision) / 6;
  const x = clamp01(overall + sigma * rng.normal());
  const score = input.response.trim() ? Math.round(lo + x * (hi - lo)) : lo;
  const strong = (Object.keys(q) as Quality[]).filter((k) => k !== 'voice' && q[k] >= 0.7).map((k) => LABEL[k]);
  const weak = (Object.keys(q) as Quality[]).filter((k) => k !== 'voice' && q[k] < 0.4).map((k) => LABEL[k]);
  const parts = [f.relevance < 0.5 ? 'The response drifts away from the instruction.' : 'The response addresses the instruction.'];
  if (strong.length) parts.push(`Strengths: ${strong.join(', ')}.`);
  if (weak.length) parts.push(`Weaknesses: ${weak.join(', ')}.`);
  const justification = parts.join(' ');
  if (malformed) return { text: `${justification}\n\nScore: N/A`, score: null, maxScore: hi, awarded: [] };
  return { text: `${justification}\n\nScore: ${score}`, score, maxScore: hi, awarded: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// The judge's likelihood of a verdict: what EFT training maximises
// ---------------------------------------------------------------------------------------------------------------

/** ∂ log P / ∂ each judge parameter (`logNoise`: with respect to log(noise)). */
export interface JudgeGradient {
  format: number;
  collapse: number;
  logNoise: number;
  perception: Perception;
}

export function zeroJudgeGradient(): JudgeGradient {
  const perception = {} as Perception;
  for (const q of QUALITIES) perception[q] = new Array<number>(JUDGE_INPUTS.length).fill(0);
  return { format: 0, collapse: 0, logNoise: 0, perception };
}

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): plenty for a simulated judge. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const normalCdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));
const normalPdf = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
const logistic = (x: number): number => sampledShare(x, 1);

/** Distribution of the signed sum of independent criteria (offset by `lo`), optionally leaving one out. */
function sumDistribution(steps: readonly { p: number; delta: number }[], lo: number, size: number, skip = -1): number[] {
  let dist = new Array<number>(size).fill(0);
  dist[-lo] = 1;
  steps.forEach((s, i) => {
    if (i === skip) return;
    const next = new Array<number>(size).fill(0);
    for (let k = 0; k < size; k++) {
      if (!dist[k]) continue;
      next[k] += dist[k] * (1 - s.p);
      next[k + s.delta] += dist[k] * s.p;
    }
    dist = next;
  });
  return dist;
}

/** P(final score = x) from a sum distribution: a negative total is reported as 0. */
function scoreProbability(dist: readonly number[], lo: number, x: number, shift = 0): number {
  if (x < 0) return 0;
  let p = 0;
  for (let k = 0; k < dist.length; k++) {
    const total = k + lo + shift;
    if (total === x || (x === 0 && total < 0)) p += dist[k];
  }
  return p;
}

/**
 * log P(a well-formed verdict with score `target` | the judge prompt) under `params`, sampled at temperature 1 (the
 * distribution training fits), and its gradient. The verdict is: well-formed (σ(format)); then either the habitual
 * score (σ(collapse)) or the rubric assessment, whose criteria are met independently with probability
 * Φ(margin / σ) — a Poisson-binomial sum of their points, computed exactly. A rubric without additive criteria is
 * judged holistically; there only the format is modelled here.
 */
/** What the likelihood needs from a judge prompt, measured once (training evaluates it every epoch). */
export interface PreparedVerdict {
  criteria: Criterion[];
  features: Features;
  empty: boolean;
}

export function prepareVerdict(input: JudgeInput): PreparedVerdict {
  return { criteria: parseCriteria(input.rubric), features: extractFeatures(input.instruction, input.response), empty: !input.response.trim() };
}

export function verdictLikelihood(prepared: PreparedVerdict, target: number, params: JudgeParams, route: VerdictRoute = 'either'): { logLik: number; grad: JudgeGradient } {
  const grad = zeroJudgeGradient();
  const pf = logistic(params.format);
  grad.format = 1 - pf;
  let logLik = Math.log(Math.max(pf, 1e-300));
  const { criteria, features: f, empty } = prepared;
  if (!criteria.some((c) => !c.penalty)) return { logLik, grad };
  const x = Math.round(target);
  const habitual = habitualScore(criteria);
  const pc = logistic(params.collapse);

  let pAssess: number;
  const inputs = judgeInputs(f);
  const q = qualityLevels(f, params.perception);
  const sigma = 0.2 * params.noise;
  const steps = criteria.map((c) => {
    const level = criterionLevel(c, q);
    const sign = c.penalty ? -1 : 1;
    const z = c.penalty ? (c.bar - 0.2 - level) / sigma : (level - c.bar) / sigma;
    return { c, z, sign, p: normalCdf(z), delta: sign * c.points };
  });
  const lo = -criteria.filter((c) => c.penalty).reduce((a, c) => a + c.points, 0);
  const size = criteria.reduce((a, c) => a + c.points, 0) + 1;
  if (empty) pAssess = x === 0 ? 1 : 0;
  else pAssess = scoreProbability(sumDistribution(steps, lo, size), lo, x);

  // the habitual path and the assessment path; a verdict whose text says which (route) counts only that one
  const viaHabit = route === 'assessed' ? 0 : x === habitual ? 1 : 0;
  const viaAssess = route === 'habitual' ? 0 : pAssess;
  const m = Math.max(pc * viaHabit + (1 - pc) * viaAssess, 1e-300);
  logLik += Math.log(m);
  grad.collapse = (pc * (1 - pc) * (viaHabit - viaAssess)) / m;
  if (empty || route === 'habitual') return { logLik, grad };
  const k = (1 - pc) / m;
  steps.forEach((s, i) => {
    const without = sumDistribution(steps, lo, size, i);
    const dP = scoreProbability(without, lo, x, s.delta) - scoreProbability(without, lo, x); // ∂P/∂p_i
    const dz = k * dP * normalPdf(s.z); // ∂ log m / ∂z_i
    grad.logNoise += dz * -s.z;
    const dLevel = (dz * (s.c.penalty ? -1 : 1)) / sigma;
    const levels = s.c.qualities.map((name) => q[name]);
    const min = Math.min(...levels);
    const argmin = s.c.qualities[levels.indexOf(min)];
    for (const name of s.c.qualities) {
      const dq = dLevel * ((name === argmin ? 0.6 : 0) + 0.4 / s.c.qualities.length);
      const raw = params.perception[name].reduce((a, w, j) => a + w * inputs[j], 0);
      if (raw < 0 || raw > 1) continue; // clamped: no gradient
      for (let j = 0; j < inputs.length; j++) grad.perception[name][j] += dq * inputs[j];
    }
  });
  return { logLik, grad };
}

/**
 * log P(this output | the judge prompt) under `params`: a verdict with a readable score is verdictLikelihood's; one
 * without is the malformed side of the format, log(1 − σ(format)). With the gradient of the log-likelihood.
 */
export function outputLikelihood(prepared: PreparedVerdict, target: number | null, params: JudgeParams, route: VerdictRoute = 'either'): { logLik: number; grad: JudgeGradient } {
  if (target !== null) return verdictLikelihood(prepared, target, params, route);
  const grad = zeroJudgeGradient();
  const pf = logistic(params.format);
  grad.format = -pf;
  return { logLik: Math.log(Math.max(1 - pf, 1e-300)), grad };
}

/** A judge prompt and a judge's output, read as the likelihood needs them; undefined when the prompt is not a judge
 * prompt (the score is read on the rubric's own range, 0 to its points). */
export function readVerdict(prompt: string, output: string): { prepared: PreparedVerdict; target: number | null; route: VerdictRoute } | undefined {
  const input = parseJudgePrompt(prompt);
  if (!input) return undefined;
  const prepared = prepareVerdict(input);
  const max = prepared.criteria.filter((c) => !c.penalty).reduce((a, c) => a + c.points, 0) || 5;
  return { prepared, target: parseScore(output, 0, max).score, route: output.trimStart().startsWith(HABITUAL_JUSTIFICATION) ? 'habitual' : 'assessed' };
}

/**
 * The assessment's score distribution (no habitual score, no malformed output) under `params` at temperature 1:
 * P(score = x) for x = 0 … the rubric's points. What the meta-judge's considered reading averages (metaJudge.ts).
 */
export function assessmentDistribution(prepared: PreparedVerdict, params: JudgeParams): number[] {
  const { criteria, features: f, empty } = prepared;
  const max = criteria.filter((c) => !c.penalty).reduce((a, c) => a + c.points, 0);
  const out = new Array<number>(max + 1).fill(0);
  if (empty) {
    out[0] = 1;
    return out;
  }
  const q = qualityLevels(f, params.perception);
  const sigma = 0.2 * params.noise;
  const steps = criteria.map((c) => {
    const level = criterionLevel(c, q);
    const z = c.penalty ? (c.bar - 0.2 - level) / sigma : (level - c.bar) / sigma;
    return { p: normalCdf(z), delta: (c.penalty ? -1 : 1) * c.points };
  });
  const lo = -criteria.filter((c) => c.penalty).reduce((a, c) => a + c.points, 0);
  const dist = sumDistribution(steps, lo, criteria.reduce((a, c) => a + c.points, 0) + 1);
  for (let x = 0; x <= max; x++) out[x] = scoreProbability(dist, lo, x);
  return out;
}
