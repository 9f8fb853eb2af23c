/** rubric/*: the run's rubric versions (rubrics/v<k>.md); a new text becomes the next version. */
import { RpcErrors } from '../../protocol';
import { AgentError } from '../types';
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
    return daemon.openRun(runId).addRubricVersion(text);
  },
};
