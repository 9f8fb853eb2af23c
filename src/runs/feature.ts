/** The runs tree view and the read-only run-file documents. */
import * as vscode from 'vscode';
import type { Feature } from '../services';
import { RUN_FILE_SCHEME, RunFileProvider } from './runFiles';
import { runsModel } from './runsModel';
import { OPEN_FILE_COMMAND, openRunFile, RunsTree } from './runsTree';

export const runsViewFeature: Feature = {
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
