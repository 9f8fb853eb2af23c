/**
 * The runs tree view, the read-only run-file documents, and the run's context actions: reveal its folder, rename,
 * delete (confirmed; refused while it runs), open its config.
 */
import * as vscode from 'vscode';
import type { Feature, Services } from '../services';
import { RUN_FILE_SCHEME, RunFileProvider } from './runFiles';
import { runsModel } from './runsModel';
import { OPEN_FILE_COMMAND, openRunFile, RunsTree } from './runsTree';
import { pickRun, reportError } from '../commands/runCommands';
import { DashboardPanel } from '../dashboard/dashboardPanel';

import { runNameProblem } from '../../remote/runName';

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function revealRun(s: Services, arg: unknown): Promise<void> {
  const model = runsModel(s);
  const runId = await pickRun(s, model, arg);
  if (!runId) return;
  const run = model.snapshot(runId)?.run ?? model.runs.find((r) => r.id === runId);
  if (!run) throw new Error(`run ${runId} is not on the connected agent`);
  if (model.agent?.label === 'local') {
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(run.dir));
    return;
  }
  await vscode.env.clipboard.writeText(run.dir);
  void vscode.window.showInformationMessage(`Run "${run.name}" is on ${model.agent?.label ?? 'the agent host'} at ${run.dir} (path copied).`);
}

async function renameRun(s: Services, arg: unknown): Promise<void> {
  const model = runsModel(s);
  const runId = await pickRun(s, model, arg);
  if (!runId) return;
  const current = model.snapshot(runId)?.run.name ?? model.runs.find((r) => r.id === runId)?.name ?? '';
  const name = await vscode.window.showInputBox({
    title: `Rename run "${current}"`,
    value: current,
    prompt: 'The run keeps its id and folder; only its name changes.',
    validateInput: runNameProblem,
  });
  if (name === undefined || name.trim() === current) return;
  await model.requireAgent().request('runs/rename', { runId, name: name.trim() });
  await model.refresh();
}

async function deleteRun(s: Services, arg: unknown): Promise<void> {
  const model = runsModel(s);
  const runId = await pickRun(s, model, arg);
  if (!runId) return;
  const snap = await model.track(runId).catch(() => undefined);
  const run = snap?.run ?? model.runs.find((r) => r.id === runId);
  const live = snap?.iterations.find((it) => it.status === 'running' || it.status === 'waiting');
  if (live) {
    void vscode.window.showWarningMessage(`Run "${run?.name ?? runId}" is running iteration ${live.iteration}: stop it before deleting the run.`);
    return;
  }
  const n = snap?.iterations.length ?? run?.iterations ?? 0;
  const ok = await vscode.window.showWarningMessage(
    `Delete run "${run?.name ?? runId}"? Its ${n} iteration${n === 1 ? '' : 's'} (prompts, answers, judgments, pairs, reviews, trained models) in ${run?.dir ?? runId} on ${model.agent?.label ?? 'the agent host'} are removed for good.`,
    { modal: true },
    'Delete',
  );
  if (ok !== 'Delete') return;
  await model.requireAgent().request('runs/delete', { runId });
  if (DashboardPanel.current?.shownRunId === runId) DashboardPanel.current.dispose();
  if (s.currentRunId === runId) s.setCurrentRun(undefined);
  await model.refresh();
  void vscode.window.showInformationMessage(`Run "${run?.name ?? runId}" deleted.`);
}

async function openRunConfig(s: Services, arg: unknown): Promise<void> {
  const model = runsModel(s);
  const runId = await pickRun(s, model, arg);
  if (runId) await openRunFile(model, { runId, path: 'run.json' });
}

/** Commands report failures with Show Log instead of VS Code's generic "command failed". */
const reported = (what: string, f: (s: Services, arg: unknown) => Promise<void>) => (s: Services) => (arg?: unknown) =>
  f(s, arg).catch((e: unknown) => reportError(s, `Self-Rewarding: ${what}: ${errText(e)}`));

export const runsViewFeature: Feature = {
  commands: {
    revealRun: reported('could not reveal the run folder', revealRun),
    renameRun: reported('could not rename the run', renameRun),
    deleteRun: reported('could not delete the run', deleteRun),
    openRunConfig: reported('could not open the run config', openRunConfig),
  },
  activate(services) {
    const model = runsModel(services);
    const tree = new RunsTree(services, model);
    services.context.subscriptions.push(
      tree,
      vscode.window.createTreeView('selfreward.runs', { treeDataProvider: tree, showCollapseAll: true }),
      model.onDidChange(() => tree.refresh()),
      services.onDidChangeCurrentRun(() => tree.refresh()),
      vscode.workspace.registerTextDocumentContentProvider(RUN_FILE_SCHEME, new RunFileProvider(() => model.agent)),
      vscode.commands.registerCommand(OPEN_FILE_COMMAND, (node: { runId: string; path: string }) =>
        openRunFile(model, node).catch((e) => vscode.window.showErrorMessage(`Self-Rewarding: could not open ${node.path}: ${e instanceof Error ? e.message : String(e)}`)),
      ),
    );
  },
};
