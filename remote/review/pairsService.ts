/**
 * Reading and reviewing one iteration's pairs.jsonl (never modified) with its decisions.jsonl beside it (append-only,
 * last decision per pair wins — remote/review/decisions.ts). Pages come from the line-offset index; a filtered view
 * is one streaming scan that keeps only the matching record numbers (4 bytes each), cached per filter until the
 * filter changes, the file grows or (for filters on review state) decisions are saved. Clients keep their list
 * steady while deciding by sending their unsaved decisions as `reviewOverrides` taken when the filter was applied.
 * Exports go through pairForTraining, so rejected pairs are left out and flips/edits are applied.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DecisionKind, JudgmentRecord, PairDecision, PairFilter, PairRecord, PairReviewView, PairView } from '../protocol';
import { trlRow, openAiDpoRow } from '../backends/rows';
import { writeFileAtomic } from '../store/atomic';
import { forEachJsonl, JsonlWriter } from '../store/jsonl';
import { applyDecision, emptyReview, foldDecisions, isReviewed, pairForTraining, type PairReview } from './decisions';
import { PairsIndex } from './pairsIndex';

export interface PairsPage {
  pairs: PairView[];
  /** pairs in the file */
  total: number;
  /** pairs matching the filter (= total without one) */
  matched: number;
  /** pairs with a review decision (accept/reject/flip/edit) */
  reviewed: number;
}

export interface ReviewCounts {
  total: number;
  reviewed: number;
  accepted: number;
  rejected: number;
  flipped: number;
  edited: number;
}

const KINDS: readonly DecisionKind[] = ['accept', 'reject', 'flip', 'edit', 'note', 'clear'];

/** Check a decision from outside (the editor, the agent's clients); the error names the field. */
export function validateDecision(d: unknown, where: string): PairDecision {
  const r = d as Partial<PairDecision> | null;
  if (!r || typeof r !== 'object') throw new Error(`${where}: a decision must be an object`);
  if (typeof r.pairId !== 'string' || !r.pairId) throw new Error(`${where}: field "pairId" must be a non-empty string`);
  if (!KINDS.includes(r.kind as DecisionKind)) throw new Error(`${where}: field "kind" must be one of ${KINDS.join(', ')}`);
  if (typeof r.ts !== 'string') throw new Error(`${where}: field "ts" must be an ISO time string`);
  if (r.id !== undefined && typeof r.id !== 'string') throw new Error(`${where}: field "id" must be a string`);
  if (r.kind === 'edit' && typeof r.chosenText !== 'string' && typeof r.rejectedText !== 'string')
    throw new Error(`${where}: an edit needs "chosenText" or "rejectedText"`);
  for (const f of ['chosenText', 'rejectedText', 'note'] as const)
    if (r[f] !== undefined && typeof r[f] !== 'string') throw new Error(`${where}: field "${f}" must be a string`);
  if (r.kind === 'note' && typeof r.note !== 'string') throw new Error(`${where}: a note needs "note"`);
  return r as PairDecision;
}

export function reviewView(r: PairReview | undefined): PairReviewView {
  const v = r ?? emptyReview();
  const out: PairReviewView = { state: v.state, flipped: v.flipped };
  if (v.chosenText !== undefined) out.chosenText = v.chosenText;
  if (v.rejectedText !== undefined) out.rejectedText = v.rejectedText;
  if (v.note) out.note = v.note; // an empty note is how a note is removed
  return out;
}

/** Share of the pair's judge samples that did not parse (null raw scores). */
export function parseFailureShare(p: PairRecord): number {
  const all = [...(p.chosen.scores ?? []), ...(p.rejected.scores ?? [])];
  return all.length ? all.filter((s) => s === null).length / all.length : 0;
}

/** chosen length / rejected length (characters); Infinity when the rejected answer is empty. */
export function lengthRatio(p: PairRecord): number {
  const c = p.chosen.chars ?? p.chosen.text.length;
  const r = p.rejected.chars ?? p.rejected.text.length;
  return r === 0 ? (c === 0 ? 1 : Infinity) : c / r;
}

export function isEmptyFilter(f: PairFilter | undefined): boolean {
  if (!f) return true;
  return !f.unreviewedOnly && !f.withParseFailures && !f.text && [f.minMargin, f.maxMargin, f.minLengthRatio, f.maxLengthRatio].every((x) => x === undefined || x === null);
}

/** A filter prepared for scanning many pairs (override lists as sets). */
export interface CompiledFilter {
  f: PairFilter;
  reviewed: Set<string>;
  unreviewed: Set<string>;
}

export function compileFilter(f: PairFilter): CompiledFilter {
  return { f, reviewed: new Set(f.reviewOverrides?.reviewed ?? []), unreviewed: new Set(f.reviewOverrides?.unreviewed ?? []) };
}

export function matchesFilter(p: PairRecord, review: PairReviewView | undefined, filter: PairFilter | CompiledFilter): boolean {
  const c = 'reviewed' in filter && filter.reviewed instanceof Set ? (filter as CompiledFilter) : compileFilter(filter as PairFilter);
  const f = c.f;
  if (f.unreviewedOnly) {
    const reviewed = c.reviewed.has(p.id) ? true : c.unreviewed.has(p.id) ? false : isReviewed(review as PairReview | undefined);
    if (reviewed) return false;
  }
  if (f.minMargin != null && !(p.margin >= f.minMargin)) return false;
  if (f.maxMargin != null && !(p.margin <= f.maxMargin)) return false;
  if (f.minLengthRatio != null || f.maxLengthRatio != null) {
    const lr = lengthRatio(p);
    if (f.minLengthRatio != null && !(lr >= f.minLengthRatio)) return false;
    if (f.maxLengthRatio != null && !(lr <= f.maxLengthRatio)) return false;
  }
  if (f.withParseFailures && parseFailureShare(p) === 0) return false;
  if (f.text) {
    const q = f.text.toLowerCase();
    const hay = [p.prompt, p.chosen.text, p.rejected.text, review?.chosenText, review?.rejectedText, review?.note];
    if (!hay.some((s) => typeof s === 'string' && s.toLowerCase().includes(q))) return false;
  }
  return true;
}

/** Growable list of record numbers (4 bytes each). */
class LineList {
  private a = new Uint32Array(1024);
  length = 0;
  push(i: number): void {
    if (this.length === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = i;
  }
  at(k: number): number {
    return this.a[k];
  }
}

export class PairsService {
  readonly index: PairsIndex;
  private reviews: Map<string, PairReview>;
  private appliedIds = new Set<string>();
  private writer: JsonlWriter<PairDecision> | undefined;
  private filtered: { key: string; count: number; version: number; lines: LineList } | undefined;
  /** bumped by every applied decision: a filter on review state (or on edited texts/notes) is then stale */
  private version = 0;

  /**
   * @param decisionsWriter the appender to use for decisions.jsonl (the daemon passes its run's single writer);
   *   by default the service opens its own.
   */
  constructor(
    readonly pairsFile: string,
    readonly decisionsFile: string,
    private readonly decisionsWriter?: () => JsonlWriter<PairDecision>,
  ) {
    this.index = PairsIndex.build(pairsFile);
    const decisions: PairDecision[] = [];
    forEachJsonl<PairDecision>(decisionsFile, (d) => {
      decisions.push(d);
      if (d.id) this.appliedIds.add(d.id);
    });
    this.reviews = foldDecisions(decisions);
  }

  /** The decisions file conventionally beside a pairs file: x.pairs.jsonl → x.decisions.jsonl, pairs.jsonl → decisions.jsonl. */
  static decisionsFileFor(pairsFile: string): string {
    const base = path.basename(pairsFile);
    const name = base === 'pairs.jsonl' ? 'decisions.jsonl' : base.replace(/(\.pairs)?\.jsonl$/, '') + '.decisions.jsonl';
    return path.join(path.dirname(pairsFile), name);
  }

  /** Pick up records appended since the index was built. */
  refresh(): void {
    const before = this.index.count;
    if (this.index.refresh() !== before) this.filtered = undefined;
  }

  review(pairId: string): PairReviewView {
    return reviewView(this.reviews.get(pairId));
  }

  private view(p: PairRecord, i: number): PairView {
    const r = this.reviews.get(p.id);
    const v: PairView = { ...p, parseFailures: parseFailureShare(p), review: reviewView(r), index: i };
    if (r?.last) v.decision = r.last;
    return v;
  }

  /** Record numbers matching `filter`, from one streaming scan (cached until the filter changes or the file grows). */
  private matching(filter: PairFilter): LineList {
    const key = JSON.stringify(filter);
    const reviewDependent = !!(filter.unreviewedOnly || filter.text);
    const f = this.filtered;
    if (f && f.key === key && f.count === this.index.count && (!reviewDependent || f.version === this.version)) return f.lines;
    const lines = new LineList();
    const count = this.index.count;
    const compiled = compileFilter(filter);
    this.index.forEach<PairRecord>((p, i) => {
      if (matchesFilter(p, this.reviews.get(p.id), compiled)) lines.push(i);
    });
    this.filtered = { key, count, version: this.version, lines };
    return lines;
  }

  /** Drop the cached filtered list (the editor's "re-apply filter"). */
  invalidateFilter(): void {
    this.filtered = undefined;
  }

  read(offset: number, limit: number, filter?: PairFilter): PairsPage {
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`pairs/read: "offset" must be a non-negative integer`);
    if (!Number.isInteger(limit) || limit < 0 || limit > 10_000) throw new Error(`pairs/read: "limit" must be an integer in 0..10000`);
    const total = this.index.count;
    const reviewed = this.reviewedCount();
    if (isEmptyFilter(filter)) {
      const pairs = this.index.read<PairRecord>(offset, limit).map((p, k) => this.view(p, offset + k));
      return { pairs, total, matched: total, reviewed };
    }
    const lines = this.matching(filter!);
    const pairs: PairView[] = [];
    // Consecutive matches are read as one byte range.
    for (let k = offset; k < Math.min(lines.length, offset + limit); ) {
      const first = lines.at(k);
      let run = 1;
      while (k + run < Math.min(lines.length, offset + limit) && lines.at(k + run) === first + run) run++;
      this.index.read<PairRecord>(first, run).forEach((p, j) => pairs.push(this.view(p, first + j)));
      k += run;
    }
    return { pairs, total, matched: lines.length, reviewed };
  }

  /** Every pair matching `filter` with its review (ids only — for bulk actions). */
  ids(filter?: PairFilter): { id: string; review: PairReviewView }[] {
    const out: { id: string; review: PairReviewView }[] = [];
    const compiled = filter && compileFilter(filter);
    this.index.forEach<PairRecord>((p) => {
      if (!compiled || matchesFilter(p, this.reviews.get(p.id), compiled)) out.push({ id: p.id, review: reviewView(this.reviews.get(p.id)) });
    });
    return out;
  }

  /**
   * Append decisions (one write each, then one fsync). A decision whose id was already applied is skipped, so a
   * client re-sending after a lost reply does not apply it twice (a flip applied twice would undo itself).
   * Returns the decisions that were applied.
   */
  decide(decisions: readonly PairDecision[]): PairDecision[] {
    const valid = decisions.map((d, k) => validateDecision(d, `decision ${k}`));
    const w = this.decisionsWriter?.() ?? (this.writer ??= JsonlWriter.open<PairDecision>(this.decisionsFile));
    const applied: PairDecision[] = [];
    for (const d of valid) {
      if (d.id && this.appliedIds.has(d.id)) continue;
      w.append(d);
      if (d.id) this.appliedIds.add(d.id);
      this.reviews.set(d.pairId, applyDecision(this.reviews.get(d.pairId) ?? emptyReview(), d));
      applied.push(d);
    }
    if (applied.length) {
      w.sync();
      this.version++;
    }
    return applied;
  }

  reviewedCount(): number {
    let n = 0;
    for (const r of this.reviews.values()) if (isReviewed(r)) n++;
    return n;
  }

  counts(): ReviewCounts {
    const c: ReviewCounts = { total: this.index.count, reviewed: 0, accepted: 0, rejected: 0, flipped: 0, edited: 0 };
    for (const r of this.reviews.values()) {
      if (!isReviewed(r)) continue;
      c.reviewed++;
      if (r.state === 'rejected') c.rejected++;
      else {
        c.accepted++;
        if (r.state === 'flipped' || r.flipped) c.flipped++;
        if (r.chosenText !== undefined || r.rejectedText !== undefined) c.edited++;
      }
    }
    return c;
  }

  /** Every pair with its review, a page at a time (bounded memory). */
  *entries(pageSize = 1000): Generator<{ pair: PairRecord; review: PairReviewView | undefined }> {
    const count = this.index.count;
    for (let start = 0; start < count; start += pageSize)
      for (const pair of this.index.read<PairRecord>(start, Math.min(pageSize, count - start)))
        yield { pair, review: this.reviews.has(pair.id) ? reviewView(this.reviews.get(pair.id)) : undefined };
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }
}

/** The judgments file conventionally beside a pairs file (pairs.jsonl → judgments.jsonl, x.pairs.jsonl → x.judgments.jsonl). */
export function judgmentsFileFor(pairsFile: string): string {
  const base = path.basename(pairsFile);
  const name = base === 'pairs.jsonl' ? 'judgments.jsonl' : base.replace(/(\.pairs)?\.jsonl$/, '') + '.judgments.jsonl';
  return path.join(path.dirname(pairsFile), name);
}

/**
 * The judge samples of a few candidates (a pair's two, for its justifications): one streaming pass over
 * judgments.jsonl keeping only theirs. A missing file means no justifications.
 */
export function judgmentsFor(file: string, candidateIds: readonly string[], limit = 200): JudgmentRecord[] {
  if (candidateIds.length > 100) throw new Error(`pairs/judgments: at most 100 candidate ids per request, got ${candidateIds.length}`);
  const want = new Set(candidateIds);
  const out: JudgmentRecord[] = [];
  forEachJsonl<JudgmentRecord>(file, (j) => {
    if (want.has(j.candidateId)) out.push(j);
    return out.length < limit;
  });
  return out.sort((a, b) => (a.candidateId === b.candidateId ? a.sample - b.sample : candidateIds.indexOf(a.candidateId) - candidateIds.indexOf(b.candidateId)));
}

// ---------------------------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------------------------

export type ExportFormat = 'trl-standard' | 'trl-conversational' | 'openai-dpo' | 'hf-dataset';

export const EXPORT_FORMATS: { format: ExportFormat; label: string; detail: string; folder: boolean }[] = [
  { format: 'trl-standard', label: 'TRL JSONL (standard)', detail: '{"prompt", "chosen", "rejected"} strings', folder: false },
  { format: 'trl-conversational', label: 'TRL JSONL (conversational)', detail: 'prompt/chosen/rejected as chat messages', folder: false },
  { format: 'openai-dpo', label: 'OpenAI DPO JSONL', detail: 'input.messages / preferred_output / non_preferred_output', folder: false },
  { format: 'hf-dataset', label: 'Hugging Face dataset folder', detail: 'train.jsonl + README.md dataset card', folder: true },
];

export interface ExportOptions {
  /** true: only reviewed, kept pairs (the review gate's rule); false: every pair not rejected */
  reviewedOnly: boolean;
  /** shown in the dataset card: run id, iteration, source file, model, rubric hash… */
  provenance: Record<string, string | number>;
  /** row format inside a Hugging Face folder (default standard) */
  hfRowFormat?: 'standard' | 'conversational';
  name?: string;
}

export interface ExportResult {
  rows: number;
  excluded: number;
  files: string[];
}

type Entry = { pair: PairRecord; review: PairReviewView | undefined };

function rowFor(format: ExportFormat, t: { prompt: string; chosen: string; rejected: string }, hf: 'standard' | 'conversational'): unknown {
  switch (format) {
    case 'trl-standard':
      return trlRow(t, 'standard');
    case 'trl-conversational':
      return trlRow(t, 'conversational');
    case 'openai-dpo':
      return openAiDpoRow(t);
    case 'hf-dataset':
      return trlRow(t, hf);
  }
}

/** Stream training rows of the kept pairs into `file` (temp + fsync + rename, so a reader never sees half an export). */
async function writeRows(entries: AsyncIterable<Entry> | Iterable<Entry>, file: string, format: ExportFormat, opts: ExportOptions): Promise<{ rows: number; excluded: number }> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.rmSync(tmp, { force: true });
  const w = JsonlWriter.open<unknown>(tmp);
  let rows = 0;
  let excluded = 0;
  try {
    for await (const { pair, review } of entries) {
      const t = pairForTraining(pair, review as PairReview | undefined, opts.reviewedOnly);
      if (!t) {
        excluded++;
        continue;
      }
      w.append(rowFor(format, t, opts.hfRowFormat ?? 'standard'));
      rows++;
    }
    w.sync();
  } catch (e) {
    w.close();
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  w.close();
  fs.renameSync(tmp, file);
  return { rows, excluded };
}

export function sizeCategory(n: number): string {
  if (n < 1_000) return 'n<1K';
  if (n < 10_000) return '1K<n<10K';
  if (n < 100_000) return '10K<n<100K';
  if (n < 1_000_000) return '100K<n<1M';
  return '1M<n<10M';
}

export function datasetCard(rows: number, excluded: number, opts: ExportOptions): string {
  const name = opts.name ?? 'Self-rewarding preference pairs';
  const format = opts.hfRowFormat ?? 'standard';
  const prov = Object.entries(opts.provenance).map(([k, v]) => `- ${k}: ${String(v).replace(/[\r\n]+/g, ' ')}`);
  return [
    '---',
    `pretty_name: ${JSON.stringify(name)}`,
    'task_categories:',
    '- text-generation',
    'tags:',
    '- dpo',
    '- preference',
    '- self-rewarding',
    '- synthetic',
    'size_categories:',
    `- ${sizeCategory(rows)}`,
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: train',
    '    path: train.jsonl',
    '---',
    '',
    `# ${name.replace(/[\r\n]+/g, ' ')}`,
    '',
    'Preference pairs (prompt, chosen, rejected) made by a model judging its own answers with an additive 5-point',
    'rubric (Self-Rewarding Language Models, Yuan et al. 2024): the best and worst scored answers of each prompt.',
    '',
    `- Rows: ${rows} (${excluded} pairs excluded: rejected in review${opts.reviewedOnly ? ' or not reviewed' : ''})`,
    `- Row format: TRL ${format} (${format === 'standard' ? '`prompt`, `chosen`, `rejected` strings' : 'chat messages with `role` and `content`'}), for DPO training`,
    `- Review: ${opts.reviewedOnly ? 'only pairs a person accepted, flipped or edited' : 'every pair not rejected; flips and edits applied'}`,
    '',
    '## Provenance',
    '',
    ...prov,
    `- exported: ${new Date().toISOString()} by selfreward`,
    '',
  ].join('\n');
}

/**
 * Export the pairs as training data. `out` is a file for the JSONL formats and a folder for `hf-dataset`.
 * `entries` may be any (async) stream of pairs with reviews: the service's own, or pages from a remote agent.
 */
export async function exportPairs(entries: AsyncIterable<Entry> | Iterable<Entry>, format: ExportFormat, out: string, opts: ExportOptions): Promise<ExportResult> {
  if (format !== 'hf-dataset') {
    const r = await writeRows(entries, out, format, opts);
    return { ...r, files: [out] };
  }
  fs.mkdirSync(out, { recursive: true });
  const train = path.join(out, 'train.jsonl');
  const r = await writeRows(entries, train, format, opts);
  const card = path.join(out, 'README.md');
  writeFileAtomic(card, datasetCard(r.rows, r.excluded, opts));
  return { ...r, files: [train, card] };
}
