/**
 * The simulated DPO trainer: a real optimisation of the sim policy's feature weights θ on preference pairs.
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
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrainMetrics } from '../../protocol';
import { tripleFromTrlRow, type PreferenceTriple } from '../rows';
import { parseJsonLine } from '../../store/jsonl';
import { writeJsonAtomic } from '../../store/atomic';
import { FEATURE_NAMES, extractFeatures, toVector } from './features';
import { BASE_MODEL_ID, type SimPolicy, loadPolicy, logPartition, resolveModelPath, savePolicy, weightVector, latentSpace } from './policy';
import { Rng, hashSeed } from './rng';

export const SIM_LR_SCALE = 3e7;

export interface SimTrainOptions {
  model: string;
  data: string;
  outputDir: string;
  beta?: number;
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

interface Pair {
  delta: number[];
  chosen: number[];
  rejected: number[];
}

/** TRL log entry (HF Trainer field names). */
export type LogEntry = Record<string, number>;

/** Read TRL preference rows (standard or conversational). Errors name file and line. */
export function readPreferenceRows(file: string): PreferenceTriple[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read training data: ${(e as Error).message}`);
  }
  const out: PreferenceTriple[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    out.push(tripleFromTrlRow(parseJsonLine<unknown>(line, file, i + 1), `${file}:${i + 1}`));
  });
  return out;
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

export async function simTrain(opts: SimTrainOptions): Promise<{ model: string; metrics: TrainMetrics[] }> {
  const beta = opts.beta ?? 0.1;
  const lr0 = opts.learningRate ?? 1e-6;
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 16;
  const saveSteps = opts.saveSteps ?? 200;
  if (!(beta > 0)) throw new Error(`sim-train: beta must be > 0 (got ${beta})`);
  if (!(lr0 > 0)) throw new Error(`sim-train: learning rate must be > 0 (got ${lr0})`);
  if (!(epochs > 0)) throw new Error(`sim-train: epochs must be > 0 (got ${epochs})`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`sim-train: batch size must be an integer >= 1 (got ${batchSize})`);
  const log = (line: string): void => opts.onLog?.(line);

  const ref: SimPolicy = loadPolicy(opts.model, opts.modelDir);
  const rows = readPreferenceRows(opts.data);
  if (!rows.length) throw new Error(`${opts.data}: no preference rows to train on`);
  const pairs: Pair[] = rows.map((r) => {
    const c = toVector(extractFeatures(r.prompt, r.chosen));
    const j = toVector(extractFeatures(r.prompt, r.rejected));
    return { chosen: c, rejected: j, delta: c.map((x, i) => x - j[i]) };
  });
  latentSpace();
  const outputDir = path.resolve(opts.outputDir);
  const thetaRef = weightVector(ref);
  const theta = thetaRef.slice();
  const logZRef = logPartition(ref);
  const stepsPerEpoch = Math.ceil(pairs.length / batchSize);
  const maxSteps = Math.ceil(stepsPerEpoch * epochs);
  const lrSim = lr0 * SIM_LR_SCALE;
  const rng = new Rng(hashSeed('sim-train', opts.seed ?? 42));
  const logHistory: LogEntry[] = [];
  const metrics: TrainMetrics[] = [];
  const started = Date.now();
  const refModel = opts.model === BASE_MODEL_ID ? BASE_MODEL_ID : path.dirname(resolveModelPath(opts.model, opts.modelDir));
  const policyAt = (): SimPolicy => ({
    format: ref.format,
    kind: 'sim-policy',
    base: ref.base,
    parent: refModel,
    priors: ref.priors,
    weights: Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, theta[i]])) as SimPolicy['weights'],
    createdAt: new Date().toISOString(),
    training: { data: path.resolve(opts.data), pairs: pairs.length, beta, learningRate: lr0, lrScale: SIM_LR_SCALE, epochs, batchSize },
  });
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
    savePolicy(dir, policyAt());
    writeJsonAtomic(path.join(dir, 'trainer_state.json'), state(step));
  };

  fs.mkdirSync(outputDir, { recursive: true });
  removeStaleCheckpoints(outputDir);
  log(`sim-train: ${pairs.length} pairs, ${maxSteps} steps (batch ${batchSize}, ${epochs} epoch(s)), beta ${beta}, lr ${lr0} (× ${SIM_LR_SCALE} for the sim = ${lrSim})`);
  let order: number[] = [];
  let step = 0;
  let lossSum = 0;
  while (step < maxSteps) {
    if (opts.signal?.aborted) throw new Error('sim-train: aborted');
    if (order.length === 0) order = rng.sample(pairs.map((_, i) => i), pairs.length);
    const batch = order.splice(0, batchSize).map((i) => pairs[i]);
    const dTheta = theta.map((t, i) => t - thetaRef[i]);
    // log Z_θ for the reward's per-prompt constant (the same for every prompt in the sim)
    const logZ = logPartition({ ...ref, weights: Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, theta[i]])) as SimPolicy['weights'] });
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
      p.delta.forEach((d, i) => (grad[i] += (g * d) / batch.length));
      const chosenReward = beta * (dot(dTheta, p.chosen) - (logZ - logZRef));
      const rejectedReward = beta * (dot(dTheta, p.rejected) - (logZ - logZRef));
      rc += chosenReward;
      rr += rejectedReward;
      if (chosenReward > rejectedReward) acc++;
      lpc += dot(theta, p.chosen) - logZ;
      lpr += dot(theta, p.rejected) - logZ;
    }
    const k = batch.length;
    const lr = lrSim * (1 - step / maxSteps);
    for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i];
    step++;
    lossSum += loss / k;
    const entry: LogEntry = {
      epoch: round(step / stepsPerEpoch, 6),
      grad_norm: round(Math.sqrt(dot(grad, grad)), 6),
      learning_rate: lr0 * (1 - (step - 1) / maxSteps),
      'logps/chosen': round(lpc / k),
      'logps/rejected': round(lpr / k),
      loss: round(loss / k),
      'rewards/accuracies': round(acc / k),
      'rewards/chosen': round(rc / k),
      'rewards/margins': round((rc - rr) / k),
      'rewards/rejected': round(rr / k),
      step,
    };
    logHistory.push(entry);
    const { step: _s, ...printed } = entry;
    log(pythonDict(printed));
    const elapsed = (Date.now() - started) / 1000;
    const m: TrainMetrics = {
      step,
      totalSteps: maxSteps,
      epoch: entry.epoch,
      loss: entry.loss,
      learningRate: entry.learning_rate,
      rewardsChosen: entry['rewards/chosen'],
      rewardsRejected: entry['rewards/rejected'],
      rewardsMargins: entry['rewards/margins'],
      rewardsAccuracies: entry['rewards/accuracies'],
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
    train_samples_per_second: round((pairs.length * epochs) / Math.max(runtime, 1e-3), 3),
    train_steps_per_second: round(step / Math.max(runtime, 1e-3), 3),
  };
  logHistory.push(summary);
  const { step: _s2, ...printedSummary } = summary;
  log(pythonDict(printedSummary));
  saveCheckpoint(step);
  savePolicy(outputDir, policyAt());
  writeJsonAtomic(path.join(outputDir, 'trainer_state.json'), state(step));
  return { model: outputDir, metrics };
}
