/**
 * eval/* and report/*: judge agreement on a labelled set, head-to-head between two of the run's models, and the
 * iteration report. Results go into the run folder (eval/, iterations/<t>/report.*) and progress is sent as
 * `eval/progress` notifications. How a model of the run is reached (starting a server if needed) and how samples are
 * judged are the daemon's business: passed in as EvalDeps, so tests can hand in the sim server.
 */
import * as path from 'node:path';
import { RpcErrors, type ModelEntry, type PreviewSample, type RunConfig, type SeedSource } from '../../protocol';
import type { ModelEndpoint } from '../../backends/types';
import type { Run } from '../../store/runStore';
import { loadSeed } from '../../seed';
import { evaluateJudge, labelledSamples, type JudgeSamples } from '../../eval/judgeEval';
import { answerPrompts, headToHead, openAiPairwiseJudge } from '../../eval/headToHead';
import { writeHeadToHead, writeJudgeEval } from '../../eval/results';
import { writeIterationReport } from '../../eval/report';
import { AgentError, type HandlerMap } from '../types';
import { selectBackends } from '../../backends';
import { previewJudge } from '../../pipeline/preview';

export interface EvalDeps {
  /** Make model `model` of `run` servable and say how to reach it; `release` stops what was started for it. */
  endpointFor(run: Run, model: ModelEntry, signal: AbortSignal): Promise<{ endpoint: ModelEndpoint; release(): Promise<void> }>;
  /** Judge samples K times with a rubric through `endpoint`, streaming each judge sample. */
  judgeSamples(args: { endpoint: ModelEndpoint; rubric: string; k: number; judge: RunConfig['judge']; signal: AbortSignal }): JudgeSamples;
}

const BUILTIN_LABELLED: SeedSource = { path: 'builtin:labelled', format: 'auto' };
const DEFAULT_MAX_PROMPTS = 64;

function modelOf(run: Run, t: number | undefined): ModelEntry {
  const models = run.models();
  const entry = t === undefined ? models[models.length - 1] : run.modelFor(t);
  if (!entry) throw new AgentError(RpcErrors.NotFound, `run ${run.id} has no model M${t ?? '?'} (models: ${models.map((m) => `M${m.iteration}`).join(', ') || 'none'})`);
  return entry;
}

function loadOrFail(src: SeedSource): ReturnType<typeof loadSeed> {
  try {
    return loadSeed([src]);
  } catch (e) {
    throw new AgentError(RpcErrors.InvalidConfig, e instanceof Error ? e.message : String(e));
  }
}

/** Held-out prompts for a head-to-head: a labelled set's prompts, or a seed/prompt file's. */
function heldOutPrompts(src: SeedSource, max: number): { id: string; text: string }[] {
  const seed = loadOrFail(src);
  const fromLabelled = seed.labelled.map((g) => ({ id: g.group, text: g.prompt }));
  const prompts = fromLabelled.length ? fromLabelled : seed.prompts.map((p) => ({ id: p.id, text: p.text }));
  return prompts.slice(0, max);
}

function apiKey(envName: string | undefined): string | undefined {
  if (!envName) return undefined;
  const key = process.env[envName];
  if (!key) throw new AgentError(RpcErrors.InvalidConfig, `eval/compare: environment variable ${envName} (judge.apiKeyEnv) is not set on the agent host`);
  return key;
}

export function makeEvalHandlers(deps: EvalDeps): HandlerMap {
  return {
    'eval/judge': async (params, agent, conn, signal) => {
      const run = agent.openRun(params.runId);
      const model = modelOf(run, params.model);
      const versions = run.rubricVersions();
      const version = params.rubricVersion ?? versions[versions.length - 1]?.version;
      const known = versions.find((v) => v.version === version);
      if (!known) throw new AgentError(RpcErrors.NotFound, `run ${run.id} has no rubric version ${version}`);
      const rubric = run.rubric(known.version);
      const k = params.k ?? run.config.judge.k;
      const src = params.labelled ?? BUILTIN_LABELLED;
      const samples: PreviewSample[] = labelledSamples(loadOrFail(src).labelled, params.maxGroups);
      if (!samples.length) throw new AgentError(RpcErrors.InvalidConfig, `${src.path}: no labelled groups (prompts with ranked answers)`);
      const { endpoint, release } = await deps.endpointFor(run, model, signal);
      try {
        const out = await evaluateJudge(samples, k, deps.judgeSamples({ endpoint, rubric, k, judge: run.config.judge, signal }), {
          scoreMax: run.config.judge.scoreMax,
          onProgress: (done, total) => {
            if (done === total || done % 10 === 0) conn.notify('eval/progress', { runId: run.id, kind: 'judge', done, total });
          },
        });
        const file = writeJudgeEval(run.dir, {
          model: model.iteration, modelName: model.name, labelledSet: src.path, rubricVersion: known.version, rubricHash: known.hash, k,
          agreement: out.agreement, answers: out.answers.map(({ group, humanRank, scores }) => ({ group, humanRank, scores })), finishedAt: new Date().toISOString(),
        });
        return { model: model.iteration, rubricVersion: known.version, agreement: out.agreement, file: path.relative(run.dir, file) };
      } finally {
        await release();
      }
    },

    'eval/compare': async (params, agent, conn, signal) => {
      const run = agent.openRun(params.runId);
      const modelOld = params.modelOld ?? params.modelNew - 1;
      if (modelOld === params.modelNew) throw new AgentError(RpcErrors.InvalidConfig, 'eval/compare: a model cannot be compared with itself');
      const newer = modelOf(run, params.modelNew);
      const older = modelOf(run, modelOld);
      if (!params.judge?.baseUrls?.length || !params.judge.model) throw new AgentError(RpcErrors.InvalidConfig, 'eval/compare: judge.baseUrls and judge.model are required');
      const src = params.prompts ?? BUILTIN_LABELLED;
      const prompts = heldOutPrompts(src, params.maxPrompts ?? DEFAULT_MAX_PROMPTS);
      if (!prompts.length) throw new AgentError(RpcErrors.InvalidConfig, `${src.path}: no prompts`);
      const c = run.config.candidates;
      const skipped: { promptId: string; error: string }[] = [];
      const answers = async (m: ModelEntry, seedOffset: number): Promise<Map<string, string>> => {
        const { endpoint, release } = await deps.endpointFor(run, m, signal);
        try {
          return await answerPrompts(endpoint, prompts, {
            temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, seed: run.config.seed + seedOffset,
            concurrency: run.config.inference.concurrency, signal,
            client: { maxRetries: run.config.inference.maxRetries, timeoutMs: run.config.inference.requestTimeoutMs },
            onError: (promptId, error) => skipped.push({ promptId, error: `M${m.iteration}: ${error}` }),
          });
        } finally {
          await release();
        }
      };
      // one model after the other: a backend may serve only one model at a time
      const a = await answers(newer, 1_000_003 * newer.iteration);
      const b = await answers(older, 1_000_003 * older.iteration);
      const judge = openAiPairwiseJudge({ baseUrls: params.judge.baseUrls, model: params.judge.model, apiKey: apiKey(params.judge.apiKeyEnv) }, {
        client: { maxRetries: run.config.inference.maxRetries, timeoutMs: run.config.inference.requestTimeoutMs },
      });
      const items = prompts
        .filter((p) => a.has(p.id) && b.has(p.id))
        .map((p) => ({ promptId: p.id, prompt: p.text, answerNew: a.get(p.id)!, answerOld: b.get(p.id)! }));
      if (!items.length) throw new AgentError(RpcErrors.NotFound, `eval/compare: no prompt was answered by both models (${skipped[0]?.error ?? 'no prompts'})`);
      const result = await headToHead(items, judge, {
        concurrency: run.config.inference.concurrency,
        signal,
        onComparison: (_c, done) => conn.notify('eval/progress', { runId: run.id, kind: 'compare', done, total: items.length }),
      });
      const { comparisons, ...summary } = result;
      const file = writeHeadToHead(run.dir, {
        modelNew: newer.iteration, modelOld: older.iteration, modelNewName: newer.name, modelOldName: older.name,
        judge: { model: params.judge.model, baseUrls: params.judge.baseUrls }, promptSet: src.path, summary, finishedAt: new Date().toISOString(),
        ...(skipped.length ? { skippedPrompts: skipped } : {}),
      }, comparisons);
      return { summary, file: path.relative(run.dir, file), skipped: new Set(skipped.map((s) => s.promptId)).size };
    },

    'report/write': async (params, agent) => {
      const run = agent.openRun(params.runId);
      if (!run.iterations().includes(params.iteration)) throw new AgentError(RpcErrors.NotFound, `run ${run.id} has no iteration ${params.iteration}`);
      const { report, files } = writeIterationReport(run, params.iteration);
      return { files: files.map((f) => path.relative(run.dir, f)), warnings: report.warnings.map((w) => w.message) };
    },
  };
}

/**
 * The daemon's defaults: the run's own backend serves the model (started for the request, stopped after it), and
 * samples are judged by the pipeline's preview judge.
 */
export const defaultEvalDeps: EvalDeps = {
  async endpointFor(run, model, signal) {
    const { inference } = selectBackends(run.config, run.dir);
    try {
      return { endpoint: await inference.ensureServing(model, signal), release: () => inference.stop() };
    } catch (e) {
      await inference.stop();
      throw e;
    }
  },
  judgeSamples: ({ endpoint, rubric, k, judge, signal }) => (samples, onResult) =>
    previewJudge({ rubric, samples, k, endpoint, judge, signal, onResult }),
};

export const evalHandlers: HandlerMap = makeEvalHandlers(defaultEvalDeps);
