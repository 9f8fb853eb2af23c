/**
 * Reviewing preference pairs: the custom editor, "Review Preference Pairs" (pick a run and iteration, or a
 * pairs file, and open the editor), "Review Judge Pairs" (the meta-judge's judge pairs in the same editor) and
 * "Export Preference Pairs…" (format, scope, destination).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Feature, Services } from '../services';
import { EXPORT_FORMATS, exportPairs, type ExportFormat } from '../../remote/review/pairsService';
import { LocalPairsBackend, pairsEntries } from './backend';
import { PAIRS_VIEW_TYPE, PairsEditorProvider, parseRemotePairsUri, remotePairsUri } from './provider';
import type { PairKind } from '../../remote/protocol';
import { runsModel } from '../runs/runsModel';
import { pairsText } from '../../remote/counts';
import { iterationTitle } from '../../remote/modelNames';

type Target = vscode.Uri | { runId?: string; iteration?: number } | undefined;

function asTarget(arg: unknown, iteration: unknown): Target {
  if (typeof arg === 'string') return { runId: arg, iteration: typeof iteration === 'number' ? iteration : undefined };
  if (arg instanceof vscode.Uri || (arg && typeof arg === 'object')) return arg as Target;
  return undefined;
}

/** undefined: no agent connected; null: the user cancelled (or was told there is nothing to review). */
async function pickRunIteration(s: Services, runId?: string, iteration?: number, kind: PairKind = 'actor'): Promise<vscode.Uri | null | undefined> {
  const agent = s.connection.agent;
  const nameOf = (id: string): string | undefined => runsModel(s).snapshot(id)?.run.name ?? runsModel(s).runs.find((r) => r.id === id)?.name;
  if (runId && iteration !== undefined) return remotePairsUri(runId, iteration, nameOf(runId), kind);
  if (!agent || agent.state !== 'connected') return undefined;
  let runName: string | undefined;
  if (!runId) {
    const { runs } = await agent.request('runs/list', {});
    if (!runs.length) {
      const go = await vscode.window.showInformationMessage(`There is no run on ${agent.label} yet, so no pairs to review: start the demo or create a run, and review its pairs once an iteration has made them.`, 'Start Demo Run', 'New Run…');
      if (go) await vscode.commands.executeCommand(go === 'New Run…' ? 'selfreward.newRun' : 'selfreward.startDemo');
      return null;
    }
    runs.sort((a, b) => Number(b.id === s.currentRunId) - Number(a.id === s.currentRunId));
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({ label: r.name, description: r.id, detail: `${r.iterations} iteration(s) · ${r.status}`, runId: r.id })),
      { title: 'Review preference pairs: run', placeHolder: 'Pick a run' },
    );
    if (!pick) return null;
    runId = pick.runId;
    runName = pick.label;
  }
  if (iteration === undefined) {
    const snap = await agent.request('runs/snapshot', { runId });
    runName = snap.run.name;
    const judge = kind === 'judge';
    const its = judge
      ? snap.iterations.filter((it) => it.stages.some((st) => st.stage === 'meta-judge' && st.status === 'done') || (it.summary?.judgePairs ?? 0) > 0)
      : snap.iterations.filter((it) => it.stages.some((st) => st.stage === 'pairs' && st.done > 0) || (it.summary?.pairs ?? 0) > 0);
    if (!its.length) {
      void vscode.window.showInformationMessage(
        judge
          ? `Run "${snap.run.name}" has no iteration with judge pairs yet: the meta-judge makes them in iterations run with metaJudge.enabled.`
          : `Run "${snap.run.name}" has no iteration with pairs yet: pairs appear once an iteration has judged its answers.`,
      );
      return null;
    }
    const pick = await vscode.window.showQuickPick(
      its.reverse().map((it) => ({
        label: iterationTitle(it.iteration),
        description: judge ? `${it.summary?.judgePairs ?? '…'} judge pairs` : it.summary ? pairsText(it.summary) : `${it.stages.find((st) => st.stage === 'pairs')?.done ?? 0} prompts paired so far`,
        detail: it.status === 'waiting' ? 'training waits for this review' : it.status,
        iteration: it.iteration,
      })),
      { title: judge ? 'Review judge pairs: iteration' : 'Review preference pairs: iteration' },
    );
    if (!pick) return null;
    iteration = pick.iteration;
  }
  return remotePairsUri(runId, iteration, runName ?? nameOf(runId), kind);
}

/** The pairs to act on: a URI passed in, the active pairs editor, a run + iteration on the agent, or a file. */
async function resolveTarget(s: Services, arg: Target, title: string): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (arg && typeof arg === 'object' && 'runId' in arg) return (await pickRunIteration(s, arg.runId, arg.iteration)) ?? undefined;
  const tab = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input;
  if (typeof vscode.TabInputCustom === 'function' && tab instanceof vscode.TabInputCustom && tab.viewType === PAIRS_VIEW_TYPE) return tab.uri;
  const fromAgent = await pickRunIteration(s);
  if (fromAgent !== undefined) return fromAgent ?? undefined;
  // Not connected: say why there is no run to pick, and what to do; a pairs file on disk is one choice.
  const go = await vscode.window.showInformationMessage(
    `${title}: no agent is connected, so there is no run to pick. Start the demo or connect to a GPU host to review a run's pairs, or open a pairs file (JSONL) from this machine.`,
    'Start Demo Run',
    'Connect to GPU Host…',
    'Open Pairs File…',
  );
  if (go === 'Start Demo Run') await vscode.commands.executeCommand('selfreward.startDemo');
  else if (go === 'Connect to GPU Host…') await vscode.commands.executeCommand('selfreward.connect');
  if (go !== 'Open Pairs File…') return undefined;
  const files = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters: { 'Preference pairs': ['jsonl'] } });
  return files?.[0];
}

async function reviewPairs(s: Services, arg: Target): Promise<void> {
  const uri = await resolveTarget(s, arg, 'Review preference pairs');
  if (!uri) return;
  await vscode.commands.executeCommand('vscode.openWith', uri, PAIRS_VIEW_TYPE);
}

/** The meta-judge's judge pairs of a run's iteration, in the pairs editor's judge-pair mode. */
async function reviewJudgePairs(s: Services, arg: Target): Promise<void> {
  const t = arg instanceof vscode.Uri ? undefined : arg;
  const uri = arg instanceof vscode.Uri ? arg : await pickRunIteration(s, t?.runId, t?.iteration, 'judge');
  if (uri === undefined) throw new Error('connect to an agent first: judge pairs live in a run');
  if (!uri) return;
  await vscode.commands.executeCommand('vscode.openWith', uri, PAIRS_VIEW_TYPE);
}

async function exportCommand(s: Services, provider: () => PairsEditorProvider, arg: Target): Promise<void> {
  const uri = await resolveTarget(s, arg, 'Export preference pairs');
  if (!uri) return;
  // An export reads the saved decisions: offer to save the open editor's first.
  if (provider().documentFor(uri)?.model.dirty) {
    const choice = await vscode.window.showWarningMessage('The pairs editor has unsaved decisions; the export reads saved ones.', { modal: true }, 'Save and Export', 'Export Saved Only');
    if (!choice) return;
    if (choice === 'Save and Export') await vscode.workspace.save(uri);
  }
  const fmt = await vscode.window.showQuickPick(
    EXPORT_FORMATS.map((f) => ({ label: f.label, detail: f.detail, format: f.format })),
    { title: 'Export preference pairs: format' },
  );
  if (!fmt) return;
  const scope = await vscode.window.showQuickPick(
    [
      { label: 'Reviewed pairs only', detail: 'accepted, flipped or edited — what training uses with the review gate on', reviewedOnly: true },
      { label: 'Every pair not rejected', detail: 'flips and edits applied — what training uses with the gate off', reviewedOnly: false },
    ],
    { title: 'Export preference pairs: which pairs' },
  );
  if (!scope) return;
  const remote = parseRemotePairsUri(uri);
  const base = remote ? `${remote.runId}-iteration-${remote.iteration}` : path.basename(uri.fsPath).replace(/(\.pairs)?\.jsonl$/, '');
  const folder = EXPORT_FORMATS.find((f) => f.format === fmt.format)?.folder;
  const defaultDir = vscode.workspace.workspaceFolders?.[0]?.uri ?? (uri.scheme === 'file' ? vscode.Uri.file(path.dirname(uri.fsPath)) : undefined);
  const defaultName = folder ? `${base}-dataset` : `${base}.${fmt.format}.jsonl`;
  const dest = await vscode.window.showSaveDialog({
    title: folder ? 'Folder to create for the dataset (train.jsonl + README.md)' : 'Export to',
    defaultUri: defaultDir ? vscode.Uri.joinPath(defaultDir, defaultName) : undefined,
    filters: folder ? undefined : { JSONL: ['jsonl'] },
  });
  if (!dest) return;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exporting preference pairs (${fmt.label})` }, async (progress) => {
    const provenance: Record<string, string | number> = remote ? { run: remote.runId, iteration: remote.iteration, agent: s.connection.agent?.label ?? '' } : { source: uri.fsPath };
    const backend = remote ? provider().backendFor(uri) : new LocalPairsBackend(uri.fsPath);
    try {
      let n = 0;
      const counted = (async function* () {
        for await (const e of remote ? pairsEntries(backend) : (backend as LocalPairsBackend).service.entries()) {
          if (++n % 5000 === 0) progress.report({ message: `${n} pairs` });
          yield e;
        }
      })();
      return await exportPairs(counted, fmt.format as ExportFormat, dest.fsPath, { reviewedOnly: scope.reviewedOnly, provenance, name: `${base} preference pairs` });
    } finally {
      backend.dispose();
    }
  });
  const open = await vscode.window.showInformationMessage(`Exported ${result.rows} pairs (${result.excluded} left out) to ${dest.fsPath}`, 'Reveal');
  if (open === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', dest);
}

let provider: PairsEditorProvider | undefined;

/** Command failures are shown, not thrown into VS Code's generic "command failed". */
function shown(s: Services, what: string, run: () => Promise<void>): Promise<void> {
  return run().catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    s.log.error(`${what}: ${message}`);
    void vscode.window.showErrorMessage(`${what}: ${message}`);
  });
}

export const pairsFeature: Feature = {
  commands: {
    // Called with a URI (runs tree), (runId, iteration) (dashboard), or nothing (palette, status bar).
    reviewPairs: (s) => (arg?: unknown, iteration?: unknown) => shown(s, 'Review preference pairs', () => reviewPairs(s, asTarget(arg, iteration))),
    reviewJudgePairs: (s) => (arg?: unknown, iteration?: unknown) => shown(s, 'Review judge pairs', () => reviewJudgePairs(s, asTarget(arg, iteration))),
    exportPairs: (s) => (arg?: unknown, iteration?: unknown) => shown(s, 'Export preference pairs', () => exportCommand(s, () => (provider ??= new PairsEditorProvider(s)), asTarget(arg, iteration))),
  },
  activate(s) {
    provider ??= new PairsEditorProvider(s);
    s.context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(PAIRS_VIEW_TYPE, provider, { supportsMultipleEditorsPerDocument: false, webviewOptions: { retainContextWhenHidden: false } }),
    );
  },
};
