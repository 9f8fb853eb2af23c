/**
 * The Rubric Preview session: the rubric document in the editor, the preview webview beside it, and the
 * PreviewController between them and the agent. Edits re-judge after the debounce, saves at once; results are
 * batched to the webview (about every 50 ms, never one message per score). The meta-judge template's preview is the
 * same session in another flavour (src/metaJudge: its own panel, lint and `preview/judge` kind).
 */
import * as vscode from 'vscode';
import type { PreviewSample, TemplateKind } from '../../remote/protocol';
import type { AgentApi, Disposable as AgentDisposable } from '../connection/agentApi';
import { webviewHtml, webviewOptions } from '../panels/webviewHtml';
import type { RubricHostMessage, RubricViewMessage } from '../../webview/rubric/protocol';
import { PreviewController, type PreviewEvent } from './previewController';
import { RUBRIC_SPEC, lintRubric, type TemplateSpec } from './lint';

export const PREVIEW_VIEW_TYPE = 'selfreward.rubricPreview';

/** What a preview session previews: its panel, its settings, its template's checks and its requests' kind. */
export interface PreviewFlavour {
  viewType: string;
  title: string;
  /** the webview bundle (dist/webview/<bundle>.js) speaking webview/rubric/protocol.ts */
  bundle: string;
  /** settings section with previewDebounceMs and previewK */
  configSection: string;
  defaultK: number;
  spec: TemplateSpec;
  /** `preview/judge` kind (absent: the rubric) */
  kind?: TemplateKind;
}

export const RUBRIC_PREVIEW: PreviewFlavour = { viewType: PREVIEW_VIEW_TYPE, title: 'Rubric Preview', bundle: 'rubric', configSection: 'selfreward.rubric', defaultK: 3, spec: RUBRIC_SPEC };
const FLUSH_MS = 50;
/** the setting's maximum (package.json selfreward.rubric.previewK) */
const MAX_PREVIEW_K = 16;

export interface PreviewSet {
  label: string;
  samples: PreviewSample[];
}

export class RubricPreviewSession implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly controller: PreviewController;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly agentSubs: AgentDisposable[] = [];
  private pending: Extract<RubricHostMessage, { type: 'results' }>[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private set: PreviewSet = { label: '', samples: [] };
  private rubricInUse: { version: number; text: string } | undefined;
  /** the run compared against: its name and the K its in-use scores were judged with */
  private runInfo: { name: string; k: number } | undefined;
  private disposed = false;
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;

  constructor(
    extensionUri: vscode.Uri,
    agent: AgentApi,
    readonly runId: string,
    readonly document: vscode.TextDocument,
    private readonly handlers: { useRubric(): void; chooseSet(): void },
    private readonly flavour: PreviewFlavour = RUBRIC_PREVIEW,
  ) {
    const cfg = vscode.workspace.getConfiguration(flavour.configSection);
    this.panel = vscode.window.createWebviewPanel(flavour.viewType, flavour.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, webviewOptions(extensionUri));
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, flavour.bundle, flavour.title);
    this.controller = new PreviewController({
      agent: {
        judge: (p) => agent.request('preview/judge', flavour.kind ? { ...p, kind: flavour.kind } : p),
        cancel: (id) => agent.request('preview/cancel', { previewId: id }),
      },
      debounceMs: cfg.get<number>('previewDebounceMs', 700),
      k: cfg.get<number>('previewK', flavour.defaultK),
      runId,
      onEvent: (e) => this.forward(e),
    });
    this.agentSubs.push(
      agent.onNotification('preview/result', (r) => this.controller.handleResult(r)),
      agent.onNotification('preview/done', (d) => this.controller.handleDone(d)),
    );
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === this.document && e.contentChanges.length) {
          this.controller.textChanged(e.document.getText());
          this.postLint();
        }
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (d === this.document) this.controller.saved(d.getText());
      }),
      this.panel.webview.onDidReceiveMessage((m: RubricViewMessage) => this.onMessage(m)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  status(text: string, level: 'info' | 'error' = 'info'): void {
    this.post({ type: 'status', text, level });
  }

  /** Replace the preview set (pinned samples and/or a labelled set) and judge it with the current text. */
  setSamples(set: PreviewSet, rubricInUse: { version: number; text: string } | undefined, runInfo = this.runInfo): void {
    this.set = set;
    this.rubricInUse = rubricInUse;
    this.runInfo = runInfo;
    this.postSet();
    this.controller.setSamples(set.samples, rubricInUse?.text, this.document.getText());
    this.postLint();
  }

  private postSet(): void {
    this.post({ type: 'set', samples: this.set.samples, k: this.controller.k, setLabel: this.set.label, rubricVersion: this.rubricInUse?.version, runName: this.runInfo?.name, baselineK: this.runInfo?.k });
  }

  /** "More samples": twice the judge samples per answer (up to 16), everything judged again. */
  moreSamples(): void {
    const k = Math.min(MAX_PREVIEW_K, this.controller.k * 2);
    if (k === this.controller.k) return;
    this.controller.setK(k);
    // baseline (the rubric in use) and draft are judged again with the new K
    this.setSamples(this.set, this.rubricInUse);
  }

  private postLint(): void {
    this.post({ type: 'lint', problems: lintRubric(this.document.getText(), this.flavour.spec).map((p) => ({ severity: p.severity, message: p.message })) });
  }

  get samples(): readonly PreviewSample[] {
    return this.set.samples;
  }

  reveal(): void {
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }


  private onMessage(m: RubricViewMessage): void {
    switch (m.type) {
      case 'ready':
        // A (re)loaded webview has nothing: send the set and judge again (the old run's results went nowhere).
        this.setSamples(this.set, this.rubricInUse);
        break;
      case 'useRubric':
        this.handlers.useRubric();
        break;
      case 'chooseSet':
        this.handlers.chooseSet();
        break;
      case 'moreSamples':
        this.moreSamples();
        break;
    }
  }

  private forward(e: PreviewEvent): void {
    if (e.kind === 'result') {
      const last = this.pending[this.pending.length - 1];
      if (last && last.role === e.role) last.results.push(e.result);
      else this.pending.push({ type: 'results', role: e.role, results: [e.result] });
      this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
      return;
    }
    this.flush();
    if (e.kind === 'start') this.post({ type: 'start', role: e.role, previewId: e.previewId, k: e.k });
    else this.post({ type: 'done', role: e.role, previewId: e.previewId, cancelled: e.cancelled, error: e.error });
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    for (const m of batch) this.post(m);
  }

  private post(m: RubricHostMessage): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.controller.dispose();
    for (const s of this.agentSubs) s.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    this.onDisposeEmitter.fire();
    this.onDisposeEmitter.dispose();
  }
}
