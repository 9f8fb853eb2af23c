/**
 * Host side of the run dashboard: one panel, showing one run. On the webview's `ready` (load, reload, visible again)
 * it sends the snapshot and the events after the seq the webview has drawn (in pages), then live events batched
 * every ~50 ms while the panel is visible. Hidden panels get nothing: they ask again when they come back.
 */
import * as vscode from 'vscode';
import type { RunEvent } from '../../remote/protocol';
import { DASHBOARD_VIEW_TYPE, type HostMessage, type WebviewMessage } from '../../webview/dashboard/protocol';
import { webviewHtml, webviewOptions } from '../panels/webviewHtml';
import type { Services } from '../services';
import type { RunsModel } from '../runs/runsModel';
import { Batcher } from './batcher';

/** Catch-up events per message. */
export const CATCH_UP_PAGE = 5000;

export class DashboardPanel implements vscode.Disposable {
  static current: DashboardPanel | undefined;

  private runId: string | undefined;
  /** highest seq sent to the webview since its last `ready` */
  private sentSeq = 0;
  private catchingUp = false;
  /** the page has loaded and caught up once: before that, live events would arrive ahead of the catch-up */
  private synced = false;
  /** live events that arrived while a catch-up was being sent */
  private held: RunEvent[] = [];
  private pendingReveal: number | undefined;
  private readonly batcher: Batcher<RunEvent>;
  private readonly disposables: vscode.Disposable[] = [];

  /** Show the dashboard (creating it if needed) for a run, optionally at an iteration. */
  static show(services: Services, model: RunsModel, runId?: string, iteration?: number): DashboardPanel {
    const cur = DashboardPanel.current;
    if (cur) {
      cur.panel.reveal(undefined, false);
      if (runId && runId !== cur.runId) cur.switchRun(runId);
      if (iteration !== undefined) cur.reveal(iteration);
      return cur;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Run Dashboard', vscode.ViewColumn.Active, webviewOptions(services.context.extensionUri));
    const p = new DashboardPanel(panel, services, model, runId);
    if (iteration !== undefined) p.reveal(iteration);
    return p;
  }

  /** Re-attach to a panel VS Code restored after a reload (the webview's state names its run). */
  static revive(panel: vscode.WebviewPanel, services: Services, model: RunsModel, state: { runId?: string } | undefined): DashboardPanel {
    panel.webview.options = webviewOptions(services.context.extensionUri);
    return new DashboardPanel(panel, services, model, state?.runId);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: Services,
    private readonly model: RunsModel,
    runId: string | undefined,
  ) {
    DashboardPanel.current?.dispose();
    DashboardPanel.current = this;
    this.runId = runId;
    this.batcher = new Batcher<RunEvent>((events) => this.sendLive(events));
    panel.webview.html = webviewHtml(panel.webview, services.context.extensionUri, 'dashboard', 'Run Dashboard');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: WebviewMessage) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        // Hidden: nothing is delivered, so don't keep a backlog; the page asks from its seq when visible again. Until
        // it asks, nothing is sent: a reloaded page that took a live event first would ask only for what follows it.
        if (!panel.visible) {
          this.batcher.clear();
          this.synced = false;
        }
      }),
      model.onEvents((id, events) => {
        if (id === this.runId && this.panel.visible) this.batcher.push(events);
      }),
      // A panel opened before any run existed shows the first one chosen.
      services.onDidChangeCurrentRun((id) => {
        if (id && !this.runId) this.switchRun(id);
      }),
      // A new agent link (connect after disconnect): catch up from what the page already has.
      services.connection.onDidChange((agent) => {
        if (agent && this.runId && this.sentSeq > 0) void this.onMessage({ type: 'ready', runId: this.runId, afterSeq: this.sentSeq });
        this.postLink();
      }),
      services.connection.onDidChangeState(() => this.postLink()),
      // "stopping…" at once, whoever asked (the page shows its own click at once too).
      model.onDidStartStopping((s) => {
        if (s.runId === this.runId) void this.post({ type: 'stopping', iteration: s.iteration });
      }),
    );
  }

  get shownRunId(): string | undefined {
    return this.runId;
  }

  get batchStats(): Batcher<RunEvent>['stats'] {
    return this.batcher.stats;
  }

  reveal(iteration: number): void {
    if (this.catchingUp || this.sentSeq === 0) this.pendingReveal = iteration;
    else void this.post({ type: 'reveal', iteration });
  }

  switchRun(runId: string): void {
    this.runId = runId;
    this.synced = false;
    this.batcher.clear();
    void this.onMessage({ type: 'ready', runId, afterSeq: 0 });
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.batcher.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private connected(): boolean {
    const c = this.services.connection;
    return c.state === 'connected' && !!c.agent;
  }

  /** The link changed: the page turns the actions that need the agent on or off. */
  private postLink(): void {
    if (this.sentSeq > 0 || this.synced) void this.post({ type: 'link', connected: this.connected(), label: this.services.connection.agent?.label ?? '' });
  }

  private post(m: HostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    if (m.type === 'command') {
      await vscode.commands.executeCommand(`selfreward.${m.command}`, this.runId, m.iteration);
      return;
    }
    if (m.type !== 'ready') return;
    const runId = this.runId ?? m.runId ?? this.services.currentRunId;
    if (!runId) {
      await this.post({ type: 'empty', reason: this.model.agent ? 'No run yet: create one with "New Run…" or "Start Demo Run".' : 'Not connected: connect to a GPU host or start the demo run.' });
      return;
    }
    this.runId = runId;
    this.catchingUp = true;
    this.batcher.clear();
    this.held = [];
    try {
      const snapshot = await this.model.track(runId);
      this.panel.title = `Run: ${snapshot.run.name}`;
      await this.post({ type: 'init', runId, label: this.model.agent?.label ?? '', snapshot, connected: this.connected() });
      // The page replays the events after its seq (the feed needs the records; the snapshot skips what it has).
      const events = await this.model.mirror!.eventsAfter(runId, m.afterSeq);
      this.sentSeq = m.afterSeq;
      for (let i = 0; i < events.length; i += CATCH_UP_PAGE) {
        const page = events.slice(i, i + CATCH_UP_PAGE);
        await this.post({ type: 'events', runId, events: page, more: i + CATCH_UP_PAGE < events.length });
        this.sentSeq = page[page.length - 1].seq;
      }
      if (!events.length) await this.post({ type: 'events', runId, events: [] });
      const stopping = this.model.stoppingIteration(runId);
      if (stopping !== undefined) await this.post({ type: 'stopping', iteration: stopping });
    } catch (e) {
      this.services.log.error(`dashboard: ${e instanceof Error ? e.message : String(e)}`);
      await this.post({ type: 'error', message: `Could not load run ${runId}: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      this.catchingUp = false;
      this.synced = true;
    }
    // Events that arrived during the catch-up: send those the catch-up did not include.
    const held = this.held;
    this.held = [];
    this.sendLive(held);
    if (this.pendingReveal !== undefined) {
      await this.post({ type: 'reveal', iteration: this.pendingReveal });
      this.pendingReveal = undefined;
    }
  }

  private sendLive(events: RunEvent[]): void {
    if (!this.runId || !this.panel.visible) return;
    if (this.catchingUp) {
      this.held.push(...events);
      return;
    }
    if (!this.synced) return; // the page has not asked yet: its first `ready` catches up from the mirror
    const fresh = events.filter((e) => e.seq > this.sentSeq);
    if (!fresh.length) return;
    this.sentSeq = fresh[fresh.length - 1].seq;
    void this.post({ type: 'events', runId: this.runId, events: fresh });
  }
}
