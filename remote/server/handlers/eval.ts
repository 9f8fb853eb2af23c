/**
 * eval/* and report/*: judge agreement on a labelled set, win rate against reference answers, multi-turn grading,
 * head-to-heads between any two sides, the list of results, and the iteration report. Results go into the run folder
 * (eval/, iterations/<t>/report.*), each announced by an `eval.finished` event; progress is sent as `eval/progress`
 * notifications. How a model of the run is reached (starting a server if needed) is the daemon's business: passed in
 * as EvalDeps, so tests can hand in their own.
 */
import * as path from 'node:path';
import { setMaxListeners } from 'node:events';
import { RpcErrors, type EvalJudgeSpec, type EvalKind, type EvalSubject, type ExternalJudge, type ModelEntry, type Notifications } from '../../protocol';
import type { ModelEndpoint } from '../../backends/types';
import type { Run } from '../../store/runStore';
import { EvalError, judgeSpec, resolveJudge, resolveSide, type EvalEnv, type Side } from '../../eval/context';
import { EvalSetError, BUILTIN_HELDOUT } from '../../eval/promptSets';
import { evalSettings, runEvalJob } from '../../eval/suite';
import { listEvalResults } from '../../eval/results';
import { runJudgeAgreement } from '../../eval/judgeAgreement';
import { runCompare } from '../../eval/compare';
import { writeIterationReport } from '../../eval/report';
import { AgentError, type AgentContext, type ConnectionContext, type HandlerMap } from '../types';
import { selectBackends } from '../../backends';

export interface EvalDeps {
  /** Make model `model` of `run` servable and say how to reach it; `release` stops what was started for it. */
  endpointFor(run: Run, model: ModelEntry, signal: AbortSignal): Promise<{ endpoint: ModelEndpoint; release(): Promise<void> }>;
}

/** Problems the caller can fix (a missing model, a bad set file) as JSON-RPC errors with their codes. */
async function asAgentErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof AgentError) throw e;
    if (e instanceof EvalError || e instanceof EvalSetError) {
      throw new AgentError(/\bhas no\b/.test(e.message) ? RpcErrors.NotFound : RpcErrors.InvalidConfig, e.message);
    }
    throw e;
  }
}

function envFor(deps: EvalDeps, run: Run, conn: ConnectionContext, signal: AbortSignal, kind: Notifications['eval/progress']['kind']): EvalEnv {
  let last = 0;
  // every request in flight listens on it (hundreds at a time)
  setMaxListeners(0, signal);
  return {
    run,
    serve: (m, s) => deps.endpointFor(run, m, s),
    signal,
    concurrency: run.config.inference.concurrency,
    client: { maxRetries: run.config.inference.maxRetries, timeoutMs: run.config.inference.requestTimeoutMs },
    onProgress: (done, total) => {
      // at most one notification per 1 % (and the last), so a 805-prompt evaluation does not flood the link
      if (done === total || done - last >= Math.max(1, Math.floor(total / 100))) {
        last = done;
        conn.notify('eval/progress', { runId: run.id, kind, done, total });
      }
    },
  };
}

const runSubject = (iteration: number | undefined): EvalSubject | undefined => (iteration === undefined ? undefined : { kind: 'run', iteration });

async function single(deps: EvalDeps, agent: AgentContext, conn: ConnectionContext, signal: AbortSignal, kind: EvalKind,
  p: { runId: string; subject?: EvalSubject; prompts?: string; max?: number; judge?: ExternalJudge | EvalJudgeSpec }) {
  const run = agent.openRun(p.runId);
  return asAgentErrors(async () => {
    const settings = evalSettings(run.config);
    const side = resolveSide(run, p.subject);
    const judge = resolveJudge(run, judgeSpec(p.judge, settings.judge));
    const progressKind = kind === 'headToHead' ? 'compare' : kind;
    return runEvalJob(envFor(deps, run, conn, signal, progressKind), { kind, side }, { settings, judge, prompts: p.prompts, maxPrompts: p.max });
  });
}

export function makeEvalHandlers(deps: EvalDeps): HandlerMap {
  return {
    'eval/judge': async (params, agent, conn, signal) => {
      const run = agent.openRun(params.runId);
      const r = await asAgentErrors(async () => {
        const settings = evalSettings(run.config);
        const side = resolveSide(run, runSubject(params.model));
        const env = envFor(deps, run, conn, signal, 'judge');
        // eval/judge's own rubric version and K go through the suite's settings
        const s = { ...settings, judgeAgreement: { ...settings.judgeAgreement, ...(params.k ? { k: params.k } : {}) } };
        return runJudgeAgreement(env, side, {
          labelled: params.labelled?.path ?? s.judgeAgreement.labelled, maxGroups: params.maxGroups ?? s.judgeAgreement.maxGroups,
          k: s.judgeAgreement.k ?? run.config.judge.k, rubricVersion: params.rubricVersion,
        });
      });
      return { model: r.record.model, rubricVersion: r.record.rubricVersion, agreement: r.record.agreement, file: path.relative(run.dir, r.file), result: r.result };
    },

    'eval/compare': async (params, agent, conn, signal) => {
      const run = agent.openRun(params.runId);
      return asAgentErrors(async () => {
        const settings = evalSettings(run.config);
        const a: Side = resolveSide(run, params.subject ?? runSubject(params.modelNew));
        const defaultOld = params.modelOld ?? (a.ref.iteration !== undefined ? a.ref.iteration - 1 : undefined);
        const b: Side = resolveSide(run, params.against ?? (defaultOld !== undefined ? { kind: 'run', iteration: defaultOld } : undefined));
        const judge = resolveJudge(run, judgeSpec(params.judge, settings.judge));
        const c = run.config.candidates;
        const r = await runCompare(envFor(deps, run, conn, signal, 'compare'), a, b, {
          prompts: params.prompts ?? { path: settings.headToHead.prompts ?? BUILTIN_HELDOUT, format: 'auto' }, maxPrompts: params.maxPrompts ?? settings.headToHead.maxPrompts,
          judge, sampling: { temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens }, seed: run.config.seed,
        });
        return { summary: r.record.summary, file: path.relative(run.dir, r.file), skipped: r.skipped, result: r.result };
      });
    },

    'eval/winRate': async (params, agent, conn, signal) => {
      const result = await single(deps, agent, conn, signal, 'winRate', { ...params, max: params.maxPrompts });
      return { summary: result.winRate!, file: result.file, result };
    },

    'eval/multiTurn': async (params, agent, conn, signal) => {
      const result = await single(deps, agent, conn, signal, 'multiTurn', { ...params, prompts: params.questions, max: params.maxQuestions });
      return { summary: result.multiTurn!, file: result.file, result };
    },

    'eval/list': async (params, agent) => {
      const run = agent.openRun(params.runId);
      return { results: listEvalResults(run.dir) };
    },

    'report/write': async (params, agent) => {
      const run = agent.openRun(params.runId);
      if (!run.iterations().includes(params.iteration)) throw new AgentError(RpcErrors.NotFound, `run ${run.id} has no iteration ${params.iteration}`);
      const { report, files } = writeIterationReport(run, params.iteration);
      return { files: files.map((f) => path.relative(run.dir, f)), warnings: report.warnings.map((w) => w.message) };
    },
  };
}

/** The daemon's defaults: the run's own backend serves the model (started for the request, stopped after it). */
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
};

export const evalHandlers: HandlerMap = makeEvalHandlers(defaultEvalDeps);
