/** rubric/*: the run's rubric versions (rubrics/v<k>.md); a new text becomes the next version. */
import { RpcErrors } from '../../protocol';
import { AgentError } from '../types';
import { rubricErrors } from '../../rubric/template';
import type { DaemonHandlerMap } from '../daemon';

export const rubricHandlers: DaemonHandlerMap = {
  'rubric/get': async ({ runId, version }, daemon) => {
    const run = daemon.openRun(runId);
    if (version === undefined) return run.latestRubric();
    const known = run.rubricVersions().find((r) => r.version === version);
    if (!known) throw new AgentError(RpcErrors.NotFound, `run ${runId} has no rubric version ${version}`);
    return { ...known, text: run.rubric(version) };
  },
  'rubric/set': async ({ runId, text }, daemon) => {
    if (typeof text !== 'string' || !text.trim()) throw new AgentError(RpcErrors.InvalidConfig, 'rubric/set: the rubric text is empty');
    // A rubric the judge cannot use would burn a whole iteration into parse failures: refuse it now.
    const problems = rubricErrors(text);
    if (problems.length) throw new AgentError(RpcErrors.InvalidConfig, `rubric/set: the rubric ${problems.join('; it ')}`);
    return daemon.openRun(runId).addRubricVersion(text);
  },
};
