/**
 * The simulated trainers: real optimisations of the sim policy on TRL-format rows, with TRL-shaped output. One
 * training loop (minibatches over shuffled rows, checkpoints, log history) and two objectives.
 *
 * DPO (simTrain): the sim policy's feature weights θ on preference pairs; judge pairs among them (Meta-Rewarding:
 * rows whose prompt is a judge prompt) train the checkpoint's judge instead (judgeDpo.ts).
 *
 * Under the log-linear policy of policy.ts, log π_θ(y|x) − log π_ref(y|x) = (θ−θ_ref)·φ(x,y) − (log Z_θ − log Z_ref),
 * so DPO's loss on a pair (chosen c, rejected r) is exactly
 *     L = −log σ( β · (θ−θ_ref) · (φ(x,c) − φ(x,r)) )
 * with φ measured from the texts by features.ts. We run minibatch gradient descent on it from θ_ref (the input
 * model), with a linearly decaying learning rate (TRL's default scheduler), for the configured epochs.
 *
 * Learning-rate scaling (explicit and fixed): the configured rate is TRL-scale (1e-6, for billions of weights moved
 * through long token sequences); the sim has 6 weights, so it uses lr_sim = learningRate × SIM_LR_SCALE. With the
 * default 1e-6 that is 30: a few dozen pairs move the policy visibly, as two demo iterations should show.
 *
 * Output, shaped like TRL's: <outputDir>/sim-policy.json (the servable model), checkpoint-<step>/ folders holding
 * sim-policy.json and trainer_state.json (global_step, max_steps, log_history with loss, grad_norm, learning_rate,
 * rewards/chosen, rewards/rejected, rewards/margins, rewards/accuracies, logps/chosen, logps/rejected, epoch, step),
 * and a trainer_state.json in outputDir; stdout-style progress lines via onLog ({'loss': 0.69, ...}).
 *
 * SFT (simSft): supervised fine-tuning on prompt → completion rows, the loss on the completion only.
 *   - IFT rows (instruction → answer): the target answer is read into the latent space as the configuration ĉ whose
 *     mean features are nearest its measured features; the loss is its cross-entropy under the policy,
 *     −log π_θ(ĉ) = log Z_θ − prior(ĉ) − θ·μ(ĉ), whose gradient E_θ[μ] − μ(ĉ) moves θ towards the features of the
 *     target answers (moment matching: maximum likelihood in this exponential family).
 *   - EFT rows (a filled judge prompt → a justification ending in "Score: x"): the loss is −log P(verdict) under the
 *     checkpoint's judge (judge.ts verdictLikelihood, computed exactly), minimised over the judge's parameters
 *     (format, collapse, noise, perception); a target without a readable score teaches the malformed format.
 *   One Adam step per batch over θ and the judge's parameters (TRL's default optimiser is AdamW), the learning rate
 *   decaying linearly from learningRate to minLearningRate; lr_sim = learningRate × SIM_SFT_LR_SCALE (5.5e-6 →
 *   0.088: Adam's steps are about lr_sim per parameter, whatever the gradient's scale). No dropout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainMetrics } from '../../protocol';
import { exampleFromSftRow, tripleFromTrlRow, type PreferenceTriple, type SftExample } from '../rows';
import { parseJsonLine } from '../../store/jsonl';
import { writeJsonAtomic } from '../../store/atomic';
import { FEATURE_NAMES, extractFeatures, toVector } from './features';
import { type JudgeParams, type PreparedVerdict, outputLikelihood, readVerdict, zeroJudgeGradient } from './judge';
import { JudgeDpo, SIM_JUDGE_LR_SCALE, judgeRowsOf } from './judgeDpo';
import { Adam, JUDGE_STEP_SCALE, addJudgeGradient, judgeFromVector, judgeVector } from './optim';
import { type SimPolicy, configLogits, isBuiltinModel, judgeParamsOf, loadPolicy, logPartition, resolveModelPath, savePolicy, weightVector, latentSpace } from './policy';
import { Rng, hashSeed } from './rng';

export const SIM_LR_SCALE = 3e7;
export const SIM_SFT_LR_SCALE = 1.6e4;

interface Pair {
  delta: number[];
  chosen: number[];
  rejected: number[];
}

/** TRL log entry (HF Trainer field names). */
export type LogEntry = Record<string, number>;

/** Read TRL rows (standard or conversational) with `read`. Errors name file and line. */
function readRows<T>(file: string, read: (row: unknown, where: string) => T): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read training data: ${(e as Error).message}`);
  }
  const out: T[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    out.push(read(parseJsonLine<unknown>(line, file, i + 1), `${file}:${i + 1}`));
  });
  return out;
}

/** Read TRL preference rows (standard or conversational). Errors name file and line. */
export function readPreferenceRows(file: string): PreferenceTriple[] {
  return readRows(file, tripleFromTrlRow);
}

/** Read TRL prompt-completion rows (standard or conversational). Errors name file and line. */
export function readSftRows(file: string): SftExample[] {
  return readRows(file, exampleFromSftRow);
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** −log σ(z), stable */
const negLogSigmoid = (z: number): number => (z >= 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));
const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);
const round = (x: number, d = 4): number => Number(x.toFixed(d));

/** Python-dict rendering of a log entry, as transformers prints progress lines. */
export function pythonDict(e: LogEntry): string {
  return `{${Object.entries(e).map(([k, v]) => `'${k}': ${Number.isInteger(v) ? `${v}` : String(v)}`).join(', ')}}`;
}

/**
 * A rerun into the same folder (after a crash or a retry) must not leave checkpoints of the earlier attempt for a
 * progress reader to mistake for this one: remove our own checkpoint-<n> folders (those holding sim-policy.json).
 */
function removeStaleCheckpoints(outputDir: string): void {
  for (const e of fs.readdirSync(outputDir, { withFileTypes: true })) {
    if (e.isDirectory() && /^checkpoint-\d+$/.test(e.name) && fs.existsSync(path.join(outputDir, e.name, 'sim-policy.json'))) {
      fs.rmSync(path.join(outputDir, e.name), { recursive: true, force: true });
    }
  }
}

/** What both trainers take. */
interface CommonOptions {
  model: string;
  data: string;
  outputDir: string;
  learningRate?: number;
  epochs?: number;
  batchSize?: number;
  /** folder relative model ids resolve against (default: cwd) */
  modelDir?: string;
  /** shuffling seed (default 42, TRL's default) */
  seed?: number;
  /** write checkpoint-<step>/ every this many steps (and at the end); default 200 */
  saveSteps?: number;
  signal?: AbortSignal;
  onMetrics?(m: TrainMetrics): void;
  onLog?(line: string): void;
}

/** One objective on the shared loop. */
interface Objective {
  examples: number;
  /** the log line opening the run */
  describe(maxSteps: number): string;
  /** learning rate (config scale) of the 0-based step */
  learningRate(step: number, maxSteps: number): number;
  /** one gradient step on the batch with the sim-scale rate; the log_history fields besides epoch and step */
  step(batch: number[], lr: number): { entry: LogEntry; metrics: Partial<TrainMetrics> };
  /** the model as it stands */
  policy(): SimPolicy;
}

function sortedEntry(e: LogEntry): LogEntry {
  return Object.fromEntries(Object.entries(e).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The training loop both objectives share: shuffled minibatches, TRL log history, checkpoints, the final model. */
async function trainLoop(opts: CommonOptions, o: Objective): Promise<{ model: string; metrics: TrainMetrics[] }> {
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 16;
  const saveSteps = opts.saveSteps ?? 200;
  const log = (line: string): void => opts.onLog?.(line);
  const outputDir = path.resolve(opts.outputDir);
  const stepsPerEpoch = Math.ceil(o.examples / batchSize);
  const maxSteps = Math.ceil(stepsPerEpoch * epochs);
  const rng = new Rng(hashSeed('sim-train', opts.seed ?? 42));
  const logHistory: LogEntry[] = [];
  const metrics: TrainMetrics[] = [];
  const started = Date.now();
  const state = (step: number): Record<string, unknown> => ({
    best_global_step: null,
    best_metric: null,
    best_model_checkpoint: null,
    epoch: round(step / stepsPerEpoch, 6),
    eval_steps: 500,
    global_step: step,
    is_hyper_param_search: false,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: logHistory,
    logging_steps: 1,
    max_steps: maxSteps,
    num_input_tokens_seen: 0,
    num_train_epochs: Math.ceil(epochs),
    save_steps: saveSteps,
    total_flos: 0,
    train_batch_size: batchSize,
    trial_name: null,
    trial_params: null,
  });
  const saveCheckpoint = (step: number): void => {
    const dir = path.join(outputDir, `checkpoint-${step}`);
    savePolicy(dir, o.policy());
    writeJsonAtomic(path.join(dir, 'trainer_state.json'), state(step));
  };

  fs.mkdirSync(outputDir, { recursive: true });
  removeStaleCheckpoints(outputDir);
  log(o.describe(maxSteps));
  let order: number[] = [];
  let step = 0;
  let lossSum = 0;
  while (step < maxSteps) {
    if (opts.signal?.aborted) throw new Error('sim-train: aborted');
    if (order.length === 0) order = rng.sample(Array.from({ length: o.examples }, (_, i) => i), o.examples);
    const batch = order.splice(0, batchSize);
    const learningRate = o.learningRate(step, maxSteps);
    const r = o.step(batch, learningRate);
    step++;
    lossSum += r.entry.loss;
    const entry = sortedEntry({ ...r.entry, epoch: round(step / stepsPerEpoch, 6), learning_rate: learningRate, step });
    logHistory.push(entry);
    const { step: _s, ...printed } = entry;
    log(pythonDict(printed));
    const elapsed = (Date.now() - started) / 1000;
    const m: TrainMetrics = {
      step,
      totalSteps: maxSteps,
      epoch: entry.epoch,
      loss: entry.loss,
      learningRate,
      ...r.metrics,
      etaSec: round((elapsed / step) * (maxSteps - step), 3),
    };
    metrics.push(m);
    opts.onMetrics?.(m);
    if (step % saveSteps === 0 && step < maxSteps) saveCheckpoint(step);
    // yield so an abort (and the agent's other work) gets a turn
    await new Promise((r) => setImmediate(r));
  }
  const runtime = (Date.now() - started) / 1000;
  const summary: LogEntry = {
    epoch: round(step / stepsPerEpoch, 6),
    step,
    total_flos: 0,
    train_loss: round(lossSum / step),
    train_runtime: round(runtime, 4),
    train_samples_per_second: round((o.examples * epochs) / Math.max(runtime, 1e-3), 3),
    train_steps_per_second: round(step / Math.max(runtime, 1e-3), 3),
  };
  logHistory.push(summary);
  const { step: _s2, ...printedSummary } = summary;
  log(pythonDict(printedSummary));
  saveCheckpoint(step);
  savePolicy(outputDir, o.policy());
  writeJsonAtomic(path.join(outputDir, 'trainer_state.json'), state(step));
  return { model: outputDir, metrics };
}

function checkCommon(kind: string, lr0: number, epochs: number, batchSize: number): void {
  if (!(lr0 > 0)) throw new Error(`${kind}: learning rate must be > 0 (got ${lr0})`);
  if (!(epochs > 0)) throw new Error(`${kind}: epochs must be > 0 (got ${epochs})`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`${kind}: batch size must be an integer >= 1 (got ${batchSize})`);
}

/** The model id a new checkpoint names as its parent: a built-in id, or the folder of the input checkpoint. */
function parentOf(model: string, modelDir?: string): string {
  return isBuiltinModel(model) ? model : path.dirname(resolveModelPath(model, modelDir));
}

const weightsOf = (theta: number[]): SimPolicy['weights'] => Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, theta[i]])) as SimPolicy['weights'];

export interface SimTrainOptions extends CommonOptions {
  beta?: number;
}

export async function simTrain(opts: SimTrainOptions): Promise<{ model: string; metrics: TrainMetrics[] }> {
  const beta = opts.beta ?? 0.1;
  const lr0 = opts.learningRate ?? 1e-6;
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 16;
  if (!(beta > 0)) throw new Error(`sim-train: beta must be > 0 (got ${beta})`);
  checkCommon('sim-train', lr0, epochs, batchSize);

  const ref: SimPolicy = loadPolicy(opts.model, opts.modelDir);
  const rows = readPreferenceRows(opts.data);
  if (!rows.length) throw new Error(`${opts.data}: no preference rows to train on`);
  const judgeRows = judgeRowsOf(rows, judgeParamsOf(ref));
  const judgeDpo = judgeRows.size ? new JudgeDpo(judgeParamsOf(ref), beta) : undefined;
  const pairs: (Pair | undefined)[] = rows.map((r, i) => {
    if (judgeRows.has(i)) return undefined;
    const c = toVector(extractFeatures(r.prompt, r.chosen));
    const j = toVector(extractFeatures(r.prompt, r.rejected));
    return { chosen: c, rejected: j, delta: c.map((x, i) => x - j[i]) };
  });
  latentSpace();
  const thetaRef = weightVector(ref);
  const theta = thetaRef.slice();
  const logZRef = logPartition(ref);
  const lrSim = lr0 * SIM_LR_SCALE;
  const parent = parentOf(opts.model, opts.modelDir);
  return trainLoop(opts, {
    examples: pairs.length,
    describe: (maxSteps) => `sim-train: ${pairs.length} pairs${judgeRows.size ? ` (${judgeRows.size} judge pairs, lr × ${SIM_JUDGE_LR_SCALE} for the judge)` : ''}, ${maxSteps} steps (batch ${batchSize}, ${epochs} epoch(s)), beta ${beta}, lr ${lr0} (× ${SIM_LR_SCALE} for the sim = ${lrSim})`,
    learningRate: (step, maxSteps) => lr0 * (1 - step / maxSteps),
    policy: () => ({
      format: ref.format,
      kind: 'sim-policy',
      base: ref.base,
      parent,
      priors: ref.priors,
      weights: weightsOf(theta),
      // answer pairs train the answer policy; judge pairs (if any) the judge; without them it is passed on unchanged
      ...(judgeDpo ? { judge: structuredClone(judgeDpo.params) } : ref.judge ? { judge: ref.judge } : {}),
      createdAt: new Date().toISOString(),
      training: { kind: 'dpo', data: path.resolve(opts.data), pairs: pairs.length, judgePairs: judgeRows.size, beta, learningRate: lr0, lrScale: SIM_LR_SCALE, epochs, batchSize },
    }),
    step(indices, learningRate) {
      const batch = indices.map((i) => pairs[i]).filter((p): p is Pair => p !== undefined);
      const k = indices.length;
      const dTheta = theta.map((t, i) => t - thetaRef[i]);
      // log Z_θ for the reward's per-prompt constant (the same for every prompt in the sim)
      const logZ = logPartition({ ...ref, weights: weightsOf(theta) });
      const grad = new Array<number>(theta.length).fill(0);
      let loss = 0;
      let rc = 0;
      let rr = 0;
      let acc = 0;
      let lpc = 0;
      let lpr = 0;
      for (const p of batch) {
        const z = beta * dot(dTheta, p.delta);
        loss += negLogSigmoid(z);
        const g = -beta * (1 - sigmoid(z)); // dL/d(θ·Δ)
        p.delta.forEach((d, i) => (grad[i] += (g * d) / k));
        const chosenReward = beta * (dot(dTheta, p.chosen) - (logZ - logZRef));
        const rejectedReward = beta * (dot(dTheta, p.rejected) - (logZ - logZRef));
        rc += chosenReward;
        rr += rejectedReward;
        if (chosenReward > rejectedReward) acc++;
        lpc += dot(theta, p.chosen) - logZ;
        lpr += dot(theta, p.rejected) - logZ;
      }
      const lr = learningRate * SIM_LR_SCALE;
      for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i];
      if (judgeDpo) {
        const j = judgeDpo.step(indices.map((i) => judgeRows.get(i)).filter((r) => r !== undefined), k, learningRate * SIM_JUDGE_LR_SCALE);
        loss += j.loss;
        rc += j.chosen;
        rr += j.rejected;
        acc += j.correct;
        lpc += j.logpChosen;
        lpr += j.logpRejected;
      }
      const entry: LogEntry = {
        grad_norm: round(Math.sqrt(dot(grad, grad)), 6),
        'logps/chosen': round(lpc / k),
        'logps/rejected': round(lpr / k),
        loss: round(loss / k),
        'rewards/accuracies': round(acc / k),
        'rewards/chosen': round(rc / k),
        'rewards/margins': round((rc - rr) / k),
        'rewards/rejected': round(rr / k),
      };
      return {
        entry,
        metrics: { rewardsChosen: entry['rewards/chosen'], rewardsRejected: entry['rewards/rejected'], rewardsMargins: entry['rewards/margins'], rewardsAccuracies: entry['rewards/accuracies'] },
      };
    },
  });
}

export interface SimSftOptions extends CommonOptions {
  /** where the linear decay ends (default: learningRate / 5, the paper's 5.5e-6 → 1.1e-6) */
  minLearningRate?: number;
}

/** An IFT target read into the latent space: the configuration whose mean features are nearest. */
function nearestConfig(features: number[]): number {
  const { mu } = latentSpace();
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < mu.length; i++) {
    let d = 0;
    for (let j = 0; j < features.length; j++) d += (mu[i][j] - features[j]) ** 2;
    if (d < bestD) [best, bestD] = [i, d];
  }
  return best;
}

type SftRow = { kind: 'ift'; config: number } | { kind: 'eft'; prompt: PreparedVerdict; target: number | null };

export async function simSft(opts: SimSftOptions): Promise<{ model: string; metrics: TrainMetrics[] }> {
  const lr0 = opts.learningRate ?? 5.5e-6;
  const lrMin = opts.minLearningRate ?? lr0 / 5;
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 16;
  checkCommon('sim-sft', lr0, epochs, batchSize);
  if (!(lrMin >= 0 && lrMin <= lr0)) throw new Error(`sim-sft: minimum learning rate must be in [0, ${lr0}] (got ${lrMin})`);

  const base: SimPolicy = loadPolicy(opts.model, opts.modelDir);
  const examples = readSftRows(opts.data);
  if (!examples.length) throw new Error(`${opts.data}: no rows to train on`);
  const { mu } = latentSpace();
  const rows: SftRow[] = examples.map((e) => {
    const verdict = readVerdict(e.prompt, e.completion);
    if (verdict) return { kind: 'eft', prompt: verdict.prepared, target: verdict.target };
    return { kind: 'ift', config: nearestConfig(toVector(extractFeatures(e.prompt, e.completion))) };
  });
  const ift = rows.filter((r) => r.kind === 'ift').length;
  const theta = weightVector(base);
  const judge: JudgeParams = structuredClone(judgeParamsOf(base));
  const parent = parentOf(opts.model, opts.modelDir);
  const current = (): SimPolicy => ({ ...base, weights: weightsOf(theta) });
  const adam = new Adam();
  const stepScale = [...theta.map(() => 1), ...JUDGE_STEP_SCALE];
  return trainLoop(opts, {
    examples: rows.length,
    describe: (maxSteps) => `sim-sft: ${rows.length} rows (${ift} IFT, ${rows.length - ift} EFT), ${maxSteps} steps (batch ${batchSize}, ${epochs} epoch(s)), lr ${lr0} → ${lrMin} (× ${SIM_SFT_LR_SCALE} for the sim)`,
    learningRate: (step, maxSteps) => lr0 - (lr0 - lrMin) * (maxSteps > 1 ? step / (maxSteps - 1) : 0),
    policy: () => ({
      format: base.format,
      kind: 'sim-policy',
      base: base.base,
      parent,
      priors: base.priors,
      weights: weightsOf(theta),
      judge: structuredClone(judge),
      createdAt: new Date().toISOString(),
      training: { kind: 'sft', data: path.resolve(opts.data), rows: rows.length, ift, eft: rows.length - ift, learningRate: lr0, minLearningRate: lrMin, lrScale: SIM_SFT_LR_SCALE, epochs, batchSize },
    }),
    step(indices, learningRate) {
      const k = indices.length;
      const lr = learningRate * SIM_SFT_LR_SCALE;
      // IFT: cross-entropy of the targets' configurations; gradient E_θ[μ] − μ(ĉ)
      const logits = configLogits(current());
      const logZ = logPartition(current());
      const expected = new Array<number>(theta.length).fill(0);
      logits.forEach((l, i) => {
        const p = Math.exp(l - logZ);
        for (let j = 0; j < theta.length; j++) expected[j] += p * mu[i][j];
      });
      const gTheta = new Array<number>(theta.length).fill(0);
      const gJudge = zeroJudgeGradient();
      let loss = 0;
      let iftLoss = 0;
      let eftLoss = 0;
      let nIft = 0;
      for (const i of indices) {
        const r = rows[i];
        if (r.kind === 'ift') {
          const nll = logZ - logits[r.config];
          loss += nll;
          iftLoss += nll;
          nIft++;
          for (let j = 0; j < theta.length; j++) gTheta[j] += (expected[j] - mu[r.config][j]) / k;
          continue;
        }
        const v = outputLikelihood(r.prompt, r.target, judge);
        addJudgeGradient(gJudge, v.grad, 1 / k);
        loss -= v.logLik;
        eftLoss -= v.logLik;
      }
      // one Adam step down the loss over θ and the judge's parameters (the judge's gradient is of the log-likelihood)
      const grad = [...gTheta, ...judgeVector(gJudge).map((g) => -g)];
      const params = adam.step([...theta, ...judgeVector({ ...judge, logNoise: Math.log(judge.noise) })], grad, lr, stepScale);
      params.slice(0, theta.length).forEach((x, j) => (theta[j] = x));
      Object.assign(judge, judgeFromVector(params.slice(theta.length)));
      const entry: LogEntry = {
        grad_norm: round(Math.sqrt(dot(grad, grad)), 6),
        loss: round(loss / k),
        ...(nIft ? { ift_loss: round(iftLoss / nIft) } : {}),
        ...(k - nIft ? { eft_loss: round(eftLoss / (k - nIft)) } : {}),
      };
      return { entry, metrics: {} };
    },
  });
}
