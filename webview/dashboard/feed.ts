/**
 * The live feed's data: one row per prompt, per candidate (with its K judge samples merged in), per pair and per
 * judge pair (the meta-judge's, when it runs), built from the run's record events; plus filtering. Pure (no DOM): unit tests and the benchmark run it in Node.
 */
import type { JudgmentRecord, PromptRecord, RunEvent } from '../../remote/protocol';
import type { FeedFilter, FeedKind } from './protocol';
import { meanScore } from '../../remote/stats';

export interface JudgeSample {
  sample: number;
  score: number | null;
  parseOk: boolean;
  text: string;
  error?: string;
}

export interface FeedRow {
  id: string;
  kind: FeedKind;
  seq: number;
  iteration: number;
  promptId: string;
  /** prompt text (prompt rows, pairs) or the answer (candidates) */
  text: string;
  chars: number;
  /** candidates: mean of the valid judge samples; pairs: chosen score */
  score: number | null;
  judgments: JudgeSample[];
  parseFailures: number;
  /** prompts: dropped with a reason; candidates/judgments: request error */
  note?: string;
  /** pairs: rejected side */
  rejected?: { text: string; score: number; scores: (number | null)[] };
  chosenScores?: (number | null)[];
  margin?: number;
  /** judge pairs: the answer the two judgments judged, and the meta-judge's reason */
  judged?: string;
  reason?: string;
  /** lower-cased text for search, built lazily */
  lc?: string;
}

export class FeedStore {
  readonly rows: FeedRow[] = [];
  private byId = new Map<string, FeedRow>();
  private prompts = new Map<string, PromptRecord>();
  /** judgments that arrived before their candidate (possible after a catch-up page boundary) */
  private orphanJudgments = new Map<string, JudgmentRecord[]>();
  private iterationSet = new Set<number>();
  /** highest record seq ingested */
  seq = 0;
  /** bumped whenever an existing row changes (scores), so views know to refilter */
  version = 0;
  /** bumped by clear(): rows from before are gone */
  generation = 0;
  /** rows changed in place (a judgment arrived) since the view last took them (takeChanged) */
  private changed = new Set<FeedRow>();

  /** Ingest events in seq order; returns how many rows were added or changed. */
  ingest(events: readonly RunEvent[]): number {
    let changed = 0;
    for (const ev of events) {
      if (ev.seq <= this.seq) continue;
      this.seq = ev.seq;
      switch (ev.type) {
        case 'prompt': {
          const r = ev.record;
          this.prompts.set(r.id, r);
          this.add({ id: r.id, kind: 'prompt', seq: ev.seq, iteration: r.iteration, promptId: r.id, text: r.text, chars: r.text.length, score: null, judgments: [], parseFailures: 0, note: r.kept ? undefined : (r.dropReason ?? 'dropped') + (r.error ? `: ${r.error}` : '') });
          changed++;
          break;
        }
        case 'candidate': {
          const r = ev.record;
          const row: FeedRow = { id: r.id, kind: 'candidate', seq: ev.seq, iteration: r.iteration, promptId: r.promptId, text: r.text, chars: r.chars, score: null, judgments: [], parseFailures: 0, note: r.error };
          this.add(row);
          for (const j of this.orphanJudgments.get(r.id) ?? []) addJudgment(row, j);
          this.orphanJudgments.delete(r.id);
          changed++;
          break;
        }
        case 'judgment': {
          const j = ev.record;
          const row = this.byId.get(j.candidateId);
          if (!row) {
            const list = this.orphanJudgments.get(j.candidateId) ?? [];
            list.push(j);
            this.orphanJudgments.set(j.candidateId, list);
            break;
          }
          addJudgment(row, j);
          this.changed.add(row);
          this.version++;
          changed++;
          break;
        }
        case 'pair': {
          const p = ev.record;
          this.add({
            id: p.id, kind: 'pair', seq: ev.seq, iteration: p.iteration, promptId: p.promptId, text: p.chosen.text, chars: p.chosen.chars, score: p.chosen.score,
            judgments: [], parseFailures: [...p.chosen.scores, ...p.rejected.scores].filter((s) => s === null).length,
            rejected: { text: p.rejected.text, score: p.rejected.score, scores: p.rejected.scores }, chosenScores: p.chosen.scores, margin: p.margin,
          });
          changed++;
          break;
        }
        case 'judge-pair': {
          const p = ev.record;
          this.add({
            id: p.id, kind: 'judge-pair', seq: ev.seq, iteration: p.iteration, promptId: p.promptId, text: p.chosen.text, chars: p.chosen.chars, score: p.chosen.score,
            judgments: [], parseFailures: 0, rejected: { text: p.rejected.text, score: p.rejected.score, scores: p.rejected.scores }, margin: p.margin, judged: p.response, reason: p.reason,
          });
          changed++;
          break;
        }
        default:
          break;
      }
    }
    return changed;
  }

  /** The rows changed in place since the last call. */
  takeChanged(): ReadonlySet<FeedRow> {
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  promptText(promptId: string): string | undefined {
    return this.prompts.get(promptId)?.text;
  }

  get(id: string): FeedRow | undefined {
    return this.byId.get(id);
  }

  iterations(): number[] {
    return [...this.iterationSet].sort((a, b) => a - b);
  }

  clear(): void {
    this.rows.length = 0;
    this.byId.clear();
    this.prompts.clear();
    this.orphanJudgments.clear();
    this.iterationSet.clear();
    this.changed.clear();
    this.seq = 0;
    this.version++;
    this.generation++;
  }

  private add(row: FeedRow): void {
    if (this.byId.has(row.id)) return; // a record replayed under a new seq (resumed stage) stays one row
    this.byId.set(row.id, row);
    this.rows.push(row);
    this.iterationSet.add(row.iteration);
  }
}

function addJudgment(row: FeedRow, j: JudgmentRecord): void {
  if (row.judgments.some((s) => s.sample === j.sample)) return;
  row.judgments.push({ sample: j.sample, score: j.score, parseOk: j.parseOk, text: j.text, error: j.error });
  row.judgments.sort((a, b) => a.sample - b.sample);
  row.score = meanScore(row.judgments.map((s) => s.score));
  row.parseFailures = row.judgments.filter((s) => !s.parseOk).length;
  row.lc = undefined;
}

export function matches(row: FeedRow, f: FeedFilter, needle: string): boolean {
  if (f.iteration !== undefined && row.iteration !== f.iteration) return false;
  if (f.kind !== undefined && row.kind !== f.kind) return false;
  if (f.minScore !== undefined && !(row.score !== null && row.score >= f.minScore)) return false;
  if (f.maxScore !== undefined && !(row.score !== null && row.score <= f.maxScore)) return false;
  if (f.parseFailuresOnly && row.parseFailures === 0) return false;
  if (needle) {
    row.lc ??= (row.text + '\n' + row.judgments.map((j) => j.text).join('\n') + (row.rejected ? '\n' + row.rejected.text : '') + (row.note ? '\n' + row.note : '')).toLowerCase();
    if (!row.lc.includes(needle)) return false;
  }
  return true;
}

/** Indices of the rows that pass the filter, in feed order. */
export function filterRows(rows: readonly FeedRow[], f: FeedFilter): number[] {
  const needle = (f.text ?? '').trim().toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < rows.length; i++) if (matches(rows[i], f, needle)) out.push(i);
  return out;
}
