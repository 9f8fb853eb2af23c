/**
 * The `selfreward.runs` tree: hosts → runs → iterations → folders and files. Runs and iterations show their live
 * state (running stage, "stopping…", the review gate, the outcome in the counts of remote/counts.ts); models are
 * named M1, M2 … with their paths in tooltips. Opening a file opens it (pairs in the pairs editor).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IterationState, RunSnapshot, RunSummary } from '../../remote/protocol';
import { pairsText } from '../../remote/counts';
import { iterationTitle, modelDisplay, policyModel } from '../../remote/modelNames';
import type { Services } from '../services';
import type { RunsModel } from './runsModel';
import { runFileUri } from './runFiles';
import { remotePairsUri } from '../pairs/provider';

type FileEntry = { path: string; size: number };

export type RunNode =
  | { kind: 'host'; label: string }
  | { kind: 'run'; runId: string }
  | { kind: 'iteration'; runId: string; iteration: number }
  | { kind: 'folder'; runId: string; iteration: number; path: string; entries: FileEntry[] }
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

/** The running stage of an iteration as "judgments 45%" (training: by trainer steps). */
function stageNow(it: IterationState): string {
  const st = it.stages.find((s) => s.status === 'running');
  if (!st) return 'starting';
  const step = st.stage === 'training' ? it.train[it.train.length - 1] : undefined;
  const frac = step?.totalSteps ? step.step / step.totalSteps : st.total > 0 ? st.done / st.total : undefined;
  return frac === undefined ? st.stage : `${st.stage} ${Math.floor(100 * frac)}%`;
}

/** What an iteration's row says: its state now, or its outcome. */
export function iterationDescription(it: IterationState, stopping: boolean): string {
  if ((it.status === 'running' || it.status === 'waiting') && stopping) return 'stopping…';
  if (it.status === 'running') return `running · ${stageNow(it)}`;
  if (it.status === 'waiting') return `waiting for review · ${it.stages.find((s) => s.stage === 'review')?.total ?? 0} pairs`;
  if (it.status === 'done' && it.summary) return `done · ${pairsText(it.summary)}`;
  const st = it.stages.find((s) => s.status === it.status);
  return st ? `${it.status} in ${st.stage}` : it.status;
}

/** What a run's row says: the live iteration, or how many iterations and how the last ended. */
export function runDescription(snap: RunSnapshot | undefined, summary: RunSummary | undefined, stopping: number | undefined): string {
  const its = snap?.iterations ?? [];
  const live = its.find((it) => it.status === 'running' || it.status === 'waiting');
  if (live) return `it ${live.iteration} · ${iterationDescription(live, stopping === live.iteration)}`;
  const n = snap ? its.length : (summary?.iterations ?? 0);
  const last = its[its.length - 1];
  return `${n} iteration${n === 1 ? '' : 's'} · ${last?.status ?? summary?.status ?? 'idle'}`;
}

/** The folders and files directly under `prefix` ("iterations/2/"), folders first. */
export function filesUnder(runId: string, iteration: number, prefix: string, entries: FileEntry[]): RunNode[] {
  const folders = new Map<string, FileEntry[]>();
  const files: RunNode[] = [];
  for (const e of entries) {
    if (!e.path.startsWith(prefix)) continue;
    const rest = e.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) files.push({ kind: 'file', runId, iteration, path: e.path, size: e.size });
    else {
      const dir = prefix + rest.slice(0, slash + 1);
      const list = folders.get(dir) ?? [];
      list.push(e);
      folders.set(dir, list);
    }
  }
  const dirs: RunNode[] = [...folders.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([dir, list]) => ({ kind: 'folder', runId, iteration, path: dir, entries: list }));
  return [...dirs, ...files];
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
        const stopping = this.model.stoppingIteration(n.runId);
        const status = snap?.run.status ?? r?.status ?? 'idle';
        const item = new vscode.TreeItem(snap?.run.name ?? r?.name ?? n.runId, this.services.currentRunId === n.runId ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `run:${n.runId}`;
        item.description = runDescription(snap, r, stopping);
        item.tooltip = `${snap?.run.name ?? r?.name ?? n.runId}\nid ${n.runId}\n${r?.dir ?? snap?.run.dir ?? ''}`;
        item.iconPath = new vscode.ThemeIcon(stopping !== undefined ? 'loading~spin' : status === 'running' ? 'sync~spin' : status === 'failed' ? 'error' : status === 'waiting' ? 'eye' : 'beaker');
        item.contextValue = status === 'running' || status === 'waiting' ? 'selfreward.run.running' : 'selfreward.run';
        item.command = { command: 'selfreward.openDashboard', title: 'Open Run Dashboard', arguments: [n.runId] };
        return item;
      }
      case 'iteration': {
        const snap = this.model.snapshot(n.runId);
        const it = snap?.iterations.find((x) => x.iteration === n.iteration);
        const item = new vscode.TreeItem(iterationTitle(n.iteration), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `it:${n.runId}:${n.iteration}`;
        item.description = it ? iterationDescription(it, this.model.stoppingIteration(n.runId) === n.iteration) : '';
        if (snap) {
          const mIn = modelDisplay(policyModel(snap.models, n.iteration), it?.modelIn || '–');
          const out = it?.status === 'done' ? policyModel(snap.models, n.iteration + 1) : undefined;
          item.tooltip = [`${iterationTitle(n.iteration)}: ${item.description}`, mIn.title, out ? modelDisplay(out).title : ''].filter(Boolean).join('\n');
        }
        const icon = { failed: 'error', running: 'sync~spin', waiting: 'eye', done: 'pass', stopped: 'debug-pause' } as Record<string, string>;
        item.iconPath = new vscode.ThemeIcon(icon[it?.status ?? ''] ?? 'circle-outline');
        item.contextValue = 'selfreward.iteration';
        return item;
      }
      case 'folder': {
        const item = new vscode.TreeItem(path.posix.basename(n.path.replace(/\/$/, '')), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `dir:${n.runId}:${n.path}`;
        item.description = `${n.entries.length} file${n.entries.length === 1 ? '' : 's'}`;
        item.tooltip = n.path;
        item.iconPath = vscode.ThemeIcon.Folder;
        item.contextValue = 'selfreward.folder';
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
        return filesUnder(n.runId, n.iteration, `iterations/${n.iteration}/`, files);
      }
      case 'folder':
        return filesUnder(n.runId, n.iteration, n.path, n.entries);
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
  const it = /^iterations\/(\d+)\/pairs\.jsonl$/.exec(node.path);
  if (it) {
    // A run's pairs go through the agent that owns the run (decisions, the review gate), named for the tab.
    const name = model.snapshot(node.runId)?.run.name ?? model.runs.find((r) => r.id === node.runId)?.name;
    const uri = model.agent ? remotePairsUri(node.runId, Number(it[1]), name) : fileUri(model, node.runId, node.path);
    await vscode.commands.executeCommand('vscode.openWith', uri, PAIRS_EDITOR_VIEW_TYPE);
    return;
  }
  const uri = fileUri(model, node.runId, node.path);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
}
