/** Messages between the pairs editor webview and its host (types only: imported by both sides). */
import type { JudgmentRecord, PairDecision, PairFilter, PairView } from '../../remote/protocol';

export type DecisionDraft = Omit<PairDecision, 'ts' | 'id'>;
export type BulkKind = 'accept' | 'reject' | 'clear';

export type PairsToHost =
  | { type: 'ready' }
  | { type: 'page'; reqId: number; offset: number; limit: number; filter?: PairFilter }
  | { type: 'decide'; label: string; decisions: DecisionDraft[] }
  | { type: 'bulk'; filter?: PairFilter; kind: BulkKind }
  | { type: 'undo' }
  | { type: 'redo' }
  /** re-apply the filter to the current review state (the filtered list is a snapshot while reviewing) */
  | { type: 'refilter' }
  | { type: 'judgments'; pairId: string; candidateIds: string[] }
  /** `confirmed`: the user saw what a partial or unsaved review leaves out (confirmComplete) and went on */
  | { type: 'completeReview'; confirmed?: boolean }
  | { type: 'export' };

export interface PageMessage {
  type: 'page';
  reqId: number;
  offset: number;
  pairs: PairView[];
  total: number;
  matched: number;
  reviewed: number;
}

export type PairsToWebview =
  | {
      type: 'init';
      title: string;
      /** VS Code routes Ctrl+Z / Ctrl+Y in the webview to its own undo; the page then leaves those keys alone */
      hostHandlesUndoKeys: boolean;
      canExport: boolean;
    }
  | PageMessage
  | { type: 'changed'; dirty: boolean; queued: number }
  | { type: 'judgments'; pairId: string; judgments: JudgmentRecord[]; available: boolean }
  | { type: 'gate'; supported: boolean; gate: boolean; complete: boolean }
  | { type: 'notice'; level: 'info' | 'error'; message: string }
  /** Complete review would leave pairs out (gate on, some unreviewed) or save pending decisions: ask first. */
  | { type: 'confirmComplete'; total: number; reviewed: number; train: number; rejected: number; unreviewed: number; unsaved: number };

export interface PairsWebviewState {
  filter: PairFilter;
  offset: number;
  cursor: number;
  showDiff: boolean;
  showJudgments?: boolean;
}
