/** runs/rename and runs/delete: the runs tree's Rename… and Delete… (a run that is running cannot be deleted). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcErrors } from '../../protocol';
import { AgentError } from '../types';
import type { DaemonHandlerMap } from '../daemon';
import { runNameProblem } from '../../runName';


/** The pid holding a run's lock if it is alive and not this process (a headless `agent.js run`). */
function otherLockHolder(dir: string): number | undefined {
  try {
    const { pid } = JSON.parse(fs.readFileSync(path.join(dir, 'run.lock'), 'utf8')) as { pid: number };
    if (pid === process.pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export const runAdminHandlers: DaemonHandlerMap = {
  'runs/rename': async ({ runId, name }, daemon) => {
    const trimmed = typeof name === 'string' ? name.trim() : '';
    const problem = runNameProblem(trimmed);
    if (problem) throw new AgentError(RpcErrors.InvalidConfig, `runs/rename: "name" ${JSON.stringify(name)} is refused: ${problem}`);
    const run = daemon.openRun(runId);
    run.rename(trimmed);
    return { run: daemon.snapshot(runId).run };
  },
  'runs/delete': async ({ runId }, daemon) => {
    const dir = daemon.store.runDir(runId);
    if (!fs.existsSync(path.join(dir, 'run.json'))) throw new AgentError(RpcErrors.RunNotFound, `run ${runId} not found in ${daemon.runsDir}`);
    const busy = daemon.task(runId);
    if (busy || !daemon.close(runId)) throw new AgentError(RpcErrors.RunBusy, `run ${runId}: iteration ${busy?.iteration ?? ''} is running; stop it before deleting the run`);
    const pid = otherLockHolder(dir);
    if (pid) throw new AgentError(RpcErrors.Locked, `run ${runId} is in use by process ${pid} (agent.js run?); stop it before deleting the run`);
    fs.rmSync(dir, { recursive: true, force: true });
    return { deleted: true };
  },
};
