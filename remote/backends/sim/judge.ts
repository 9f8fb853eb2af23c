/**
 * The rubric-reading judge. Given a judge prompt it (1) finds the instruction and the response (<instruction>…
 * </instruction> / <response>…</response> tags, or "Instruction:" / "Response:" labels), (2) reads the criteria
 * lines of the rubric it was given (bullets, numbered lines, or lines that add/subtract points), (3) maps each
 * criterion by its words to qualities measured FROM THE RESPONSE TEXT (features.ts), with a bar set by the
 * criterion's own strictness words ("at least some" < "substantial" < "comprehensive/expert"), (4) awards the points
 * of each criterion met, with temperature-scaled sampling noise, and (5) writes a short justification ending in
 * "Score: x". So rubric edits change scores in the direction a reader expects: fewer criteria → lower maximum; a
 * criterion against padding → long padded answers lose that point.
 */
import { type Features, extractFeatures } from './features';
import { Rng } from './rng';

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

/** How much of each quality the response shows, from its measured features. */
export function qualityLevels(f: Features): Record<Quality, number> {
  return {
    relevance: f.relevance,
    // judges favour longer answers a little: the paper's length bias, modelled openly here
    coverage: clamp01(0.8 * f.completeness + 0.25 * f.length),
    usefulness: clamp01(0.5 * f.relevance + 0.4 * f.completeness + 0.2 * f.expertise),
    organisation: clamp01(0.85 * f.organisation + 0.15 * (1 - f.filler)),
    expertise: f.expertise,
    concision: clamp01(1 - 2.2 * f.filler - 1.4 * Math.max(0, f.length - 0.6)),
    voice: clamp01(0.5 + 0.3 * f.organisation + 0.2 * f.relevance - f.filler),
  };
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
export function judge(input: JudgeInput, temperature: number, rng: Rng, malformed: boolean): JudgeOutcome {
  const f = extractFeatures(input.instruction, input.response);
  const q = qualityLevels(f);
  const criteria = parseCriteria(input.rubric);
  const sigma = 0.2 * Math.max(0, temperature);
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
    // a criterion naming several qualities asks for all of them: the weakest counts most (soft minimum)
    const levels = c.qualities.map((x) => q[x]);
    const level = 0.6 * Math.min(...levels) + 0.4 * (levels.reduce((a, b) => a + b, 0) / levels.length);
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
