/**
 * What every evaluation needs from its caller (the daemon's eval handlers, the per-iteration evaluation stage,
 * checkpoint selection, the CLI): the run, a way to serve one of its models, limits, and progress. Also the two
 * resolutions every evaluation does the same way:
 *   - a side (`EvalSubject`): a model of the run by iteration and role (M_t, the SFT baseline), or any
 *     OpenAI-compatible endpoint (its API key read from the agent's environment, never written);
 *   - a judge (`EvalJudgeSpec`): external (an endpoint, temperature 0) or self — the run's current model, served
 *     like any model of the run.
 * Models are served one at a time (answers first, then the judge), because a backend may hold one model at once.
 */
import { createHash } from 'node:crypto';
import type { EvalJudgeSpec, EvalModelRef, EvalResultRef, EvalSubject, ExternalJudge, ModelEntry } from '../protocol';
import type { ModelEndpoint } from '../backends/types';
import type { ClientOptions } from '../inference/client';
import { apiKeyFrom } from '../backends/index';
import { modelLabel } from '../modelNames';
import type { Run } from '../store/runStore';
import { loadSeed } from '../seed';

export class EvalError extends Error {}

export interface Served {
  endpoint: ModelEndpoint;
  release(): Promise<void>;
}

export interface EvalEnv {
  run: Run;
  /** make a model of the run servable; `release` stops what was started for it */
  serve(model: ModelEntry, signal: AbortSignal): Promise<Served>;
  signal: AbortSignal;
  /** requests in flight at most */
  concurrency: number;
  client: ClientOptions;
  onProgress?(done: number, total: number): void;
}

export interface Side {
  ref: EvalModelRef;
  /** a model of the run (served through env.serve) … */
  entry?: ModelEntry;
  /** … or an endpoint reached directly */
  endpoint?: ModelEndpoint;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'model';

export function refOf(m: ModelEntry): EvalModelRef {
  const role = m.role ?? 'policy';
  return { key: role === 'sft-baseline' ? 'sft' : `m${m.iteration}`, label: modelLabel(m), name: m.name, iteration: m.iteration, role };
}

/** The policy models of the run (one per iteration), ascending. */
export function policyModels(run: Run): ModelEntry[] {
  return run.models().filter((m) => (m.role ?? 'policy') === 'policy').sort((a, b) => a.iteration - b.iteration);
}

export function sftBaseline(run: Run): ModelEntry | undefined {
  return run.models().find((m) => m.role === 'sft-baseline');
}

/** The run's current model: the newest policy model. */
export function currentModel(run: Run): ModelEntry {
  const all = policyModels(run);
  const m = all[all.length - 1];
  if (!m) throw new EvalError(`run ${run.id} has no model registered (models.json)`);
  return m;
}

function runModel(run: Run, iteration: number, role: 'policy' | 'sft-baseline' = 'policy'): ModelEntry {
  const m = run.models().find((x) => x.iteration === iteration && (x.role ?? 'policy') === role);
  if (!m) {
    const have = run.models().map((x) => modelLabel(x)).join(', ') || 'none';
    throw new EvalError(`run ${run.id} has no ${role === 'sft-baseline' ? 'SFT baseline' : `model M${iteration}`} (models: ${have})`);
  }
  return m;
}

function endpointKey(env: string | undefined): string | undefined {
  if (!env) return undefined;
  try {
    return apiKeyFrom(env);
  } catch (e) {
    throw new EvalError((e as Error).message);
  }
}

/** A side of an evaluation; default: the run's current model. */
export function resolveSide(run: Run, s: EvalSubject | undefined): Side {
  if (!s) return { ref: refOf(currentModel(run)), entry: currentModel(run) };
  if (s.kind === 'run') {
    if (s.role === 'sft-baseline') {
      const m = sftBaseline(run);
      if (!m) throw new EvalError(`run ${run.id} has no SFT baseline registered (models.json role "sft-baseline")`);
      return { ref: refOf(m), entry: m };
    }
    const m = runModel(run, s.iteration);
    return { ref: refOf(m), entry: m };
  }
  if (!s.baseUrls?.length || !s.model) throw new EvalError('an endpoint needs baseUrls and model');
  const key = endpointKey(s.apiKeyEnv);
  return {
    ref: { key: `ext-${slug(s.label ?? s.model)}`, label: s.label ?? s.model, name: s.model },
    endpoint: { baseUrls: s.baseUrls, model: s.model, ...(key ? { apiKey: key } : {}) },
  };
}

/** Serve a side for the duration of `work`. */
export async function withSide<T>(env: EvalEnv, side: Side, work: (endpoint: ModelEndpoint) => Promise<T>): Promise<T> {
  if (side.endpoint) return work(side.endpoint);
  const served = await env.serve(side.entry!, env.signal);
  try {
    return await work(served.endpoint);
  } finally {
    await served.release();
  }
}

export interface JudgeSide {
  side: Side;
  /** what the result files say about the judge */
  label: string;
  /** for the records of older readers */
  external: { model: string; baseUrls: string[] };
}

/** Normalise what clients send: an ExternalJudge (baseUrls + model) or an EvalJudgeSpec. */
export function judgeSpec(j: ExternalJudge | EvalJudgeSpec | undefined, fallback: EvalJudgeSpec): EvalJudgeSpec {
  if (!j) return fallback;
  if ('kind' in j && j.kind === 'self') return j;
  const e = j as ExternalJudge;
  return { kind: 'external', baseUrls: e.baseUrls, model: e.model, ...(e.apiKeyEnv ? { apiKeyEnv: e.apiKeyEnv } : {}) };
}

/** The judge: external, or self = `current` (the run's current model unless the caller knows better). */
export function resolveJudge(run: Run, spec: EvalJudgeSpec, current: ModelEntry = currentModel(run)): JudgeSide {
  if (spec.kind === 'self') {
    const side = { ref: refOf(current), entry: current };
    return { side, label: `self: ${side.ref.label} (${current.name})`, external: { model: current.name, baseUrls: [] } };
  }
  if (!spec.baseUrls?.length || !spec.model) throw new EvalError('an external judge needs baseUrls and model');
  const side = resolveSide(run, { kind: 'endpoint', baseUrls: spec.baseUrls, model: spec.model, apiKeyEnv: spec.apiKeyEnv, label: spec.model });
  return { side, label: `${spec.model} @ ${spec.baseUrls.join(', ')}`, external: { model: spec.model, baseUrls: spec.baseUrls } };
}

/** A short hash naming an answer cache: the model's identity and everything that shapes its answers. */
export function answersHash(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 10);
}

/** Every prompt the run trained on or generated: its seed prompts and each iteration's prompts (the held-out check). */
export function trainingPrompts(run: Run): string[] {
  const out: string[] = [];
  try {
    out.push(...loadSeed(run.config.seedData).prompts.map((p) => p.text));
  } catch {
    // a seed file moved away since the run started: the generated prompts still count
  }
  for (const t of run.iterations()) out.push(...run.read(t, 'prompts').map((p) => p.text));
  return out;
}

/** Announce a written result: an `eval.finished` event carrying its numbers (snapshots, the Evaluation section). */
export function publish(run: Run, ref: EvalResultRef): EvalResultRef {
  run.emit({ type: 'eval.finished', result: ref });
  return ref;
}
