/**
 * A run's snapshot, built when the daemon opens the run and then kept current by the shared reducer
 * (remote/snapshot/reducer.ts): the identity and config from run.json, the state from the event log — replayed
 * through the same reducer every client uses, so the daemon's snapshot and a client's are equal by construction.
 * A checkpoint (snapshot.json in the run folder: a cache, safe to delete) saves replaying the whole log: replay
 * starts after the checkpoint's seq.
 */
import * as path from 'node:path';
import type { IterationState, RunSnapshot } from '../protocol';
import type { Run } from '../store/runStore';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic';
import { applyEvent, runStatusOf } from '../snapshot/reducer';

const REPLAY_PAGE = 5000;
export const CHECKPOINT_FILE = 'snapshot.json';

function emptySnapshot(run: Run): RunSnapshot {
  return {
    run: { ...run.summary('idle'), iterations: 0, lastSeq: 0 },
    config: run.config,
    iterations: [],
    models: [],
    rubricVersions: [],
    seq: 0,
  };
}

function readCheckpoint(run: Run): RunSnapshot | undefined {
  let cp: RunSnapshot | undefined;
  try {
    cp = readJsonIfExists<RunSnapshot>(path.join(run.dir, CHECKPOINT_FILE));
  } catch {
    return undefined; // a damaged cache is rebuilt from the log
  }
  // Only a checkpoint of this run that the log has reached is usable (the log is the truth).
  if (!cp || cp.run?.id !== run.id || !(cp.seq >= 0) || cp.seq > run.events.lastSeq || !Array.isArray(cp.iterations)) return undefined;
  return { ...cp, config: run.config, run: { ...cp.run, dir: run.dir } };
}

export function writeCheckpoint(run: Run, s: RunSnapshot): void {
  writeJsonAtomic(path.join(run.dir, CHECKPOINT_FILE), s);
}

/**
 * An iteration or stage the log leaves "running" while no iteration of this daemon runs it was cut off (kill -9,
 * power loss): show it as stopped. `activeIteration` is the one this daemon is running, if any (Infinity: the run
 * belongs to another live process, settle nothing).
 */
export function settle(s: RunSnapshot, activeIteration?: number): RunSnapshot {
  if (activeIteration === Number.POSITIVE_INFINITY) return s; // another live process owns the run
  let changed = false;
  const iterations = s.iterations.map((it): IterationState => {
    if (it.iteration === activeIteration || (it.status !== 'running' && !it.stages.some((st) => st.status === 'running'))) return it;
    changed = true;
    return {
      ...it,
      status: it.status === 'running' ? 'stopped' : it.status,
      stages: it.stages.map((st) => (st.status === 'running' ? { ...st, status: 'stopped', ratePerSec: 0, etaSec: null } : st)),
    };
  });
  return changed ? { ...s, iterations, run: { ...s.run, status: runStatusOf(iterations) } } : s;
}

/** The state the event log records (checkpoint + replay), as it is: a cut-off iteration still says running. */
export function replaySnapshot(run: Run): RunSnapshot {
  let s = readCheckpoint(run) ?? emptySnapshot(run);
  for (let more = true; more; ) {
    const page = run.events.readAfter(s.seq, REPLAY_PAGE);
    for (const ev of page.events) s = applyEvent(s, ev);
    more = page.more && page.events.length > 0;
  }
  return s;
}

/** For reading a run without owning it: the replayed state with cut-off iterations shown as stopped. */
export function buildSnapshot(run: Run, activeIteration?: number): RunSnapshot {
  return settle(replaySnapshot(run), activeIteration);
}

/** Iterations the log leaves running (with their running stage): cut off, when no process is running them. */
export function cutOff(s: RunSnapshot): { iteration: number; stage?: IterationState['stages'][number]['stage'] }[] {
  return s.iterations
    .filter((it) => it.status === 'running')
    .map((it) => ({ iteration: it.iteration, stage: it.stages.find((st) => st.status === 'running')?.stage }));
}
