/**
 * The pairs editor's document model, free of `vscode`: decisions made in the editor are an ordered list of edits
 * (one per action; a bulk action is one edit) with undo/redo. Unsaved decisions stay in memory (and in VS Code's
 * backup for hot exit) and are folded into the pages shown; save hands them to the backend, which makes them
 * durable. Undoing an edit that is already saved appends compensating decisions (the log is append-only).
 */
import { randomUUID } from 'node:crypto';
import type { PairDecision, PairFilter, PairReviewView } from '../../remote/protocol';
import { applyDecision, emptyReview, isReviewed, type PairReview } from '../../remote/review/decisions';
import { reviewView, type PairsPage } from '../../remote/review/pairsService';
import { decisionsToRestore } from '../../remote/review/restore';
import type { PairsBackend } from './backend';

export type { DecisionDraft } from '../../webview/pairs/messages';
import type { DecisionDraft } from '../../webview/pairs/messages';

export interface PairsEdit {
  readonly label: string;
  /** the decisions as first made (redo makes fresh copies with new ids) */
  readonly drafts: DecisionDraft[];
  /** the review of each touched pair before the edit */
  readonly before: [string, PairReviewView][];
  /** the decisions of this edit still in `pending` (undefined once saved or undone) */
  inPending?: PairDecision[];
}

export interface PairsBackup {
  version: 1;
  pending: PairDecision[];
  known: [string, PairReviewView][];
}

const view = reviewView;

export class PairsEditModel {
  /** decisions made but not saved, in order */
  private pending: PairDecision[] = [];
  private undoStack: PairsEdit[] = [];
  private redoStack: PairsEdit[] = [];
  /** the backend's review of every pair seen (pages, bulk id lists) — the base pending decisions fold onto */
  private known = new Map<string, PairReviewView>();
  private listeners = new Set<() => void>();
  /** pending grouped by pair, rebuilt lazily (a bulk edit can hold 100k decisions) */
  private byPair: Map<string, PairDecision[]> | undefined;
  private snapshot: { key: string; overrides: NonNullable<PairFilter['reviewOverrides']> } | undefined;

  constructor(readonly backend: PairsBackend) {}

  get dirty(): boolean {
    return this.pending.length > 0;
  }

  get pendingDecisions(): readonly PairDecision[] {
    return this.pending;
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.byPair = undefined;
    for (const l of this.listeners) l();
  }

  /** Review of a pair with the unsaved decisions folded in. */
  current(id: string): PairReviewView {
    return this.withPending(id, this.known.get(id));
  }

  /** A pair's review with the unsaved decisions folded onto `saved` (its review as the backend has it). */
  withPending(id: string, saved: PairReviewView | undefined): PairReviewView {
    let r = (saved ?? emptyReview()) as PairReview;
    for (const d of this.grouped().get(id) ?? []) r = applyDecision(r, d);
    return view(r);
  }

  private grouped(): Map<string, PairDecision[]> {
    if (!this.byPair) {
      this.byPair = new Map();
      for (const d of this.pending) {
        const list = this.byPair.get(d.pairId);
        if (list) list.push(d);
        else this.byPair.set(d.pairId, [d]);
      }
    }
    return this.byPair;
  }

  private touched(): Set<string> {
    return new Set(this.grouped().keys());
  }

  /** The counts shown: the backend's plus the effect of the unsaved decisions. */
  private reviewedDelta(): number {
    let delta = 0;
    for (const id of this.touched()) delta += Number(isReviewed(this.current(id) as PairReview)) - Number(isReviewed(this.known.get(id) as PairReview | undefined));
    return delta;
  }

  /**
   * With "unreviewed only", unsaved decisions must count too: the backend is told which pairs they (un)reviewed.
   * That list is taken when a filter is first used and kept while it stays the same, so the filtered list does not
   * shift under the reviewer with every key press (refilter() takes a new one).
   */
  private withOverrides(filter: PairFilter | undefined): PairFilter | undefined {
    if (!filter?.unreviewedOnly) {
      this.snapshot = undefined;
      return filter;
    }
    const key = JSON.stringify(filter);
    if (this.snapshot?.key !== key) {
      const reviewed: string[] = [];
      const unreviewed: string[] = [];
      for (const id of this.touched()) (isReviewed(this.current(id) as PairReview) ? reviewed : unreviewed).push(id);
      this.snapshot = { key, overrides: { reviewed, unreviewed } };
    }
    return { ...filter, reviewOverrides: this.snapshot.overrides };
  }

  /** Take the unsaved decisions into account again in the next filtered page. */
  refilter(): void {
    this.snapshot = undefined;
    this.backend.refilter?.();
  }

  async page(offset: number, limit: number, filter?: PairFilter): Promise<PairsPage> {
    const page = await this.backend.read(offset, limit, this.withOverrides(filter));
    for (const p of page.pairs) this.known.set(p.id, p.review ?? { state: 'unreviewed', flipped: false });
    const touched = this.touched();
    for (const p of page.pairs) if (touched.has(p.id)) p.review = this.current(p.id);
    page.reviewed += this.reviewedDelta();
    return page;
  }

  /** Record one action (several decisions for a bulk action) as one undoable edit. */
  apply(label: string, drafts: DecisionDraft[]): PairsEdit {
    const before: [string, PairReviewView][] = [];
    const seen = new Set<string>();
    for (const d of drafts) if (!seen.has(d.pairId)) {
      seen.add(d.pairId);
      before.push([d.pairId, this.current(d.pairId)]);
    }
    const edit: PairsEdit = { label, drafts, before };
    edit.inPending = this.push(drafts);
    this.undoStack.push(edit);
    this.redoStack = [];
    this.changed();
    return edit;
  }

  /** A bulk action on every pair matching `filter` (ids from the backend, one edit). */
  async applyToFiltered(label: string, filter: PairFilter | undefined, draft: Omit<DecisionDraft, 'pairId'>): Promise<PairsEdit | undefined> {
    const ids = await this.backend.ids(this.withOverrides(filter));
    const touched = this.touched();
    for (const p of ids) if (!touched.has(p.id)) this.known.set(p.id, p.review);
    if (!ids.length) return undefined;
    return this.apply(label, ids.map((p) => ({ ...draft, pairId: p.id })));
  }

  private push(drafts: DecisionDraft[]): PairDecision[] {
    const ts = new Date().toISOString();
    const ds = drafts.map((d) => ({ ...d, ts, id: randomUUID() }));
    for (const d of ds) this.pending.push(d);
    this.byPair = undefined;
    return ds;
  }

  canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  undo(): PairsEdit | undefined {
    const edit = this.undoStack.pop();
    if (!edit) return undefined;
    const mine = edit.inPending;
    const tail = mine && this.pending.length >= mine.length && mine.every((d, k) => this.pending[this.pending.length - mine.length + k] === d);
    if (tail) {
      this.pending.splice(this.pending.length - mine.length, mine.length);
      this.byPair = undefined;
    }
    else {
      // Already saved (or followed by other unsaved decisions): append what restores each pair's earlier review.
      const drafts: DecisionDraft[] = [];
      for (const [pairId, before] of edit.before) for (const d of decisionsToRestore(before, this.current(pairId))) drafts.push({ ...d, pairId });
      this.push(drafts);
    }
    edit.inPending = undefined;
    this.redoStack.push(edit);
    this.changed();
    return edit;
  }

  redo(): PairsEdit | undefined {
    const edit = this.redoStack.pop();
    if (!edit) return undefined;
    edit.inPending = this.push(edit.drafts);
    this.undoStack.push(edit);
    this.changed();
    return edit;
  }

  /** Hand the unsaved decisions to the backend; they stay pending if it fails. */
  async save(): Promise<number> {
    const batch = this.pending.slice();
    if (!batch.length) return 0;
    await this.backend.decide(batch);
    for (const id of new Set(batch.map((d) => d.pairId))) {
      let r = (this.known.get(id) ?? emptyReview()) as PairReview;
      for (const d of batch) if (d.pairId === id) r = applyDecision(r, d);
      this.known.set(id, view(r));
    }
    const saved = new Set(batch);
    this.pending = this.pending.filter((d) => !saved.has(d));
    this.byPair = undefined;
    for (const e of this.undoStack) if (e.inPending && e.inPending.every((d) => saved.has(d))) e.inPending = undefined;
    this.changed();
    return batch.length;
  }

  /** Drop the unsaved decisions (File: Revert). */
  revert(): void {
    this.pending = [];
    this.undoStack = [];
    this.redoStack = [];
    this.changed();
  }

  backup(): PairsBackup {
    const known: [string, PairReviewView][] = [];
    for (const id of this.touched()) {
      const k = this.known.get(id);
      if (k) known.push([id, k]);
    }
    return { version: 1, pending: this.pending.slice(), known };
  }

  /** Restore unsaved decisions from a hot-exit backup (they stay unsaved). */
  restore(b: PairsBackup): void {
    if (b.version !== 1 || !Array.isArray(b.pending)) throw new Error('pairs editor backup: unknown format');
    for (const [id, r] of b.known) this.known.set(id, r);
    this.pending = b.pending.slice();
    this.changed();
  }
}
