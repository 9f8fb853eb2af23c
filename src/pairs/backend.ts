/**
 * Where a pairs document's pages come from and its decisions go: a local file (PairsService in-process) or a run's
 * iteration on an agent (pairs/read, pairs/decide). No `vscode` here, so the document model is tested in plain Node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JudgmentRecord, PairDecision, PairFilter, PairKind, PairRecord, PairReviewView } from '../../remote/protocol';
import { PairsService, judgmentsFileFor, judgmentsFor, reviewView, type PairsPage } from '../../remote/review/pairsService';
import { applyDecision, emptyReview, isReviewed, type PairReview } from '../../remote/review/decisions';
import { writeFileAtomic } from '../../remote/store/atomic';
import { forEachJsonl, JsonlWriter } from '../../remote/store/jsonl';
import type { AgentApi } from '../connection/agentApi';

export interface GateState {
  gate: boolean;
  complete: boolean;
}

export interface PairsBackend {
  readonly label: string;
  read(offset: number, limit: number, filter?: PairFilter): Promise<PairsPage>;
  ids(filter?: PairFilter): Promise<{ id: string; review: PairReviewView }[]>;
  /** Make the decisions durable (written and fsynced, or queued on disk while the link is down). */
  decide(decisions: PairDecision[]): Promise<void>;
  /** Judge samples of the given candidates (justifications), when the judgments are at hand. */
  judgments?(candidateIds: string[]): Promise<JudgmentRecord[]>;
  /** Forget a cached filtered list, so the filter is applied to the current review state. */
  refilter?(): void;
  gate?(): Promise<GateState>;
  completeReview?(): Promise<{ accepted: number; rejected: number }>;
  /** decisions waiting for the link (remote only) */
  queued?(): number;
  onDidChange?(listener: () => void): () => void;
  dispose(): void;
}

/** A pairs.jsonl on this machine; decisions beside it (x.pairs.jsonl → x.decisions.jsonl). */
export class LocalPairsBackend implements PairsBackend {
  readonly service: PairsService;
  constructor(readonly file: string) {
    this.service = new PairsService(file, PairsService.decisionsFileFor(file));
  }
  get label(): string {
    return path.basename(this.file);
  }
  async read(offset: number, limit: number, filter?: PairFilter): Promise<PairsPage> {
    this.service.refresh();
    return this.service.read(offset, limit, filter);
  }
  async ids(filter?: PairFilter): Promise<{ id: string; review: PairReviewView }[]> {
    return this.service.ids(filter);
  }
  async decide(decisions: PairDecision[]): Promise<void> {
    this.service.decide(decisions);
  }
  refilter(): void {
    this.service.invalidateFilter();
  }
  async judgments(candidateIds: string[]): Promise<JudgmentRecord[]> {
    return judgmentsFor(judgmentsFileFor(this.file), candidateIds);
  }
  dispose(): void {
    this.service.close();
  }
}

/**
 * Decisions go to a queue file on this machine first (fsynced), then to the agent; they leave the queue only after
 * the agent acknowledged them. While the link is down the queue grows and pages show the queued decisions folded
 * in; on reconnect it is flushed. Each decision carries an id, so one re-sent after a lost reply applies once.
 */
export class AgentPairsBackend implements PairsBackend {
  private queue: PairDecision[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private listeners = new Set<() => void>();
  private subs: { dispose(): void }[] = [];
  /** agent-side review of pairs with queued decisions, as last read */
  private serverReview = new Map<string, PairReviewView>();

  constructor(
    private readonly getAgent: () => AgentApi | undefined,
    readonly runId: string,
    readonly iteration: number,
    /** e.g. <globalStorage>/pairs-queue/<runId>-<t>.jsonl */
    readonly queueFile: string,
    onAgentChange?: (listener: () => void) => { dispose(): void },
    /** the meta-judge's judge pairs instead of the actor's pairs */
    readonly kind: PairKind = 'actor',
  ) {
    forEachJsonl<PairDecision>(queueFile, (d) => {
      this.queue.push(d);
    });
    if (onAgentChange) this.subs.push(onAgentChange(() => void this.flush()));
  }

  get label(): string {
    return `${this.runId} · iteration ${this.iteration}${this.kind === 'judge' ? ' · judge pairs' : ''}`;
  }

  /** the kind field of the requests (absent for the actor's pairs, as clients before judge pairs sent them) */
  private get which(): { kind?: PairKind } {
    return this.kind === 'judge' ? { kind: 'judge' } : {};
  }

  queued(): number {
    return this.queue.length;
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private agent(): AgentApi {
    const a = this.getAgent();
    if (!a || a.state !== 'connected') throw new Error(`not connected to the agent holding run ${this.runId}`);
    return a;
  }

  /** Fold queued decisions into a pair's review, as the agent will once it has them. */
  private overlay(id: string, review: PairReviewView | undefined): PairReviewView | undefined {
    let r = review as PairReview | undefined;
    for (const d of this.queue) if (d.pairId === id) r = applyDecision(r ?? emptyReview(), d);
    return r && reviewView(r);
  }

  /** The agent does not know the queued decisions yet: tell an "unreviewed only" filter what they decided. */
  private withQueue(filter: PairFilter | undefined): PairFilter | undefined {
    if (!filter?.unreviewedOnly || !this.queue.length) return filter;
    const given = new Set([...(filter.reviewOverrides?.reviewed ?? []), ...(filter.reviewOverrides?.unreviewed ?? [])]);
    const reviewed = [...(filter.reviewOverrides?.reviewed ?? [])];
    const unreviewed = [...(filter.reviewOverrides?.unreviewed ?? [])];
    for (const id of new Set(this.queue.map((d) => d.pairId)))
      if (!given.has(id)) (isReviewed(this.overlay(id, this.serverReview.get(id)) as PairReview) ? reviewed : unreviewed).push(id);
    return { ...filter, reviewOverrides: { reviewed, unreviewed } };
  }

  async read(offset: number, limit: number, filter?: PairFilter): Promise<PairsPage> {
    const page = await this.agent().request('pairs/read', { runId: this.runId, iteration: this.iteration, offset, limit, filter: this.withQueue(filter), ...this.which });
    if (!this.queue.length) return page;
    const touched = new Set(this.queue.map((d) => d.pairId));
    for (const p of page.pairs) if (touched.has(p.id)) this.serverReview.set(p.id, p.review ?? emptyReview());
    for (const p of page.pairs) if (touched.has(p.id)) p.review = this.overlay(p.id, p.review);
    // The agent's count lacks the queued decisions: adjust by those of pairs whose agent-side review is known.
    for (const id of touched) {
      const server = this.serverReview.get(id);
      if (server) page.reviewed += Number(isReviewed(this.overlay(id, server) as PairReview)) - Number(isReviewed(server as PairReview));
    }
    return page;
  }

  async ids(filter?: PairFilter): Promise<{ id: string; review: PairReviewView }[]> {
    const r = await this.agent().request('pairs/ids', { runId: this.runId, iteration: this.iteration, filter: this.withQueue(filter), ...this.which });
    if (!this.queue.length) return r.pairs;
    const touched = new Set(this.queue.map((d) => d.pairId));
    for (const p of r.pairs) if (touched.has(p.id)) this.serverReview.set(p.id, p.review);
    return r.pairs.map((p) => ({ id: p.id, review: this.overlay(p.id, p.review) ?? p.review }));
  }

  /** Reviewed count the agent will report once the queue is through (for pages read while it is not). */
  reviewedDelta(known: Map<string, PairReviewView>): number {
    let delta = 0;
    for (const id of new Set(this.queue.map((d) => d.pairId))) delta += Number(isReviewed(this.overlay(id, known.get(id)) as PairReview)) - Number(isReviewed(known.get(id) as PairReview));
    return delta;
  }

  async decide(decisions: PairDecision[]): Promise<void> {
    if (!decisions.length) return;
    fs.mkdirSync(path.dirname(this.queueFile), { recursive: true });
    const w = JsonlWriter.open<PairDecision>(this.queueFile);
    try {
      for (const d of decisions) w.append(d);
      w.sync();
    } finally {
      w.close();
    }
    this.queue.push(...decisions);
    await this.flush();
  }

  /** Send the queue; keep what was not acknowledged. Never throws (a down link just leaves the queue). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.queue.length) {
        const agent = this.getAgent();
        if (!agent || agent.state !== 'connected') return;
        const batch = this.queue.slice(0, 500);
        try {
          await agent.request('pairs/decide', { runId: this.runId, iteration: this.iteration, decisions: batch, ...this.which });
        } catch {
          return;
        }
        this.queue.splice(0, batch.length);
        if (!this.queue.length) this.serverReview.clear();
        writeFileAtomic(this.queueFile, this.queue.map((d) => JSON.stringify(d) + '\n').join(''));
        for (const l of this.listeners) l();
      }
    });
    return this.flushing;
  }

  async judgments(candidateIds: string[]): Promise<JudgmentRecord[]> {
    return (await this.agent().request('pairs/judgments', { runId: this.runId, iteration: this.iteration, candidateIds })).judgments;
  }

  async gate(): Promise<GateState> {
    return this.agent().request('review/state', { runId: this.runId, iteration: this.iteration });
  }

  async completeReview(): Promise<{ accepted: number; rejected: number }> {
    await this.flush();
    if (this.queue.length) throw new Error(`${this.queue.length} decision(s) are still waiting for the link; the review can be completed once they are sent`);
    return this.agent().request('review/complete', { runId: this.runId, iteration: this.iteration });
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

/** Every pair of a backend with its review, a page at a time (for exports of runs on the agent). */
export async function* pairsEntries(backend: PairsBackend, pageSize = 500): AsyncGenerator<{ pair: PairRecord; review: PairReviewView | undefined }> {
  for (let offset = 0; ; offset += pageSize) {
    const page = await backend.read(offset, pageSize);
    for (const p of page.pairs) yield { pair: p, review: p.review };
    if (!page.pairs.length || offset + page.pairs.length >= page.total) return;
  }
}
