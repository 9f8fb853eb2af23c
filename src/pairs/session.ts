/**
 * One editor webview of a pairs document: answers its page requests from the model, turns its actions into edits,
 * and tells it when the document changed. No `vscode` here; the provider supplies the host hooks (VS Code's
 * undo/redo commands, export), tests supply plain functions.
 */
import type { PairsToHost, PairsToWebview } from '../../webview/pairs/messages';
import type { PairsEdit, PairsEditModel } from './model';

export interface PairsSessionHost {
  /** an edit was made (the provider reports it to VS Code with undo/redo callbacks) */
  edited(edit: PairsEdit): void;
  undo(): void | Thenable<unknown>;
  redo(): void | Thenable<unknown>;
  exportPairs?(): void | Thenable<unknown>;
  /** save the document the way the editor saves it (VS Code: workspace.save, so its dirty marker follows) */
  save?(): Thenable<unknown> | Promise<unknown>;
  log?(message: string): void;
}

const BULK_LABEL = { accept: 'Accept filtered pairs', reject: 'Reject filtered pairs', clear: 'Clear decisions of filtered pairs' } as const;

export class PairsSession {
  private disposers: (() => void)[] = [];

  constructor(
    private readonly model: PairsEditModel,
    private readonly post: (m: PairsToWebview) => void,
    private readonly host: PairsSessionHost,
    private readonly opts: { title: string; hostHandlesUndoKeys: boolean },
  ) {
    this.disposers.push(model.onDidChange(() => this.post({ type: 'changed', dirty: model.dirty, queued: model.backend.queued?.() ?? 0 })));
    const onBackend = model.backend.onDidChange?.(() => this.post({ type: 'changed', dirty: model.dirty, queued: model.backend.queued?.() ?? 0 }));
    if (onBackend) this.disposers.push(onBackend);
  }

  async handle(msg: PairsToHost): Promise<void> {
    try {
      await this.dispatch(msg);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.host.log?.(`pairs editor: ${message}`);
      this.post({ type: 'notice', level: 'error', message });
    }
  }

  private async dispatch(msg: PairsToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        this.post({ type: 'init', title: this.opts.title, hostHandlesUndoKeys: this.opts.hostHandlesUndoKeys, canExport: !!this.host.exportPairs });
        await this.sendGate();
        return;
      case 'page': {
        const page = await this.model.page(msg.offset, msg.limit, msg.filter);
        this.post({ type: 'page', reqId: msg.reqId, offset: msg.offset, ...page });
        return;
      }
      case 'decide':
        if (msg.decisions.length) this.host.edited(this.model.apply(msg.label, msg.decisions));
        return;
      case 'bulk': {
        const edit = await this.model.applyToFiltered(BULK_LABEL[msg.kind], msg.filter, { kind: msg.kind });
        if (edit) this.host.edited(edit);
        this.post({ type: 'notice', level: 'info', message: edit ? `${BULK_LABEL[msg.kind]}: ${edit.drafts.length}` : 'No pairs match the filter' });
        return;
      }
      case 'undo':
        await this.host.undo();
        return;
      case 'redo':
        await this.host.redo();
        return;
      case 'judgments': {
        const b = this.model.backend;
        const judgments = b.judgments ? await b.judgments(msg.candidateIds) : [];
        this.post({ type: 'judgments', pairId: msg.pairId, judgments, available: !!b.judgments });
        return;
      }
      case 'refilter':
        this.model.refilter();
        return;
      case 'export':
        await this.host.exportPairs?.();
        return;
      case 'completeReview': {
        const b = this.model.backend;
        if (!b.completeReview) throw new Error('this pairs file is not part of a run on an agent: there is no review gate to complete');
        const unsaved = this.model.dirty ? this.model.pendingDecisions.length : 0;
        // What training will get, counted from the review as it will be saved (pending decisions included).
        const all = (await b.ids()).map((p) => this.model.withPending(p.id, p.review).state);
        const total = all.length;
        const rejected = all.filter((st) => st === 'rejected').length;
        const unreviewed = all.filter((st) => st === 'unreviewed').length;
        const train = total - rejected - unreviewed;
        const gate = b.gate ? (await b.gate()).gate : true;
        const partial = gate && unreviewed > 0;
        if ((partial || unsaved) && !msg.confirmed) {
          this.post({ type: 'confirmComplete', total, reviewed: total - unreviewed, train, rejected, unreviewed, unsaved });
          return;
        }
        if (this.model.dirty) await (this.host.save ? this.host.save() : this.model.save());
        if (this.model.dirty) throw new Error('the review could not be saved, so it was not completed');
        const r = await b.completeReview();
        const left = total - r.accepted;
        this.post({ type: 'notice', level: 'info', message: `Review complete: ${r.accepted} pair${r.accepted === 1 ? '' : 's'} will train, ${left} left out (${r.rejected} rejected${gate ? `, ${left - r.rejected} unreviewed` : ''}).` });
        await this.sendGate();
        return;
      }
    }
  }

  private async sendGate(): Promise<void> {
    const b = this.model.backend;
    if (!b.gate) {
      this.post({ type: 'gate', supported: false, gate: false, complete: false });
      return;
    }
    const g = await b.gate();
    this.post({ type: 'gate', supported: true, ...g });
  }

  dispose(): void {
    for (const d of this.disposers) d();
  }
}
