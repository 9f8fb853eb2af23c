/**
 * The simulated model's parameters and its checkpoint files.
 *
 * An answer is a point in a small latent space (how relevant, how many points, how structured, how expert, how much
 * filler, how elaborated). The policy is a log-linear model over that space:
 *     π_θ(c) ∝ exp( prior(c) + θ · μ(c) )
 * where prior(c) is the base model's tendency (fixed per checkpoint lineage), μ(c) the mean measured features of
 * answers rendered from c (calibrated once by rendering and measuring), and θ the trainable feature weights. This is
 * exactly the family where DPO's implicit reward β·log(π_θ/π_ref) equals β·(θ−θ_ref)·φ up to a per-prompt constant,
 * so the trainer optimises the real DPO loss. sim-base has θ = 0.
 *
 * Two checkpoints are built in: `sim-base`, an instruction-following model that already judges well (what a run
 * starting from an existing M1 uses), and `sim-pretrained`, a pretrained base model M0 before any fine-tuning: its
 * answers drift, pad and lack structure more often, and as a judge it often writes no valid score, often collapses to
 * one habitual score, assesses noisily and is impressed by length. SFT (trainer.ts) moves θ towards the features of
 * the IFT answers and fits the judge parameters (judge.ts JudgeParams) to the EFT verdicts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FEATURE_NAMES, extractFeatures, toVector, type FeatureName } from './features';
import { BASE_PERCEPTION, JUDGE_INPUTS, QUALITIES, type JudgeParams, type Perception } from './judge';
import { Rng, hashSeed, logSumExp } from './rng';
import { renderAnswer } from './answers';
import { writeJsonAtomic } from '../../store/atomic';

export const POLICY_FILE = 'sim-policy.json';
export const POLICY_FORMAT = 1;
export const BASE_MODEL_ID = 'sim-base';
export const PRETRAINED_MODEL_ID = 'sim-pretrained';

export const LATENT_DIMS = ['relevance', 'points', 'structure', 'expertise', 'filler', 'elaboration'] as const;
export type LatentDim = (typeof LATENT_DIMS)[number];
/** levels per dimension: relevance 0 drift/1 partial/2 on topic; points 1..6; structure 0 block/1 paragraphs/2 list;
 * expertise 0..2; filler 0..3 platitudes; elaboration 0..2 extra sentences per point */
export const LATENT_LEVELS: Record<LatentDim, number> = { relevance: 3, points: 6, structure: 3, expertise: 3, filler: 4, elaboration: 3 };
export type LatentConfig = Record<LatentDim, number>;

export interface SimPolicy {
  format: number;
  kind: 'sim-policy';
  /** the base model this lineage started from */
  base: string;
  /** the model this one was trained from (absent for the base) */
  parent?: string;
  /** base tendencies: a logit per level of each latent dimension */
  priors: Record<LatentDim, number[]>;
  /** θ: weight per feature */
  weights: Record<FeatureName, number>;
  /** how this checkpoint judges (absent: the capable judge of sim-base) */
  judge?: JudgeParams;
  createdAt?: string;
  training?: Record<string, unknown>;
}

export const BASE_POLICY: SimPolicy = Object.freeze({
  format: POLICY_FORMAT,
  kind: 'sim-policy',
  base: BASE_MODEL_ID,
  priors: {
    relevance: [-0.4, 0.6, 0.8],
    points: [0.2, 0.6, 0.6, 0.2, -0.3, -0.8],
    structure: [0.5, 0.5, -0.2],
    expertise: [0.6, 0.2, -0.6],
    filler: [0, 0.4, 0.2, -0.3],
    elaboration: [0.3, 0.2, -0.2],
  },
  weights: { relevance: 0, completeness: 0, organisation: 0, expertise: 0, filler: 0, length: 0 },
}) as SimPolicy;

/** The pretrained judge sees quality mostly in length and structure and barely notices padding. */
const PRETRAINED_PERCEPTION: Perception = Object.freeze({
  //            relevance completeness organisation expertise filler length excessLength bias
  relevance: [0.6, 0, 0, 0, 0, 0.3, 0, 0.15],
  coverage: [0, 0.4, 0, 0, 0, 0.7, 0, 0],
  usefulness: [0.3, 0.3, 0, 0.1, 0, 0.4, 0, 0],
  organisation: [0, 0, 0.8, 0, 0, 0.2, 0, 0.05],
  expertise: [0, 0, 0, 0.6, 0, 0.4, 0, 0],
  concision: [0, 0, 0, 0, -0.6, 0, -0.3, 0.9],
  voice: [0.2, 0, 0.3, 0, -0.3, 0, 0, 0.5],
}) as Perception;

export const PRETRAINED_POLICY: SimPolicy = Object.freeze({
  format: POLICY_FORMAT,
  kind: 'sim-policy',
  base: PRETRAINED_MODEL_ID,
  priors: {
    relevance: [0.3, 0.6, 0.2],
    points: [0.6, 0.6, 0.3, -0.2, -0.7, -1.2],
    structure: [1.0, 0.3, -0.9],
    expertise: [0.9, 0.1, -0.9],
    filler: [-0.3, 0.4, 0.5, 0.3],
    elaboration: [0.1, 0.3, 0.2],
  },
  weights: { relevance: 0, completeness: 0, organisation: 0, expertise: 0, filler: 0, length: 0 },
  judge: { format: 0.4, collapse: 0, noise: 2.5, perception: PRETRAINED_PERCEPTION },
}) as SimPolicy;

/** Model ids the sim knows without a checkpoint folder. */
export const BUILTIN_POLICIES: Readonly<Record<string, SimPolicy>> = Object.freeze({ [BASE_MODEL_ID]: BASE_POLICY, [PRETRAINED_MODEL_ID]: PRETRAINED_POLICY });

export const isBuiltinModel = (model: string): boolean => Object.hasOwn(BUILTIN_POLICIES, model);

/** A checkpoint's judge parameters; a checkpoint without them judges like sim-base. */
export function judgeParamsOf(p: SimPolicy): JudgeParams {
  return p.judge ?? { format: 6, collapse: -6, noise: 1, perception: BASE_PERCEPTION };
}

// ---------------------------------------------------------------------------------------------------------------
// The latent space, enumerated once, with calibrated mean features
// ---------------------------------------------------------------------------------------------------------------

let space: { configs: LatentConfig[]; mu: number[][] } | undefined;

const CALIBRATION_INSTRUCTIONS = [
  'How do I keep a sourdough starter healthy?',
  'Write advice for a new manager running weekly team meetings.',
  'Explain how to plan a budget for a family holiday.',
];

/** All latent configurations and μ(c): mean measured features over a few rendered answers. Cached. */
export function latentSpace(): { configs: LatentConfig[]; mu: number[][] } {
  if (space) return space;
  const configs: LatentConfig[] = [];
  const rec = (i: number, acc: Partial<LatentConfig>): void => {
    if (i === LATENT_DIMS.length) return void configs.push(acc as LatentConfig);
    const d = LATENT_DIMS[i];
    for (let l = 0; l < LATENT_LEVELS[d]; l++) rec(i + 1, { ...acc, [d]: l });
  };
  rec(0, {});
  const mu = configs.map((c, ci) => {
    const sum = new Array<number>(FEATURE_NAMES.length).fill(0);
    CALIBRATION_INSTRUCTIONS.forEach((ins, k) => {
      const v = toVector(extractFeatures(ins, renderAnswer(c, ins, new Rng(hashSeed('calibrate', ci, k)))));
      v.forEach((x, j) => (sum[j] += x));
    });
    return sum.map((s) => s / CALIBRATION_INSTRUCTIONS.length);
  });
  space = { configs, mu };
  return space;
}

export function weightVector(p: SimPolicy): number[] {
  return FEATURE_NAMES.map((n) => p.weights[n] ?? 0);
}

/** Unnormalised log-probability of every latent configuration under the policy. */
export function configLogits(p: SimPolicy): number[] {
  const { configs, mu } = latentSpace();
  const w = weightVector(p);
  return configs.map((c, i) => {
    let s = 0;
    for (const d of LATENT_DIMS) s += p.priors[d][c[d]] ?? 0;
    for (let j = 0; j < w.length; j++) s += w[j] * mu[i][j];
    return s;
  });
}

export function logPartition(p: SimPolicy): number {
  return logSumExp(configLogits(p));
}

/** Expected features of the policy's answers (temperature 1): what training moves. */
export function expectedFeatures(p: SimPolicy): Record<FeatureName, number> {
  const { mu } = latentSpace();
  const logits = configLogits(p);
  const z = logSumExp(logits);
  const out = new Array<number>(FEATURE_NAMES.length).fill(0);
  logits.forEach((l, i) => {
    const pr = Math.exp(l - z);
    mu[i].forEach((x, j) => (out[j] += pr * x));
  });
  return Object.fromEntries(FEATURE_NAMES.map((n, j) => [n, out[j]])) as Record<FeatureName, number>;
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint IO
// ---------------------------------------------------------------------------------------------------------------

export class ModelNotFoundError extends Error {
  constructor(readonly model: string, reason: string) {
    super(`The model \`${model}\` does not exist: ${reason}`);
  }
}

/** Where a model id points: a folder holding sim-policy.json (absolute, or relative to modelDir). */
export function resolveModelPath(model: string, modelDir?: string): string {
  const p = path.isAbsolute(model) ? model : path.resolve(modelDir ?? process.cwd(), model);
  return path.basename(p) === POLICY_FILE ? p : path.join(p, POLICY_FILE);
}

export function validatePolicy(raw: unknown, where: string): SimPolicy {
  const r = raw as Partial<SimPolicy> | null;
  const bad = (field: string, why: string): never => {
    throw new Error(`${where}: field "${field}" ${why}`);
  };
  if (!r || typeof r !== 'object') return bad('(root)', 'must be an object');
  if (r.format !== POLICY_FORMAT) bad('format', `must be ${POLICY_FORMAT} (got ${JSON.stringify(r.format)})`);
  if (r.kind !== 'sim-policy') bad('kind', 'must be "sim-policy"');
  if (!r.priors || typeof r.priors !== 'object') bad('priors', 'must be an object');
  for (const d of LATENT_DIMS) {
    const v = r.priors![d];
    if (!Array.isArray(v) || v.length !== LATENT_LEVELS[d] || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      bad(`priors.${d}`, `must be ${LATENT_LEVELS[d]} finite numbers`);
    }
  }
  if (!r.weights || typeof r.weights !== 'object') bad('weights', 'must be an object');
  for (const n of FEATURE_NAMES) {
    const v = r.weights![n];
    if (typeof v !== 'number' || !Number.isFinite(v)) bad(`weights.${n}`, 'must be a finite number');
  }
  if (r.judge !== undefined) {
    const j = r.judge as Partial<JudgeParams> | null;
    if (!j || typeof j !== 'object') bad('judge', 'must be an object');
    for (const k of ['format', 'collapse', 'noise'] as const) {
      if (typeof j![k] !== 'number' || !Number.isFinite(j![k])) bad(`judge.${k}`, 'must be a finite number');
    }
    if (!(j!.noise! > 0)) bad('judge.noise', 'must be > 0');
    for (const q of QUALITIES) {
      const w = j!.perception?.[q];
      if (!Array.isArray(w) || w.length !== JUDGE_INPUTS.length || w.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        bad(`judge.perception.${q}`, `must be ${JUDGE_INPUTS.length} finite numbers`);
      }
    }
  }
  return { ...(r as SimPolicy), base: typeof r.base === 'string' ? r.base : BASE_MODEL_ID };
}

const cache = new Map<string, { mtimeMs: number; policy: SimPolicy }>();

/** Load a model id: sim-base, or a checkpoint folder. Throws ModelNotFoundError when absent, Error when invalid. */
export function loadPolicy(model: string, modelDir?: string): SimPolicy {
  if (isBuiltinModel(model)) return BUILTIN_POLICIES[model];
  const file = resolveModelPath(model, modelDir);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new ModelNotFoundError(model, `no ${POLICY_FILE} at ${file}`);
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs) return hit.policy;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  const policy = validatePolicy(raw, file);
  cache.set(file, { mtimeMs: st.mtimeMs, policy });
  return policy;
}

export function savePolicy(dir: string, p: SimPolicy): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, POLICY_FILE);
  writeJsonAtomic(file, p);
  return file;
}

/** Checkpoint folders under modelDir (bounded depth), as model ids relative to it. */
export function listCheckpoints(modelDir: string, maxDepth = 4, maxEntries = 2000): string[] {
  const out: string[] = [];
  let visited = 0;
  const walk = (dir: string, depth: number): void => {
    if (depth > maxDepth || visited > maxEntries) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      visited++;
      if (e.isFile() && e.name === POLICY_FILE) out.push(path.relative(modelDir, dir) || '.');
      else if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(path.join(dir, e.name), depth + 1);
    }
  };
  walk(modelDir, 0);
  return out.sort();
}
