/** The `selfreward.runs` tree: hosts → runs → iterations → files. Opening a file opens it (pairs in the pairs editor). */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import type { RunsModel } from './runsModel';
import { runFileUri } from './runFiles';
import { iterationLabel } from '../../remote/modelNames';

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export type RunNode =
  | { kind: 'host'; label: string }
  | { kind: 'run'; runId: string }
  | { kind: 'iteration'; runId: string; iteration: number }
  | { kind: 'file'; runId: string; iteration: number; path: string; size: number };

export const PAIRS_EDITOR_VIEW_TYPE = 'selfreward.pairsEditor';
export const OPEN_FILE_COMMAND = 'selfreward.openRunFile';

const FILE_ICONS: Record<string, string> = {
  'prompts.jsonl': 'comment-discussion',
  'candidates.jsonl': 'list-unordered',
  'judgments.jsonl': 'law',
  'pairs.jsonl': 'diff',
  'decisions.jsonl': 'checklist',
  'metrics.json': 'graph',
  'manifest.json': 'json',
};

function fmtSize(n: number): string {
  return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}

export class RunsTree implements vscode.TreeDataProvider<RunNode> {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly services: Services, private readonly model: RunsModel) {}

  /** Redraw (coalesced: progress events come in bursts). */
  refresh(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, 300);
  }

  getTreeItem(n: RunNode): vscode.TreeItem {
    switch (n.kind) {
      case 'host': {
        const item = new vscode.TreeItem(n.label, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('remote');
        item.contextValue = 'selfreward.host';
        item.description = this.services.connection.state;
        return item;
      }
      case 'run': {
        const r = this.model.runs.find((x) => x.id === n.runId);
        const snap = this.model.snapshot(n.runId);
        const status = snap?.run.status ?? r?.status ?? 'idle';
        const item = new vscode.TreeItem(snap?.run.name ?? r?.name ?? n.runId, this.services.currentRunId === n.runId ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${n.runId}`;
        item.description = `${snap?.iterations.length ?? r?.iterations ?? 0} it · ${status}`;
        item.tooltip = `${n.runId}\n${r?.dir ?? ''}`;
        item.iconPath = new vscode.ThemeIcon(status === 'running' ? 'sync~spin' : status === 'failed' ? 'error' : status === 'waiting' ? 'eye' : 'beaker');
        item.contextValue = status === 'running' || status === 'waiting' ? 'selfreward.run.running' : 'selfreward.run';
        item.command = { command: 'selfreward.openDashboard', title: 'Open Run Dashboard', arguments: [n.runId] };
        return item;
      }
      case 'iteration': {
        const it = this.model.snapshot(n.runId)?.iterations.find((x) => x.iteration === n.iteration);
        const item = new vscode.TreeItem(cap(iterationLabel(n.iteration)), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `it:${n.runId}:${n.iteration}`;
        item.description = it ? `${it.status}${it.summary ? ` · ${it.summary.pairs} pairs` : ''}` : '';
        item.iconPath = new vscode.ThemeIcon(it?.status === 'failed' ? 'error' : it?.status === 'running' ? 'sync~spin' : 'circle-outline');
        item.contextValue = 'selfreward.iteration';
        return item;
      }
      case 'file': {
        const base = path.posix.basename(n.path);
        const item = new vscode.TreeItem(base, vscode.TreeItemCollapsibleState.None);
        item.id = `file:${n.runId}:${n.path}`;
        item.description = fmtSize(n.size);
        item.tooltip = n.path;
        item.iconPath = new vscode.ThemeIcon(FILE_ICONS[base] ?? (base.endsWith('.log') ? 'output' : 'file'));
        item.contextValue = base === 'pairs.jsonl' ? 'selfreward.file.pairs' : 'selfreward.file';
        item.command = { command: OPEN_FILE_COMMAND, title: 'Open', arguments: [n] };
        return item;
      }
    }
  }

  async getChildren(n?: RunNode): Promise<RunNode[]> {
    const agent = this.model.agent;
    if (!n) return agent ? [{ kind: 'host', label: agent.label }] : [];
    if (!agent) return [];
    switch (n.kind) {
      case 'host':
        return this.model.runs.map((r) => ({ kind: 'run', runId: r.id }));
      case 'run': {
        const snap = this.model.snapshot(n.runId);
        const count = snap?.iterations.length ?? this.model.runs.find((r) => r.id === n.runId)?.iterations ?? 0;
        const its = snap ? snap.iterations.map((i) => i.iteration) : Array.from({ length: count }, (_, i) => i + 1);
        return its.map((t) => ({ kind: 'iteration', runId: n.runId, iteration: t }));
      }
      case 'iteration': {
        const { files } = await agent.request('files/list', { runId: n.runId, iteration: n.iteration });
        return files.map((f) => ({ kind: 'file', runId: n.runId, iteration: n.iteration, path: f.path, size: f.size }));
      }
      case 'file':
        return [];
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

/** Where a run file opens: on disk for the local agent, else through the read-only run-file scheme. */
export function fileUri(model: RunsModel, runId: string, rel: string): vscode.Uri {
  const run = model.runs.find((r) => r.id === runId) ?? model.snapshot(runId)?.run;
  if (model.agent?.label === 'local' && run?.dir) return vscode.Uri.file(path.join(run.dir, rel));
  return runFileUri(runId, rel);
}

export async function openRunFile(model: RunsModel, node: { runId: string; path: string }): Promise<void> {
  const uri = fileUri(model, node.runId, node.path);
  if (path.posix.basename(node.path) === 'pairs.jsonl') {
    await vscode.commands.executeCommand('vscode.openWith', uri, PAIRS_EDITOR_VIEW_TYPE);
    return;
  }
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
}
