/**
 * Rubric editing: the rubric is a plain workspace file edited in VS Code's editor (diagnostics as you type), with
 * the Rubric Preview beside it. Commands: Edit Judge Rubric, Use Rubric for Next Iteration, pin a sample to the
 * preview (called by the dashboard / pairs editor), and a diff between two stored rubric versions.
 */
import * as vscode from 'vscode';
import type { PreviewSample } from '../../remote/protocol';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import type { AgentApi } from '../connection/agentApi';
import type { Feature, Services } from '../services';
import { RubricDiagnostics } from './diagnostics';
import { RUBRIC_SPEC } from './lint';
import { pickLabelledFile, storeTemplate } from './storeTemplate';
import { RubricPreviewSession, type PreviewSet } from './previewPanel';
import { isPreviewSample, labelledPreviewSamples, pinSample, pinnedSamples } from './previewSet';
import { requireRun } from '../runs/requireRun';
import { markWalkthroughStep } from '../status/contextKeys';

export const RUBRIC_VERSION_SCHEME = 'selfreward-rubric';
/** One rubric file per run, so editing one run's rubric never changes what another run's preview compares. */
const rubricFileName = (runId: string): string => `${runId}.rubric.md`;

let diagnostics: RubricDiagnostics | undefined;
let session: RubricPreviewSession | undefined;
/** the labelled set chosen for the preview, per run ('' = none) */
const labelledChoice = new Map<string, string>();

/** The run's rubric file, `rubrics/<run id>.rubric.md` in the workspace (created from the run's rubric in use, or the default rubric). */
async function rubricFile(services: Services, agent: AgentApi, runId: string): Promise<vscode.Uri> {
  const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? services.context.globalStorageUri, 'rubrics');
  const uri = vscode.Uri.joinPath(folder, rubricFileName(runId));
  try {
    await vscode.workspace.fs.stat(uri);
    return uri;
  } catch {
    let text = DEFAULT_RUBRIC;
    try {
      text = (await agent.request('rubric/get', { runId })).text || DEFAULT_RUBRIC;
    } catch (e) {
      services.log.warn(`rubric/get failed, starting from the default rubric: ${e instanceof Error ? e.message : String(e)}`);
    }
    await vscode.workspace.fs.createDirectory(folder);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    return uri;
  }
}

async function previewSet(services: Services, runId: string): Promise<PreviewSet> {
  const pins = pinnedSamples(services.context.workspaceState, runId);
  const labelled = labelledChoice.get(runId) ?? (pins.length ? '' : 'builtin:labelled');
  const samples: PreviewSample[] = [...pins];
  const parts: string[] = [];
  if (pins.length) parts.push(`${pins.length} pinned`);
  if (labelled) {
    try {
      samples.push(...labelledPreviewSamples(labelled));
      parts.push(labelled);
    } catch (e) {
      void vscode.window.showErrorMessage(`Self-Rewarding: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { label: parts.join(' + ') || 'empty', samples };
}

async function refreshSession(services: Services): Promise<void> {
  if (!session) return;
  const s = session;
  const set = await previewSet(services, s.runId);
  let inUse: { version: number; text: string } | undefined;
  try {
    const r = await services.connection.agent?.request('rubric/get', { runId: s.runId });
    if (r) inUse = { version: r.version, text: r.text };
  } catch (e) {
    services.log.warn(`rubric/get failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const snap = await services.connection.agent?.request('runs/snapshot', { runId: s.runId }).catch(() => undefined);
  if (session === s) s.setSamples(set, inUse, { name: snap?.run?.name ?? s.runId, k: snap?.config?.judge?.k ?? 3 });
}

async function editRubric(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  markWalkthroughStep('rubric');
  const uri = await rubricFile(services, ctx.agent, ctx.runId);
  const doc = await vscode.workspace.openTextDocument(uri);
  diagnostics?.track(doc);
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preview: false });
  if (session && (session.runId !== ctx.runId || session.document !== doc)) session.dispose();
  if (!session) {
    const s = new RubricPreviewSession(services.context.extensionUri, ctx.agent, ctx.runId, doc, {
      useRubric: () => void vscode.commands.executeCommand('selfreward.useRubric'),
      chooseSet: () => void chooseSet(services),
    });
    s.onDidDispose(() => {
      if (session === s) session = undefined;
    });
    session = s;
  } else session.reveal();
  await refreshSession(services);
}

async function chooseSet(services: Services): Promise<void> {
  const runId = session?.runId ?? services.currentRunId;
  if (!runId) return;
  const pins = pinnedSamples(services.context.workspaceState, runId).length;
  const items = [
    { label: 'Built-in labelled set', description: 'prompts with answers ranked by people', value: 'builtin:labelled' },
    { label: 'Labelled file…', description: 'Open Assistant-style ranked replies (JSONL/JSON)', value: 'file' },
    { label: 'Pinned samples only', description: `${pins} pinned from the run`, value: '' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'Rubric preview set', placeHolder: 'Pinned samples are always included' });
  if (!pick) return;
  const value = pick.value === 'file' ? await pickLabelledFile() : pick.value;
  if (value === undefined) return;
  labelledChoice.set(runId, value);
  await refreshSession(services);
}

async function useRubric(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  const doc = session?.document ?? vscode.window.activeTextEditor?.document;
  if (!doc || !(diagnostics?.isRubric(doc) ?? false)) {
    void vscode.window.showWarningMessage('Self-Rewarding: open the rubric first ("Edit Judge Rubric").');
    return;
  }
  const r = await storeTemplate(ctx.agent, ctx.runId, doc.getText(), RUBRIC_SPEC, 'rubric');
  if (!r) return;
  const action = await vscode.window.showInformationMessage(`Self-Rewarding: rubric v${r.version} will be used from the next iteration.`, 'Show Diff');
  if (action === 'Show Diff') await diffVersions(services, ctx.runId, r.before, r.version);
  await refreshSession(services);
}

export function rubricVersionUri(runId: string, version: number): vscode.Uri {
  return vscode.Uri.from({ scheme: RUBRIC_VERSION_SCHEME, path: `/${runId}/v${version}.md` });
}

/** Diff two stored rubric versions (`vscode.diff` over read-only virtual documents); asks for them when not given. */
async function diffVersions(services: Services, runId?: string, a?: number, b?: number): Promise<void> {
  const ctx = requireRun(services, runId);
  if (!ctx) return;
  const { agent } = ctx;
  runId = ctx.runId;
  if (a === undefined || b === undefined) {
    const snap = await agent.request('runs/snapshot', { runId });
    const versions = snap.rubricVersions.map((v) => v.version).sort((x, y) => x - y);
    if (versions.length < 2) {
      void vscode.window.showInformationMessage('Self-Rewarding: this run has only one rubric version.');
      return;
    }
    const picked = await vscode.window.showQuickPick(versions.map((v) => ({ label: `v${v}`, v })), { canPickMany: true, title: 'Pick two rubric versions to compare' });
    if (!picked || picked.length !== 2) return;
    [a, b] = picked.map((p) => p.v).sort((x, y) => x - y);
  }
  await vscode.commands.executeCommand('vscode.diff', rubricVersionUri(runId, a), rubricVersionUri(runId, b), `Rubric v${a} ↔ v${b} (${runId})`);
}

export const rubricFeature: Feature = {
  commands: {
    editRubric: (services) => () => editRubric(services),
    useRubric: (services) => () => useRubric(services),
    pinSample: (services) => async (...args: unknown[]) => {
      const sample = args[0];
      const runId = (typeof args[1] === 'string' ? args[1] : undefined) ?? services.currentRunId;
      if (!isPreviewSample(sample) || !runId) {
        void vscode.window.showWarningMessage('Self-Rewarding: nothing to pin (pin from the dashboard or the pairs editor).');
        return;
      }
      const pins = await pinSample(services.context.workspaceState, runId, sample);
      if (session?.runId === runId) await refreshSession(services);
      void vscode.window.setStatusBarMessage(`Pinned to the rubric preview (${pins.length} pinned)`, 3000);
    },
    diffRubricVersions: (services) => (...args: unknown[]) =>
      diffVersions(services, typeof args[0] === 'string' ? args[0] : undefined, typeof args[1] === 'number' ? args[1] : undefined, typeof args[2] === 'number' ? args[2] : undefined),
  },
  activate(services) {
    diagnostics = new RubricDiagnostics();
    services.context.subscriptions.push(
      diagnostics,
      vscode.workspace.registerTextDocumentContentProvider(RUBRIC_VERSION_SCHEME, {
        async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
          const m = /^\/([^/]+)\/v(\d+)\.md$/.exec(uri.path);
          const agent = services.connection.agent;
          if (!m || !agent) return '';
          return (await agent.request('rubric/get', { runId: m[1], version: Number(m[2]) })).text;
        },
      }),
      { dispose: () => session?.dispose() },
    );
  },
};
