/**
 * A run's snapshot built from its files (run.json, models.json, rubric versions, each iteration's manifest and
 * metrics), consistent with the event log's last seq at the time of building. The daemon builds it once when it
 * opens a run and then keeps it current with the shared reducer (remote/snapshot/reducer.ts).
 */
import { STAGES } from '../protocol';
import type { IterationState, RunSnapshot, StageManifest, StageState, StageName } from '../protocol';
import type { Run } from '../store/runStore';
import { emptyStage, runStatusOf } from '../snapshot/reducer';

/** A stage or iteration the files call running, when no iteration of this daemon runs it, was cut off (kill -9). */
function settle<S extends string>(status: S, active: boolean): S | 'stopped' {
  return !active && status === 'running' ? 'stopped' : status;
}

function stageFromManifest(stage: StageName, m: StageManifest | undefined, active: boolean): StageState {
  if (!m) return emptyStage(stage);
  const c = m.counts ?? {};
  const done = c.done ?? c.total ?? 0;
  return {
    stage,
    status: settle(m.status, active),
    done,
    total: c.total ?? done,
    failed: c.failed ?? 0,
    ratePerSec: 0,
    etaSec: m.status === 'done' ? 0 : null,
  };
}

function iterationFromFiles(run: Run, t: number, active: boolean, rubricVersions: { version: number; hash: string }[]): IterationState | undefined {
  const m = run.readManifest(t);
  if (!m) return undefined;
  const summary = run.readMetrics(t);
  return {
    iteration: t,
    status: settle(m.status, active),
    modelIn: m.modelIn,
    modelOut: m.modelOut ?? summary?.modelOut,
    rubricVersion: m.rubric?.version ?? rubricVersions.find((r) => r.hash === m.rubric?.hash)?.version ?? 0,
    stages: STAGES.map((s) => stageFromManifest(s, m.stages?.[s], active)),
    summary,
    train: [],
  };
}

/** `activeIteration`: the iteration this daemon is running right now, if any (its "running" is true). */
export function buildSnapshot(run: Run, activeIteration?: number): RunSnapshot {
  const seq = run.events.lastSeq;
  const rubricVersions = run.rubricVersions();
  const iterations = run
    .iterations()
    .map((t) => iterationFromFiles(run, t, t === activeIteration, rubricVersions))
    .filter((it): it is IterationState => !!it);
  return {
    run: { ...run.summary(runStatusOf(iterations)), iterations: iterations.length, lastSeq: seq },
    config: run.config,
    iterations,
    models: run.models(),
    rubricVersions,
    seq,
  };
}
