/**
 * One self-rewarding iteration: prompts → candidates → judgments → pairs → (review) → training, chained over the
 * run folder. The manifest records every stage's status, counts and timings, and the provenance: rubric version,
 * hash and text, every parameter, the seed, the model in and out. metrics.json is the IterationSummary. Iteration 0,
 * in runs that start from the base model M0, is the SFT iteration (sft.ts), on the same machinery (stageRun, manifest,
 * events, resume).
 *
 * Resume: the latest iteration whose manifest is not `done` is continued with the parameters and rubric frozen in
 * its manifest; finished stages are skipped and each running stage skips the records already durable. A stop (the
 * signal) aborts every request in flight and leaves all of this resumable.
 */
import { stagesOf, type CandidateRecord, type DeepPartial, type IterationManifest, type IterationSummary, type RunConfig, type RunEventBody, type StageManifest, type StageName } from '../protocol';
import type { InferenceBackend, ModelEndpoint, TrainerBackend } from '../backends/types';
import type { Run } from '../store/runStore';
import { validateConfig } from '../config/config';
import { InferenceClient } from '../inference/client';
import { setMaxListeners } from 'node:events';
import { abortReason, anySignal } from '../inference/signals';
import { Feed, Limiter } from '../inference/limiter';
import type { LoadedSeed } from '../seed/index';
import { checkRunInputs } from '../config/beforeWork';
import { waitForReview } from '../review/gate';
import { apiKeyFrom, selectBackends } from '../backends/index';
import { info, warn } from '../log';
import { runPromptStage } from './promptgen';
import { runCandidateStage } from './candidates';
import { runJudgeStage } from './judge';
import { metaTemplateFor, runMetaJudgeStage } from './metaJudge';
import { runPairStage } from './pairs';
import { runTrainStage } from './train';
import { computeSummary } from './summary';
import type { StageContext, StageCounts } from './context';
import { reemitLostRecordEvents } from './reconcileEvents';
import { FailureBudget, FailureBudgetError, requeueFailed } from './failureBudget';
import { runSftIteration } from './sft';
import { runCheckpointSelection } from './checkpointSelection';
import { evaluationEnabled, runEvaluationStage } from './evaluation';

export interface IterationOptions {
  signal: AbortSignal;
  overrides?: DeepPartial<RunConfig>;
  backends?: { inference: InferenceBackend; trainer: TrainerBackend };
  /** retry backoff base for requests (tests shorten it); default 500 ms */
  retryBaseDelayMs?: number;
  /** the run's seed data when the caller has already checked and loaded it (checkRunInputs) */
  seed?: LoadedSeed;
}

/** Merge `over` into `base` (objects recursively; arrays and scalars replace). */
export function deepMerge<T>(base: T, over: DeepPartial<T> | undefined): T {
  if (over === undefined) return base;
  if (!base || typeof base !== 'object' || Array.isArray(base) || !over || typeof over !== 'object' || Array.isArray(over)) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
    if (v !== undefined) out[k] = deepMerge((base as Record<string, unknown>)[k], v as never);
  }
  return out as T;
}

/** The iteration to work on: the latest unfinished one, or the next (a run from M0 begins with iteration 0). */
export function nextIteration(run: Run): { t: number; resume: boolean } {
  const its = run.iterations();
  const last = its[its.length - 1];
  if (last !== undefined) {
    const m = run.readManifest(last);
    if (!m || m.status !== 'done') return { t: last, resume: !!m };
    return { t: last + 1, resume: false };
  }
  return { t: run.modelFor(0) ? 0 : 1, resume: false };
}

const now = (): string => new Date().toISOString();

/**
 * Check what the next iteration will run with before anything of it is written: the config with the overrides,
 * the rubric it will judge with (the latest version, or the one frozen in a resumed manifest), the seed files.
 * Throws a ConfigError naming every problem. `seed`: already loaded and checked by the caller.
 */
export function checkIteration(run: Run, overrides?: DeepPartial<RunConfig>, seed?: LoadedSeed): { t: number; resume: boolean; config: RunConfig; frozen?: IterationManifest; seed: LoadedSeed } {
  const { t, resume } = nextIteration(run);
  const config = validateConfig(deepMerge(run.config, overrides), 'iteration overrides');
  const frozen = resume ? run.readManifest(t) : undefined;
  const rubric = frozen?.rubric.text ?? run.latestRubric().text;
  return { t, resume, config, frozen, seed: seed ?? checkRunInputs({ ...config, seedData: run.config.seedData }, rubric, `run ${run.id}, iteration ${t}`, 'rubric') };
}

export async function runIteration(run: Run, opts: IterationOptions): Promise<IterationSummary> {
  if (opts.signal.aborted) throw abortReason(opts.signal);
  // One listener on the caller's signal; every in-flight request listens on ours (hundreds at a time).
  const linked = anySignal([opts.signal]);
  setMaxListeners(0, linked.signal);
  try {
    return await iterate(run, opts, linked.signal);
  } finally {
    linked.dispose();
  }
}

async function iterate(run: Run, opts: IterationOptions, signal: AbortSignal): Promise<IterationSummary> {
  const { t, resume } = nextIteration(run);
  const modelIn = run.modelFor(t);
  if (!modelIn) throw new Error(`iteration ${t}: no model registered for it (models.json); did iteration ${t - 1} finish training?`);

  let manifest: IterationManifest;
  const { config, frozen, seed } = checkIteration(run, opts.overrides, opts.seed);
  if (resume) {
    manifest = frozen!;
    if (opts.overrides) info(`iteration ${t}: resuming with the parameters it started with; overrides ignored`);
  } else {
    const rubric = run.latestRubric();
    manifest = {
      iteration: t,
      modelIn: modelIn.name,
      rubric: { version: rubric.version, hash: rubric.hash, text: rubric.text },
      seed: config.seed,
      params: {
        prompts: config.prompts, candidates: config.candidates, judge: config.judge, pairs: config.pairs, review: config.review, trainer: config.trainer,
        ...(t === 0 ? { sft: config.sft } : {}),
        ...(t > 0 && config.metaJudge?.enabled ? { metaJudge: config.metaJudge } : {}),
      },
      ...(t > 0 && config.metaJudge?.enabled ? { metaTemplate: metaTemplateFor(run, config.metaJudge) } : {}),
      stages: {},
      status: 'running',
      startedAt: now(),
    };
  }
  manifest.status = 'running';

  const owned = !opts.backends;
  const backends = opts.backends ?? selectBackends(config, run.dir);
  let stageNow: () => StageName | undefined = () => undefined;
  try {
    if (resume) reemitLostRecordEvents(run, t);
    run.writeManifest(manifest);
    run.emit({ type: 'iteration.started', iteration: t, modelIn: modelIn.name, rubricVersion: manifest.rubric.version, stages: [...stagesOf(t, manifest.params)] });
    const clientOpts = { maxRetries: config.inference.maxRetries, timeoutMs: config.inference.requestTimeoutMs, baseDelayMs: opts.retryBaseDelayMs };
    const setStage = (s: StageName, patch: Partial<StageManifest>): void => {
      manifest.stages[s] = { ...(manifest.stages[s] ?? { status: 'pending', counts: {} }), ...patch };
      run.writeManifest(manifest);
    };
    // Stages that are running now (two at once while candidates and judgments overlap); `failedStage` is the one
    // whose own error ended the iteration.
    const active = new Set<StageName>();
    let failedStage: StageName | undefined;
    const stageRun = async <R>(s: StageName, total: number, body: () => Promise<R>, countsOf: (r: R) => StageCounts, params?: Record<string, unknown>, stageSignal = signal): Promise<R | undefined> => {
      if (manifest.stages[s]?.status === 'done') return undefined;
      active.add(s);
      const started = Date.now();
      setStage(s, { status: 'running', startedAt: manifest.stages[s]?.startedAt ?? now(), ...(params ? { params } : {}) });
      run.emit({ type: 'stage.started', iteration: t, stage: s, total });
      let r: R;
      try {
        r = await body();
      } catch (e) {
        const stopped = stageSignal.aborted;
        if (!stopped) failedStage ??= s;
        const next: StageManifest = { ...(manifest.stages[s] ?? { counts: {} }), status: stopped ? 'stopped' : 'failed', durationMs: (manifest.stages[s]?.durationMs ?? 0) + (Date.now() - started) };
        if (stopped) delete next.error;
        else next.error = e instanceof Error ? e.message : String(e);
        manifest.stages[s] = next;
        writeManifestIfPossible(run, manifest);
        active.delete(s);
        throw e;
      }
      active.delete(s);
      // durationMs adds up across resumes: time spent working, not wall time since the first start
      const durationMs = (manifest.stages[s]?.durationMs ?? 0) + (Date.now() - started);
      const counts = countsOf(r);
      setStage(s, { status: 'done', counts, finishedAt: now(), durationMs });
      run.emit({ type: 'stage.finished', iteration: t, stage: s, counts, durationMs });
      return r;
    };
    stageNow = () => failedStage ?? [...active][0];
    const finish = (summary: IterationSummary): IterationSummary => {
      run.writeMetrics(summary);
      manifest.status = 'done';
      // the manifest keeps the model's id (metrics.json names it, M2, with its path beside)
      manifest.modelOut = run.modelFor(t + 1)?.name ?? summary.modelOutPath;
      manifest.finishedAt = now();
      run.writeManifest(manifest);
      run.emit({ type: 'iteration.finished', iteration: t, summary });
      return summary;
    };
    const base = { run, t, params: manifest.params, rubric: manifest.rubric, runSeed: manifest.seed, concurrency: config.inference.concurrency, modelIn, trainer: backends.trainer, seed, signal };
    // eval.afterIteration: the models this iteration made (and any not evaluated yet) before it counts as done
    const evaluate = async (): Promise<void> => {
      if (!evaluationEnabled(run.config)) return;
      const evaluated = await stageRun('evaluation', 0, () => runEvaluationStage({ ...base, client: clientOpts }, backends.inference), (r) => r.counts);
      if (evaluated) setStage('evaluation', { params: evaluated.params });
    };
    if (t === 0) {
      const sft = await runSftIteration({ ...base, inference: backends.inference, clientOpts }, { run: stageRun, set: setStage });
      await evaluate();
      return finish(sft);
    }
    const endpoint = await backends.inference.ensureServing(modelIn, signal);
    const model = new InferenceClient(endpoint, clientOpts);
    const generator = config.generator?.baseUrls || config.generator?.name ? new InferenceClient(generatorEndpoint(config, endpoint), clientOpts) : model;
    // Failure budgets (share of a stage's items that may fail for good); totals of the later stages are set below.
    const fb = config.failureBudget;
    const budgets = {
      prompts: new FailureBudget('prompts', manifest.params.prompts.perIteration, fb.prompts),
      candidates: new FailureBudget('candidates', 0, fb.candidates),
      judgments: new FailureBudget('judgments', 0, fb.judgments),
    };
    const ctx: StageContext = { ...base, model, generator, budgets };
    const p = manifest.params;
    const id = (c: StageCounts) => c;
    // A resumed stage requests its failed items again (they are never final while the stage is unfinished).
    if (manifest.stages.prompts?.status !== 'done') requeueFailed(run, t, 'prompts');
    await withBudget(signal, budgets.prompts, (s) => stageRun('prompts', p.prompts.perIteration, () => runPromptStage({ ...ctx, signal: s }), id, { ...p.prompts, generator: generator.endpoint.model, seedPrompts: ctx.seed.prompts.length }));

    // Candidates and judgments overlap: each answered candidate is judged as soon as it is written, within one
    // shared request limit, so the server stays busy while the last (longest) answers finish. Either failing stops
    // the other; a resume restarts both from what is durable.
    if (manifest.stages.judgments?.status !== 'done') {
      const feed = new Feed<CandidateRecord>();
      const limiter = new Limiter(config.inference.concurrency);
      const pair = new AbortController();
      setMaxListeners(0, pair.signal);
      const onOuter = (): void => pair.abort(signal.reason);
      signal.addEventListener('abort', onOuter, { once: true });
      const both = { ...ctx, signal: pair.signal };
      const kept = run.read(t, 'prompts').filter((x) => x.kept).length;
      const candidatesDone = manifest.stages.candidates?.status === 'done';
      if (!candidatesDone) requeueFailed(run, t, 'candidates');
      requeueFailed(run, t, 'judgments');
      budgets.candidates.total = kept;
      budgets.judgments.total = candidatesDone ? run.read(t, 'candidates').filter((x) => !x.error).length : kept * p.candidates.n;
      const cands = (async () => {
        try {
          if (candidatesDone) feed.push(...run.read(t, 'candidates').filter((c) => !c.error));
          else await stageRun('candidates', kept, () => runCandidateStage(both, { feed, limiter }), id, { ...p.candidates }, pair.signal);
        } finally {
          feed.close();
        }
      })();
      const judge = stageRun('judgments', candidatesDone ? run.read(t, 'candidates').filter((x) => !x.error).length : kept * p.candidates.n, () => runJudgeStage(both, { feed, limiter }), id, { ...p.judge, rubricVersion: manifest.rubric.version, rubricHash: manifest.rubric.hash }, pair.signal);
      const results = await Promise.allSettled([cands.catch((e) => { pair.abort(e); throw e; }), judge.catch((e) => { pair.abort(e); throw e; })]);
      signal.removeEventListener('abort', onOuter);
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw signal.aborted ? abortReason(signal) : failure.reason;
    }
    if (p.metaJudge?.enabled && manifest.metaTemplate) {
      const metaTemplate = manifest.metaTemplate;
      await stageRun('meta-judge', 0, () => runMetaJudgeStage({ ...ctx, metaJudge: p.metaJudge!, metaTemplate }), id, { ...p.metaJudge, templateVersion: metaTemplate.version, templateHash: metaTemplate.hash });
    }
    await stageRun('pairs', run.read(t, 'prompts').filter((x) => x.kept).length, () => runPairStage(ctx), id, { ...p.pairs });
    if (p.review.gate) {
      await stageRun('review', run.read(t, 'pairs').length, async () => {
        if (signal.aborted) throw abortReason(signal);
        manifest.status = 'waiting';
        setStage('review', { status: 'waiting' });
        run.emit({ type: 'review.waiting', iteration: t, pairs: run.read(t, 'pairs').length });
        await waitForReview(run, t, signal);
        manifest.status = 'running';
        return { pairs: run.read(t, 'pairs').length };
      }, id);
    }
    const trained = await stageRun('training', run.read(t, 'pairs').length, () => runTrainStage(ctx), (r) => r.counts, { ...p.trainer });
    let train = manifest.stages.training?.params as { final?: unknown } | undefined;
    if (trained) {
      setStage('training', { params: { ...p.trainer, final: trained.last ?? null, ...(trained.plan ? { plan: trained.plan } : {}) } });
      train = manifest.stages.training?.params as { final?: unknown };
    }
    // eval.checkpointSelection: M_{t+1} is the best saved checkpoint against M_t (or the last one)
    const selected = await stageRun('selection', 0, () => runCheckpointSelection(ctx, backends.inference), (r) => r.counts);
    if (selected) setStage('selection', { params: selected.params });
    const summary = computeSummary(run, t, { last: (train?.final ?? undefined) as never });
    await evaluate();
    return finish(summary);
  } catch (e) {
    const stopped = signal.aborted;
    const message = e instanceof Error ? e.message : String(e);
    const stage = stageNow();
    manifest.status = stopped ? 'stopped' : 'failed';
    // The run's own storage may be what failed (a full disk): record the end where it still can be, and when the
    // event log itself cannot take it, tell the clients anyway.
    writeManifestIfPossible(run, manifest);
    const end: RunEventBody = stopped ? { type: 'iteration.stopped', iteration: t, ...(stage ? { stage } : {}) } : { type: 'iteration.failed', iteration: t, error: message, ...(stage ? { stage } : {}) };
    try {
      run.emit(end);
    } catch (w) {
      warn(`run ${run.id}: iteration ${t} ${manifest.status}, and the event log could not record it: ${(w as Error).message}`);
      run.events.reportUnrecorded(end, w as Error);
    }
    throw stopped ? abortReason(signal) : e;
  } finally {
    if (owned) await backends.inference.stop();
  }
}

function writeManifestIfPossible(run: Run, manifest: IterationManifest): void {
  try {
    run.writeManifest(manifest);
  } catch (e) {
    warn(`run ${run.id}: iteration ${manifest.iteration}: could not write its manifest (status ${manifest.status}): ${(e as Error).message}`);
  }
}

/** Run a stage under its failure budget: the stage's signal also aborts when the budget is exceeded. */
async function withBudget<R>(signal: AbortSignal, budget: FailureBudget, body: (s: AbortSignal) => Promise<R>): Promise<R> {
  const linked = anySignal([signal, budget.signal]);
  setMaxListeners(0, linked.signal);
  try {
    return await body(linked.signal);
  } catch (e) {
    // promptgen throws a plain abort when its signal fires: the budget's error is the reason
    throw budget.exceeded && !signal.aborted && !(e instanceof FailureBudgetError) ? budget.exceeded : e;
  } finally {
    linked.dispose();
  }
}

function generatorEndpoint(config: RunConfig, current: ModelEndpoint): ModelEndpoint {
  const g = config.generator ?? {};
  const apiKey = g.apiKeyEnv ? apiKeyFrom(g.apiKeyEnv) : g.baseUrls ? undefined : current.apiKey;
  return { baseUrls: g.baseUrls ?? current.baseUrls, model: g.name ?? current.model, ...(apiKey ? { apiKey } : {}) };
}
