/** runs/*: create, list and snapshot runs. */
import type { RunSummary } from '../../protocol';
import { validateConfig } from '../../config/config';
import { DEFAULT_RUBRIC } from '../../rubric/template';
import { Run } from '../../store/runStore';
import { buildSnapshot } from '../snapshot';
import type { Daemon, DaemonHandlerMap } from '../daemon';

function summaryOf(daemon: Daemon, id: string): RunSummary {
  if (daemon.isOpen(id)) return daemon.snapshot(id).run;
  // Not touched by this daemon yet: summarise read-only, without taking the run's lock.
  const run = Run.open(daemon.store.runDir(id), { write: false });
  try {
    return buildSnapshot(run).run;
  } finally {
    run.close();
  }
}

export const runsHandlers: DaemonHandlerMap = {
  'runs/list': async (_p, daemon) => ({ runs: daemon.store.list().map((id) => summaryOf(daemon, id)) }),
  'runs/create': async ({ config, rubricText }, daemon) => {
    const cfg = validateConfig(config, 'runs/create config');
    const run = daemon.store.create(cfg, { agentVersion: daemon.agentVersion, rubricText: rubricText ?? DEFAULT_RUBRIC });
    daemon.adopt(run);
    return { run: daemon.snapshot(run.id).run };
  },
  'runs/snapshot': async ({ runId }, daemon) => daemon.snapshot(runId),
};
