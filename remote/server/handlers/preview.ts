/**
 * preview/*: judge samples with a draft rubric through the run's current model, streaming `preview/result` per
 * judge sample and one `preview/done`. `preview/judge` answers at once; a newer preview from the same connection
 * and slot supersedes (cancels) the older one, and `preview/cancel` stops one by id. Nothing is written to the run folder.
 */
import { RpcErrors, type MetaJudgeConfig } from '../../protocol';
import { previewJudge } from '../../pipeline/preview';
import { nextIteration } from '../../pipeline/iteration';
import { selectBackends } from '../../backends/index';
import { AgentError } from '../types';
import type { ConnectionContext } from '../types';
import type { DaemonHandlerMap } from '../daemon';

interface Preview {
  conn: number;
  controller: AbortController;
}

const previews = new Map<string, Preview>();
/** connection id → slot → its latest preview id */
const latest = new Map<number, Map<string, string>>();

function cancel(previewId: string): boolean {
  const p = previews.get(previewId);
  if (!p) return false;
  p.controller.abort(new Error('preview cancelled'));
  return true;
}

function watchConnection(conn: ConnectionContext): void {
  if (latest.has(conn.id)) return;
  latest.set(conn.id, new Map());
  // A preview nobody can see any more is wasted inference: stop it with its connection.
  conn.onClose(() => {
    for (const id of latest.get(conn.id)?.values() ?? []) cancel(id);
    latest.delete(conn.id);
  });
}

export const previewHandlers: DaemonHandlerMap = {
  'preview/judge': async ({ previewId, runId, rubric, samples, k, slot = '', kind }, daemon, conn) => {
    if (!runId) throw new AgentError(RpcErrors.RunNotFound, 'preview/judge: runId is required (the preview judges with the run\'s current model)');
    if (previews.has(previewId)) throw new AgentError(RpcErrors.RunBusy, `preview ${previewId} is already running`);
    if (!Number.isInteger(k) || k < 1 || k > 64) throw new AgentError(RpcErrors.InvalidConfig, `preview/judge: k must be an integer from 1 to 64 (got ${k})`);
    if (kind !== undefined && kind !== 'rubric' && kind !== 'meta-judge') throw new AgentError(RpcErrors.InvalidConfig, `preview/judge: "kind" must be "rubric" or "meta-judge", got ${JSON.stringify(kind)}`);
    if (kind === 'meta-judge' && !samples.every((s) => Array.isArray(s.judgments) && s.judgments.length === 2 && s.judgments.every((j) => typeof j === 'string'))) {
      throw new AgentError(RpcErrors.InvalidConfig, 'preview/judge: a meta-judge preview needs two judgments ("judgments": [a, b]) on every sample');
    }
    const run = daemon.openRun(runId);
    const model = run.modelFor(nextIteration(run).t) ?? run.models()[run.models().length - 1];
    if (!model) throw new AgentError(RpcErrors.InvalidConfig, `run ${runId} has no model registered`);
    watchConnection(conn);
    const slots = latest.get(conn.id)!;
    const superseded = slots.get(slot);
    if (superseded) cancel(superseded);
    slots.set(slot, previewId);
    const controller = new AbortController();
    previews.set(previewId, { conn: conn.id, controller });
    const signal = controller.signal;
    void (async () => {
      const backends = selectBackends(run.config, run.dir);
      let error: string | undefined;
      try {
        const endpoint = await backends.inference.ensureServing(model, signal);
        await previewJudge({
          rubric,
          samples,
          k,
          endpoint,
          judge: run.config.judge,
          ...(kind === 'meta-judge' ? { metaJudge: { rubric: run.latestRubric().text, ...metaSampling(run.config.metaJudge) } } : {}),
          concurrency: Math.min(run.config.inference.concurrency, 64),
          signal,
          onResult: (r) => conn.notify('preview/result', { previewId, ...r }),
        });
      } catch (e) {
        if (!signal.aborted) error = e instanceof Error ? e.message : String(e);
      } finally {
        previews.delete(previewId);
        if (slots.get(slot) === previewId) slots.delete(slot);
        await backends.inference.stop().catch(() => undefined);
        conn.notify('preview/done', { previewId, cancelled: signal.aborted, ...(error ? { error } : {}) });
      }
    })();
    return { previewId, accepted: samples.length * k * (kind === 'meta-judge' ? 2 : 1) };
  },
  'preview/cancel': async ({ previewId }) => ({ cancelled: cancel(previewId) }),
};

/** The meta-judge's sampling settings (the run's, or the schema's defaults for a run made before metaJudge existed). */
function metaSampling(cfg: MetaJudgeConfig | undefined): { temperature: number; topP: number; maxTokens: number } {
  return { temperature: cfg?.temperature ?? 0.7, topP: cfg?.topP ?? 0.9, maxTokens: cfg?.maxTokens ?? 512 };
}
