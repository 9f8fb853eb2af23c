/**
 * The shipped ranked set (`builtin:ranked`): prompt groups with four answers each, ranked best to worst, generated
 * deterministically for this project, so the SFT iteration has enough Open-Assistant-like material for IFT (each
 * group's best answer) and EFT (each group's ranking) on the simulated model.
 *
 * - Instructions: our own subjects × request forms (below); none repeats a `builtin:demo` or `builtin:labelled`
 *   prompt.
 * - Answers: composed by the sim's answer writer (remote/backends/sim/answers.ts) at four latent qualities drawn per
 *   group, so they differ in the ways a judge can see: on topic or drifting, how many points, structure, specific
 *   detail, filler, elaboration.
 * - Ranks: the simulated people's preference over those qualities (HUMAN_PREFERENCE): they value relevance,
 *   substance (up to four points), specific detail and some structure, and they dislike filler and padding; length as
 *   such earns nothing. The four answers of a group differ in that preference by at least a clear margin, so no two
 *   share a rank.
 * It is text for exercising the product on the sim, not data to train a real model on.
 */
import { renderAnswer } from '../../backends/sim/answers';
import { LATENT_DIMS, LATENT_LEVELS, type LatentConfig } from '../../backends/sim/policy';
import { Rng, hashSeed } from '../../backends/sim/rng';
import type { LabelledSeed } from './labelled';

export const RANKED_GROUPS = 600;
const ANSWERS_PER_GROUP = 4;
const MIN_MARGIN = 0.35;

const SUBJECTS = [
  'repotting a root-bound fern', 'choosing a first telescope', 'storing winter clothes', 'planning a garden pond',
  'starting a running club at work', 'organising a community library shelf', 'caring for a cast-iron pan',
  'choosing walking boots', 'teaching a child to ride a bike', 'writing a lab report', 'hosting a board game night',
  'setting up a shared family calendar', 'preparing for a driving test', 'insulating a draughty window',
  'planning a vegetable patch rotation', 'writing meeting minutes', 'restoring an old wooden chair',
  'picking a laptop for video editing', 'learning to touch type', 'starting a worm farm', 'keeping chickens in a garden',
  'making a toddler-friendly lunch box', 'running a quiz night', 'organising digital photos', 'planning a tiny wedding',
  'choosing a school for a teenager', 'growing tomatoes indoors', 'preparing a grant application', 'hiking in hot weather',
  'fixing a dripping tap', 'training a puppy to walk on a lead', 'learning to juggle', 'planning a study abroad year',
  'cooking for a large group on a budget', 'setting up a home recording corner', 'writing a user manual',
  'choosing a health insurance plan', 'preparing a house for winter storms', 'starting a community garden',
  'making a family recipe book', 'planning a cycling holiday', 'reducing food waste at home', 'learning basic knots',
  'organising a charity run', 'writing a short film script', 'caring for a bonsai tree', 'planning a retirement party',
  'decluttering a garage', 'building a simple website for a club', 'brewing herbal tea blends',
];

const FORMS = [
  (s: string) => `What should I keep in mind when ${s}?`,
  (s: string) => `Give practical advice on ${s}.`,
  (s: string) => `I am new to ${s}. Where do I begin?`,
  (s: string) => `What are the usual mistakes people make with ${s}?`,
  (s: string) => `Write a short plan for ${s}.`,
  (s: string) => `How would an expert approach ${s}?`,
  (s: string) => `Help me prepare for ${s} this month.`,
];

/** Context a user adds; with the forms and subjects every generated instruction is distinct (up to 1,400). */
const CONTEXTS = ['', ' I have a small budget.', ' I only have weekends free.', ' Keep it practical.'];

/** The simulated people's preference over an answer's latent qualities (higher = better). */
export function humanPreference(c: LatentConfig): number {
  return 1.0 * c.relevance + 0.45 * Math.min(c.points + 1, 4) + 0.5 * c.expertise + 0.25 * c.structure - 0.8 * c.filler - 0.3 * c.elaboration;
}

function drawConfig(rng: Rng): LatentConfig {
  const c = {} as LatentConfig;
  for (const d of LATENT_DIMS) c[d] = rng.int(LATENT_LEVELS[d]);
  return c;
}

/** Four configurations whose preferences differ pairwise by at least MIN_MARGIN, best first. */
function drawRanked(rng: Rng): LatentConfig[] {
  const picked: LatentConfig[] = [];
  for (let tries = 0; picked.length < ANSWERS_PER_GROUP && tries < 500; tries++) {
    const c = drawConfig(rng);
    if (picked.every((p) => Math.abs(humanPreference(p) - humanPreference(c)) >= MIN_MARGIN)) picked.push(c);
  }
  return picked.sort((a, b) => humanPreference(b) - humanPreference(a));
}

let cache: LabelledSeed[] | undefined;

/** The groups (cached: generated once per process, the same every time). */
export function rankedSeed(): LabelledSeed[] {
  if (cache) return cache;
  const out: LabelledSeed[] = [];
  for (let i = 0; out.length < RANKED_GROUPS; i++) {
    const subject = SUBJECTS[i % SUBJECTS.length];
    const form = FORMS[(i + Math.floor(i / SUBJECTS.length)) % FORMS.length];
    const prompt = form(subject) + CONTEXTS[Math.floor(i / (SUBJECTS.length * FORMS.length)) % CONTEXTS.length];
    const rng = new Rng(hashSeed('builtin:ranked', i));
    const configs = drawRanked(rng);
    out.push({
      id: `ranked-${String(out.length + 1).padStart(3, '0')}`,
      prompt,
      answers: configs.map((c, k) => ({ rank: k + 1, text: renderAnswer(c, prompt, rng.fork(k)) })),
    });
  }
  cache = out;
  return out;
}
