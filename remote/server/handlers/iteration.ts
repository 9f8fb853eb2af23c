/**
 * iteration/*: start the run's next (or unfinished) iteration in the background and answer at once; stop it.
 * The iteration belongs to the daemon, not to the connection that started it: it keeps running when clients go.
 */
import { RpcErrors } from '../../protocol';
import { checkIteration, runIteration } from '../../pipeline/iteration';
import { AgentError } from '../types';
import type { DaemonHandlerMap } from '../daemon';

export const iterationHandlers: DaemonHandlerMap = {
  'iteration/start': async ({ runId, overrides }, daemon) => {
    const run = daemon.openRun(runId);
    const busy = daemon.task(runId);
    if (busy) throw new AgentError(RpcErrors.RunBusy, `run ${runId}: iteration ${busy.iteration} is already running; stop it first`);
    // Problems the caller can fix are answered now, not only logged from the background: the config with the
    // overrides, the rubric the iteration will judge with, the seed files.
    const { t, seed } = checkIteration(run, overrides);
    if (!run.modelFor(t)) {
      throw new AgentError(RpcErrors.InvalidConfig, `run ${runId}: iteration ${t} has no model registered (models.json); did iteration ${t - 1} finish training?`);
    }
    daemon.runInBackground(runId, t, (signal) => runIteration(run, { signal, overrides, seed }));
    return { iteration: t };
  },
  'iteration/stop': async ({ runId }, daemon) => ({ stopped: await daemon.stop(runId) }),
};
