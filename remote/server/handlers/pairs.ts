/**
 * pairs/read, pairs/ids, pairs/decide, pairs/judgments, review/state, review/complete: the review of an iteration's pairs, served
 * from the run folder. One PairsService per (run, iteration, kind) per daemon, appending through the run's single
 * decisions writer so the daemon never holds two appenders on one file. `kind: 'judge'` serves the meta-judge's
 * judge pairs (judge-pairs.jsonl, decisions in judge-pairs.decisions.jsonl) the same way.
 */
import * as fs from 'node:fs';
import { completeReview, isReviewComplete } from '../../review/gate';
import { PairsService, judgmentsFor } from '../../review/pairsService';
import type { Run } from '../../store/runStore';
import { RpcErrors, type PairKind } from '../../protocol';
import { AgentError, type AgentContext, type HandlerMap } from '../types';
import { iterationParam } from '../validate';

const services = new WeakMap<AgentContext, Map<string, PairsService>>();

/** The service of (run, iteration); the index is refreshed on every use since the pairs stage may still append. */
export function pairsServiceFor(agent: AgentContext, runId: string, iteration: number, kind: PairKind = 'actor'): { run: Run; service: PairsService } {
  const run = agent.openRun(runId);
  const t = iterationParam(iteration);
  if (kind !== 'actor' && kind !== 'judge') throw new AgentError(RpcErrors.NotFound, `"kind" must be "actor" or "judge", got ${JSON.stringify(kind)}`);
  const [pairs, decisions] = kind === 'judge' ? (['judge-pairs', 'judge-pairs.decisions'] as const) : (['pairs', 'decisions'] as const);
  const file = run.filePath(t, pairs);
  if (!fs.existsSync(file)) throw new AgentError(RpcErrors.NotFound, `run ${runId} iteration ${t} has no ${kind === 'judge' ? 'judge pairs' : 'pairs'} yet (${file})`);
  let byKey = services.get(agent);
  if (!byKey) services.set(agent, (byKey = new Map()));
  const key = `${run.dir}#${t}#${kind}`;
  let service = byKey.get(key);
  if (!service) byKey.set(key, (service = new PairsService(file, run.filePath(t, decisions), () => run.writer(t, decisions))));
  else service.refresh();
  return { run, service };
}

export const pairsHandlers: HandlerMap = {
  'pairs/read': async (p, agent) => {
    const { service } = pairsServiceFor(agent, p.runId, p.iteration, p.kind);
    return service.read(p.offset, p.limit, p.filter);
  },
  'pairs/ids': async (p, agent) => {
    const { service } = pairsServiceFor(agent, p.runId, p.iteration, p.kind);
    return { pairs: service.ids(p.filter) };
  },
  'pairs/decide': async (p, agent) => {
    if (!Array.isArray(p.decisions)) throw new AgentError(RpcErrors.NotFound, 'pairs/decide: "decisions" must be an array');
    const { run, service } = pairsServiceFor(agent, p.runId, p.iteration, p.kind);
    // A re-sent decision (same id) is skipped inside decide(); only the new ones are announced.
    const applied = service.decide(p.decisions);
    for (const d of applied) run.emit({ type: 'review.decision', iteration: p.iteration, decision: d, ...(p.kind === 'judge' ? { kind: 'judge' as const } : {}) });
    return { applied: applied.length };
  },
  'pairs/judgments': async (p, agent) => {
    if (!Array.isArray(p.candidateIds) || !p.candidateIds.every((c) => typeof c === 'string')) throw new AgentError(RpcErrors.NotFound, 'pairs/judgments: "candidateIds" must be a list of strings');
    const run = agent.openRun(p.runId);
    return { judgments: judgmentsFor(run.filePath(iterationParam(p.iteration), 'judgments'), p.candidateIds) };
  },
  'review/state': async (p, agent) => {
    const run = agent.openRun(p.runId);
    const t = iterationParam(p.iteration);
    // The gate of this iteration: Start Next Iteration can override the run's config, and the manifest keeps
    // the parameters the iteration started with.
    const gate = run.readManifest(t)?.params.review?.gate ?? run.config.review?.gate;
    return { gate: !!gate, complete: isReviewComplete(run, t) };
  },
  'review/complete': async (p, agent) => {
    const { run, service } = pairsServiceFor(agent, p.runId, p.iteration);
    const c = service.counts();
    const counts = { accepted: c.accepted, rejected: c.rejected };
    completeReview(run, p.iteration, counts);
    run.emit({ type: 'review.completed', iteration: p.iteration, ...counts });
    return counts;
  },
};
