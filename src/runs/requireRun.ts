/** For commands that act on a run: the run (given, or the current one) and the agent that holds it — or a warning saying which is missing. */
import * as vscode from 'vscode';
import type { AgentApi } from '../connection/agentApi';
import type { Services } from '../services';

export function requireRun(services: Services, runId = services.currentRunId): { runId: string; agent: AgentApi } | undefined {
  if (!runId) {
    void vscode.window.showWarningMessage('Self-Rewarding: open or create a run first.');
    return undefined;
  }
  const agent = services.connection.agent;
  if (!agent) {
    void vscode.window.showWarningMessage('Self-Rewarding: not connected to an agent. Connect to a GPU host or start the demo first.');
    return undefined;
  }
  return { runId, agent };
}
