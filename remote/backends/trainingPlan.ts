/**
 * The optimisation settings of a TRL run, from the run config to what TRL is told, and recorded as such in the
 * iteration manifest (training stage, `plan`):
 *  - batch: `trainer.batchSize` is the GLOBAL batch (paper: 16) = processes × per-device batch × gradient
 *    accumulation. The processes come from trainer.processes, else the accelerate config's num_processes, else the
 *    GPUs the agent sees (CUDA_VISIBLE_DEVICES, else nvidia-smi); the launchers are always told that number.
 *  - learning-rate floor: transformers' `polynomial` schedule with power 1 is a straight line from the learning
 *    rate to `lr_end` (optimization.py get_polynomial_decay_schedule_with_warmup), so "linear" + a floor becomes
 *    `--lr_scheduler_type=polynomial --lr_scheduler_kwargs={"lr_end": floor, "power": 1.0}`; "cosine" + a floor is
 *    `cosine_with_min_lr` with {"min_lr": floor}. Constant schedules have no floor to reach.
 *  - dropout: TRL's DPOConfig.disable_dropout (default True) zeroes every dropout module, so DPO gets
 *    `--disable_dropout=false`; and a model only has the dropout its config sets (Llama: attention_dropout 0.0), so
 *    the model config's dropout attributes are set through `--model_init_kwargs` (passed to from_pretrained, which
 *    overrides config attributes). The attributes are read from the model's config.json (its folder, or the
 *    Hugging Face cache for a hub id); a model with none trains without dropout, and the plan says so.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TrainerConfig } from '../protocol';
import { runShort } from './processes';

export class PlanError extends Error {}

export interface BatchPlan {
  processes: number;
  /** where the process count came from */
  processesFrom: 'trainer.processes' | 'accelerate config' | 'visible GPUs' | 'no GPU visible';
  perDevice: number;
  gradientAccumulation: number;
  /** processes × perDevice × gradientAccumulation: the batch one optimiser step sees */
  effective: number;
}

export interface SchedulePlan {
  /** TRL's --lr_scheduler_type */
  type: string;
  kwargs?: Record<string, number>;
  from: number;
  to: number;
}

export interface DropoutPlan {
  requested: number;
  /** the model config attributes set to `requested` (empty: this model has none, trained without dropout) */
  attributes: string[];
  /** where they were read (config.json), or why not */
  source: string;
}

export interface TrainingPlan {
  batch: BatchPlan;
  schedule: SchedulePlan;
  dropout: DropoutPlan;
}

/** The default per-device batch is at most this (DPO puts chosen and rejected of each pair through the model). */
export const DEFAULT_MAX_PER_DEVICE = 2;

export function batchPlan(c: Pick<TrainerConfig, 'batchSize' | 'perDeviceBatchSize' | 'gradientAccumulationSteps'>, processes: number, processesFrom: BatchPlan['processesFrom']): BatchPlan {
  const g = c.batchSize;
  if (g % processes !== 0) {
    throw new PlanError(`trainer.batchSize (${g}, the global batch) is not a multiple of the ${processes} training processes (${processesFrom}); set trainer.batchSize to a multiple of ${processes} or trainer.processes`);
  }
  const perProcess = g / processes;
  let perDevice: number;
  let accum: number;
  if (c.perDeviceBatchSize !== undefined && c.gradientAccumulationSteps !== undefined) {
    perDevice = c.perDeviceBatchSize;
    accum = c.gradientAccumulationSteps;
    if (perDevice * accum !== perProcess) {
      throw new PlanError(`trainer.perDeviceBatchSize (${perDevice}) × trainer.gradientAccumulationSteps (${accum}) × ${processes} processes = ${processes * perDevice * accum}, not trainer.batchSize (${g})`);
    }
  } else if (c.perDeviceBatchSize !== undefined) {
    perDevice = c.perDeviceBatchSize;
    if (perProcess % perDevice !== 0) throw new PlanError(`trainer.perDeviceBatchSize (${perDevice}) does not divide ${perProcess} (trainer.batchSize ${g} / ${processes} processes)`);
    accum = perProcess / perDevice;
  } else if (c.gradientAccumulationSteps !== undefined) {
    accum = c.gradientAccumulationSteps;
    if (perProcess % accum !== 0) throw new PlanError(`trainer.gradientAccumulationSteps (${accum}) does not divide ${perProcess} (trainer.batchSize ${g} / ${processes} processes)`);
    perDevice = perProcess / accum;
  } else {
    perDevice = 1;
    for (let d = Math.min(DEFAULT_MAX_PER_DEVICE, perProcess); d >= 1; d--) {
      if (perProcess % d === 0) {
        perDevice = d;
        break;
      }
    }
    accum = perProcess / perDevice;
  }
  return { processes, processesFrom, perDevice, gradientAccumulation: accum, effective: processes * perDevice * accum };
}

/** `num_processes:` of an accelerate config file (YAML, flat at top level); undefined when absent or -1. */
export function accelerateNumProcesses(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PlanError(`trainer.accelerateConfig: cannot read ${file}: ${(e as Error).message}`);
  }
  const m = /^num_processes:\s*(-?\d+)\s*$/m.exec(text);
  const n = m ? Number(m[1]) : undefined;
  return n !== undefined && n > 0 ? n : undefined;
}

/** GPUs this process may use: CUDA_VISIBLE_DEVICES when set, else what nvidia-smi lists. */
export async function visibleGpus(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const cvd = env.CUDA_VISIBLE_DEVICES;
  if (cvd !== undefined) return cvd.split(',').map((s) => s.trim()).filter((s) => s && s !== '-1');
  const r = await runShort(['nvidia-smi', '--query-gpu=index', '--format=csv,noheader'], { timeoutMs: 20_000, env });
  return r.code === 0 ? r.stdout.split('\n').map((s) => s.trim()).filter(Boolean) : [];
}

export async function trainingProcesses(c: TrainerConfig): Promise<{ processes: number; from: BatchPlan['processesFrom'] }> {
  if (c.processes) return { processes: c.processes, from: 'trainer.processes' };
  if (c.accelerateConfig) {
    const n = accelerateNumProcesses(c.accelerateConfig);
    if (n) return { processes: n, from: 'accelerate config' };
  }
  const gpus = await visibleGpus();
  return gpus.length ? { processes: gpus.length, from: 'visible GPUs' } : { processes: 1, from: 'no GPU visible' };
}

export function schedulePlan(c: Pick<TrainerConfig, 'lrScheduler' | 'learningRate' | 'minLearningRate'>): SchedulePlan {
  const floor = c.minLearningRate ?? 0;
  const base = { from: c.learningRate, to: 0 };
  if (c.lrScheduler === 'linear') {
    return floor > 0 ? { type: 'polynomial', kwargs: { lr_end: floor, power: 1.0 }, from: c.learningRate, to: floor } : { type: 'linear', ...base };
  }
  if (c.lrScheduler === 'cosine') {
    return floor > 0 ? { type: 'cosine_with_min_lr', kwargs: { min_lr: floor }, from: c.learningRate, to: floor } : { type: 'cosine', ...base };
  }
  return { type: c.lrScheduler, from: c.learningRate, to: c.learningRate };
}

/** Config attributes that are dropout probabilities (transformers' names across architectures). */
const DROPOUT_KEY = /(^|_)(dropout|pdrop)($|_)|_dropout_prob$/;
const NOT_TRAINING_DROPOUT = /^(classifier_dropout|summary_first_dropout|summary_last_dropout)$/;

/** The model's config.json: its folder, or the newest snapshot of a hub id in the Hugging Face cache. */
export function findModelConfig(model: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const local = path.join(model, 'config.json');
  if (fs.existsSync(local)) return local;
  if (!/^[\w.-]+\/[\w.-]+$/.test(model)) return undefined;
  const hubCache = env.HF_HUB_CACHE ?? path.join(env.HF_HOME ?? path.join(os.homedir(), '.cache', 'huggingface'), 'hub');
  const snaps = path.join(hubCache, `models--${model.replace('/', '--')}`, 'snapshots');
  if (!fs.existsSync(snaps)) return undefined;
  const hit = fs.readdirSync(snaps)
    .map((d) => path.join(snaps, d, 'config.json'))
    .filter((f) => fs.existsSync(f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  return hit;
}

export function dropoutPlan(requested: number, model: string, env: NodeJS.ProcessEnv = process.env): DropoutPlan {
  if (!(requested > 0)) return { requested: 0, attributes: [], source: 'trainer.dropout is 0' };
  const file = findModelConfig(model, env);
  if (!file) return { requested, attributes: [], source: `no config.json for ${model} (not a folder, not in the Hugging Face cache): trained without dropout` };
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return { requested, attributes: [], source: `${file}: ${(e as Error).message}: trained without dropout` };
  }
  const attributes = Object.keys(cfg).filter((k) => DROPOUT_KEY.test(k) && !NOT_TRAINING_DROPOUT.test(k) && typeof cfg[k] === 'number').sort();
  return { requested, attributes, source: attributes.length ? file : `${file} has no dropout attribute: trained without dropout` };
}

export async function trainingPlan(c: TrainerConfig, model: string): Promise<TrainingPlan> {
  const p = await trainingProcesses(c);
  return { batch: batchPlan(c, p.processes, p.from), schedule: schedulePlan(c), dropout: dropoutPlan(c.dropout ?? 0, model) };
}
