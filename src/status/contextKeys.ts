/**
 * Context keys the `when` clauses use, kept true to state: selfreward.connected (link state), selfreward.hasRun (a
 * current run is chosen), selfreward.iterationRunning (the current run has an iteration running or waiting).
 */
import * as vscode from 'vscode';
import type { Services } from '../services';
import type { RunsModel } from '../runs/runsModel';

export function contextKeyValues(services: Services, model: RunsModel): Record<string, boolean> {
  const snap = services.currentRunId ? model.snapshot(services.currentRunId) : undefined;
  return {
    'selfreward.connected': services.connection.state === 'connected' && services.connection.agent !== undefined,
    'selfreward.hasRun': services.currentRunId !== undefined,
    'selfreward.iterationRunning': !!snap && snap.iterations.some((it) => it.status === 'running' || it.status === 'waiting'),
  };
}

/** Keep the keys current; setContext is only called when a value changes. */
export function trackContextKeys(services: Services, model: RunsModel): vscode.Disposable {
  const last = new Map<string, boolean>();
  const update = (): void => {
    for (const [k, v] of Object.entries(contextKeyValues(services, model))) {
      if (last.get(k) === v) continue;
      last.set(k, v);
      void vscode.commands.executeCommand('setContext', k, v);
    }
  };
  update();
  return vscode.Disposable.from(
    services.connection.onDidChangeState(update),
    services.connection.onDidChange(update),
    services.onDidChangeCurrentRun(update),
    model.onDidChange(update),
  );
}

/**
 * A walkthrough step was done (package.json completionEvents `onContext:selfreward.walkthrough.<step>`): a command
 * run from a panel or another command never reaches the workbench's onCommand events, so the steps listen to these.
 */
export function markWalkthroughStep(step: 'dashboard' | 'rubric' | 'pairs'): void {
  void vscode.commands.executeCommand('setContext', `selfreward.walkthrough.${step}`, true);
}
