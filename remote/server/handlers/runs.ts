/** runs/*: create, list and snapshot runs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSummary } from '../../protocol';
import { validateConfig } from '../../config/config';
import { checkRunInputs, initialRubric } from '../../config/beforeWork';
import { Run } from '../../store/runStore';
import { buildSnapshot } from '../snapshot';
import type { Daemon, DaemonHandlerMap } from '../daemon';

/** The pid holding a run's lock, if that process is alive (e.g. a headless `agent.js run`). */
function lockHolder(dir: string): number | undefined {
  try {
    const { pid } = JSON.parse(fs.readFileSync(path.join(dir, 'run.lock'), 'utf8')) as { pid: number };
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function summaryOf(daemon: Daemon, id: string): RunSummary {
  if (daemon.isOpen(id)) return daemon.snapshot(id).run;
  // Not touched by this daemon yet: summarise read-only, without taking the run's lock. A run another live
  // process holds may really be running, so its "running" is not settled to "stopped".
  const run = Run.open(daemon.store.runDir(id), { write: false });
  try {
    return buildSnapshot(run, lockHolder(run.dir) ? Number.POSITIVE_INFINITY : undefined).run;
  } finally {
    run.close();
  }
}

export const runsHandlers: DaemonHandlerMap = {
  'runs/list': async (_p, daemon) => ({ runs: daemon.store.list().map((id) => summaryOf(daemon, id)) }),
  'runs/create': async ({ config, rubricText }, daemon) => {
    // Everything checkable is checked before the run folder exists: the answer is the error itself.
    const cfg = validateConfig(config, 'runs/create config');
    const rubric = rubricText ?? initialRubric(cfg);
    checkRunInputs(cfg, rubric, 'runs/create config', rubricText !== undefined ? 'rubricText' : undefined);
    const run = daemon.store.create(cfg, { agentVersion: daemon.agentVersion, rubricText: rubric });
    daemon.adopt(run);
    return { run: daemon.snapshot(run.id).run };
  },
  'runs/snapshot': async ({ runId }, daemon) => daemon.snapshot(runId),
};
