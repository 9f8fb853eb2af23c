/**
 * The pairs review editor: a CustomEditorProvider (not a CustomTextEditorProvider — pairs files can exceed the
 * 50 MB VS Code syncs to extensions) with its own document model. Opens `*.pairs.jsonl` files on this machine and
 * the pairs of a run on the agent (`selfreward-pairs:/<runId>/<iteration>/pairs.pairs.jsonl`), and in the same way
 * the meta-judge's judge pairs (`…/judge-pairs.pairs.jsonl`, a run folder's judge-pairs.jsonl): the judge-pair
 * review mode, where each side is a judgment of one answer.
 *
 * Edits are decisions; VS Code gets one edit event per action with undo/redo callbacks into the model, so its undo
 * stack, dirty marker, save, revert and hot exit (backup) all apply. Save appends the pending decisions to the
 * decisions log: append-only with one write per decision and an fsync, not temp+rename, because the log is
 * last-wins and each record stands alone — a crash mid-save leaves whole decisions plus at most one torn line
 * (cut on the next open), the document stays dirty with every decision still in its backup, and re-saving sends
 * them again with the same ids, which the writer skips. The pairs file itself is never written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { webviewHtml, webviewOptions } from '../panels/webviewHtml';
import type { PairsToHost } from '../../webview/pairs/messages';
import type { PairKind } from '../../remote/protocol';
import { PairsService } from '../../remote/review/pairsService';
import { writeFileAtomic } from '../../remote/store/atomic';
import { AgentPairsBackend, LocalPairsBackend, type PairsBackend } from './backend';
import { PairsEditModel, type PairsBackup } from './model';
import { PairsSession } from './session';
import { markWalkthroughStep } from '../status/contextKeys';

export const PAIRS_VIEW_TYPE = 'selfreward.pairsEditor';
export const REMOTE_PAIRS_SCHEME = 'selfreward-pairs';

/** The editor tab's name: VS Code names a custom editor after its URI's last segment. */
export function pairsTitle(runName: string, iteration: number, kind: PairKind = 'actor'): string {
  return `${kind === 'judge' ? 'judge pairs' : 'pairs'} · iteration ${iteration} · ${runName.replace(/[\\/]/g, '-')}`;
}

/** A run's pairs on the agent, named "pairs · iteration 2 · <run name>" in the tab ("judge pairs · …" for the
 * meta-judge's judge pairs). */
export function remotePairsUri(runId: string, iteration: number, runName = runId, kind: PairKind = 'actor'): vscode.Uri {
  return vscode.Uri.from({ scheme: REMOTE_PAIRS_SCHEME, path: `/${runId}/${iteration}/${pairsTitle(runName, iteration, kind)}` });
}

/** The runs tree's read-only run files (`selfreward-run:/<runId>/iterations/<t>/pairs.jsonl`, src/runs/runFiles.ts). */
const RUN_FILE_SCHEME = 'selfreward-run';

export function parseRemotePairsUri(uri: vscode.Uri): { runId: string; iteration: number; kind: PairKind } | undefined {
  if (uri.scheme === REMOTE_PAIRS_SCHEME) {
    // the last segment is the tab's title: "judge pairs · …" for judge pairs (pairsTitle)
    const m = /^\/([a-z0-9][a-z0-9-]*)\/(\d+)\/(judge pairs )?/.exec(uri.path);
    return m ? { runId: m[1], iteration: Number(m[2]), kind: m[3] ? 'judge' : 'actor' } : undefined;
  }
  if (uri.scheme === RUN_FILE_SCHEME) {
    const m = /^\/([^/]+)\/iterations\/(\d+)\/(judge-)?pairs\.jsonl$/.exec(uri.path);
    return m ? { runId: decodeURIComponent(m[1]), iteration: Number(m[2]), kind: m[3] ? 'judge' : 'actor' } : undefined;
  }
  return undefined;
}

/** A pairs.jsonl inside a run folder on this machine (`<runs>/<runId>/iterations/<t>/pairs.jsonl`). */
export function runOfLocalPairsFile(file: string): { runId: string; iteration: number; kind: PairKind } | undefined {
  const it = path.dirname(file);
  const runDir = path.dirname(path.dirname(it));
  const kind: PairKind | undefined = path.basename(file) === 'pairs.jsonl' ? 'actor' : path.basename(file) === 'judge-pairs.jsonl' ? 'judge' : undefined;
  if (!kind || path.basename(path.dirname(it)) !== 'iterations' || !/^\d+$/.test(path.basename(it))) return undefined;
  if (!fs.existsSync(path.join(runDir, 'run.json'))) return undefined;
  return { runId: path.basename(runDir), iteration: Number(path.basename(it)), kind };
}

export class PairsDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly model: PairsEditModel, private readonly onDispose: () => void = () => undefined) {}
  /** the tab's name for a run's pairs, else the backend's (the file name) */
  get title(): string {
    return this.uri.scheme === REMOTE_PAIRS_SCHEME ? decodeURIComponent(this.uri.path.split('/').pop() ?? '') || this.model.backend.label : this.model.backend.label;
  }
  dispose(): void {
    this.onDispose();
    this.model.backend.dispose();
  }
}

export class PairsEditorProvider implements vscode.CustomEditorProvider<PairsDocument> {
  private readonly changes = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<PairsDocument>>();
  readonly onDidChangeCustomDocument = this.changes.event;
  private readonly open = new Map<string, PairsDocument>();

  /** The open document of a URI, if any (export asks to save its unsaved decisions first). */
  documentFor(uri: vscode.Uri): PairsDocument | undefined {
    return this.open.get(uri.toString());
  }

  constructor(private readonly services: Services) {}

  /**
   * The backend of a document URI: a run's iteration on the connected agent (run URIs, and a run folder's
   * pairs.jsonl on this machine while the local agent serves it — so decisions go through the daemon that owns the
   * run and the gate can be completed), else the local file.
   */
  backendFor(uri: vscode.Uri): PairsBackend {
    const conn0 = this.services.connection;
    const local = uri.scheme === 'file' && conn0.agent?.state === 'connected' ? runOfLocalPairsFile(uri.fsPath) : undefined;
    const remote = parseRemotePairsUri(uri) ?? local;
    if (remote) {
      const queueFile = path.join(this.services.context.globalStorageUri.fsPath, 'pairs-queue', `${remote.runId}-${remote.iteration}${remote.kind === 'judge' ? '-judge' : ''}.jsonl`);
      const conn = this.services.connection;
      // Flush the queue whenever the link comes (back) up.
      const onLink = (listener: () => void): vscode.Disposable => conn.onDidChangeState((s) => s === 'connected' && listener());
      return new AgentPairsBackend(() => conn.agent, remote.runId, remote.iteration, queueFile, onLink, remote.kind);
    }
    if (uri.scheme !== 'file') throw new Error(`cannot open pairs from ${uri.toString()}: only files on this machine and ${REMOTE_PAIRS_SCHEME}: run URIs`);
    return new LocalPairsBackend(uri.fsPath);
  }

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<PairsDocument> {
    const model = new PairsEditModel(this.backendFor(uri));
    if (openContext.backupId) {
      const backup = JSON.parse(await fs.promises.readFile(vscode.Uri.parse(openContext.backupId).fsPath, 'utf8')) as PairsBackup;
      model.restore(backup);
    }
    const doc = new PairsDocument(uri, model, () => this.open.delete(uri.toString()));
    this.open.set(uri.toString(), doc);
    return doc;
  }

  async resolveCustomEditor(document: PairsDocument, panel: vscode.WebviewPanel): Promise<void> {
    markWalkthroughStep('pairs');
    const extensionUri = this.services.context.extensionUri;
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'pairs', `Review ${document.title}`);
    const model = document.model;
    const session = new PairsSession(
      model,
      (m) => void panel.webview.postMessage(m),
      {
        edited: (edit) =>
          this.changes.fire({
            document,
            label: edit.label,
            undo: () => void model.undo(),
            redo: () => void model.redo(),
          }),
        // Through VS Code's commands, so its undo stack and the model stay in step.
        undo: () => vscode.commands.executeCommand('undo'),
        redo: () => vscode.commands.executeCommand('redo'),
        exportPairs: () => vscode.commands.executeCommand('selfreward.exportPairs', document.uri),
        save: () => vscode.workspace.save(document.uri),
        log: (m) => this.services.log.warn(m),
      },
      { title: document.title, hostHandlesUndoKeys: true },
    );
    const sub = panel.webview.onDidReceiveMessage((m: PairsToHost) => void session.handle(m));
    panel.onDidDispose(() => {
      sub.dispose();
      session.dispose();
    });
  }

  async saveCustomDocument(document: PairsDocument): Promise<void> {
    await document.model.save();
  }

  /** Save As: a copy of the pairs file with its decisions (saved + pending) beside it; this document stays as is. */
  async saveCustomDocumentAs(document: PairsDocument, destination: vscode.Uri): Promise<void> {
    const backend = document.model.backend;
    if (!(backend instanceof LocalPairsBackend) || destination.scheme !== 'file')
      throw new Error('Save As works for pairs files on this machine; use "Export Preference Pairs…" for a run on the agent');
    await fs.promises.copyFile(backend.file, destination.fsPath);
    const decisions = PairsService.decisionsFileFor(destination.fsPath);
    const saved = fs.existsSync(PairsService.decisionsFileFor(backend.file)) ? await fs.promises.readFile(PairsService.decisionsFileFor(backend.file), 'utf8') : '';
    const pending = document.model.pendingDecisions.map((d) => JSON.stringify(d) + '\n').join('');
    writeFileAtomic(decisions, saved + pending);
  }

  async revertCustomDocument(document: PairsDocument): Promise<void> {
    document.model.revert();
  }

  async backupCustomDocument(document: PairsDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    const file = context.destination.fsPath;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(document.model.backup()));
    return { id: context.destination.toString(), delete: () => fs.rmSync(file, { force: true }) };
  }
}
