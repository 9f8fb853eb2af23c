/**
 * Background notifications for every tracked run, also while no panel is open: an iteration finished or failed,
 * with an action that opens the dashboard at that iteration. Iterations a command is already reporting are skipped.
 */
import * as vscode from 'vscode';
import type { Services } from '../services';
import type { RunsModel } from '../runs/runsModel';
import { watchedIterations } from './watched';
import { summaryLine } from '../../remote/counts';

export function watchIterations(services: Services, model: RunsModel, open: (runId: string, iteration: number) => void): vscode.Disposable {
  return model.onEvents((runId, events) => {
    const name = model.snapshot(runId)?.run.name ?? runId;
    for (const e of events) {
      if (e.type !== 'iteration.finished' && e.type !== 'iteration.failed') continue;
      if (watchedIterations.has(runId, e.iteration)) continue;
      if (e.type === 'iteration.finished') {
        void vscode.window.showInformationMessage(`${name}: iteration ${e.iteration} finished: ${summaryLine(e.summary)}.`, 'Open Dashboard').then((c) => c && open(runId, e.iteration));
      } else {
        void vscode.window
          .showErrorMessage(`${name}: iteration ${e.iteration} failed${e.stage ? ` in ${e.stage}` : ''}: ${e.error}`, 'Open Dashboard', 'Show Log')
          .then((c) => (c === 'Open Dashboard' ? open(runId, e.iteration) : c === 'Show Log' ? vscode.commands.executeCommand('selfreward.showAgentLog') : undefined));
      }
    }
  });
}
