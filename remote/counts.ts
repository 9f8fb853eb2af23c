/**
 * The one definition of every count the tool shows. The agent (CLI progress line, demo table, report, metrics.json)
 * and the views (reducer, runs tree, stage cards, iteration table, notifications) all read their numbers and labels
 * from here, so "judgments" means the same thing everywhere and nothing reports more than happened.
 *
 * Definitions (the files they equal):
 *   prompts kept        kept lines of prompts.jsonl (drops are retried up to the attempt limit)
 *   candidates          lines of candidates.jsonl (N per kept prompt)
 *   candidates judged   distinct candidates with judge samples in judgments.jsonl
 *   judge samples       lines of judgments.jsonl = K × candidates judged
 *   pairs               lines of pairs.jsonl
 *   pairs trained       actor pairs in train/train.jsonl (manifest training counts `rows`)
 *   pairs excluded      pairs − pairs trained (rejected in review, or unreviewed with the review gate on)
 * With the meta-judge on (Meta-Rewarding):
 *   verdicts            lines of meta-judgments.jsonl (both orders of every judgment pair asked)
 *   judge pairs         lines of judge-pairs.jsonl
 *   judge pairs trained judge pairs in train/train.jsonl after the actor pairs (manifest training counts `judgeRows`);
 *                       train.jsonl holds rows + judgeRows lines
 *
 * A stage's progress (`done/total` of stage.progress) counts its own unit, named by STAGE_UNITS: the judgments stage
 * counts candidates judged, not judge samples. Stages this module does not know (new stages added by other
 * features) count "items" and show their finished counts as they are. Pure: no Node, no DOM.
 */
import type { IterationSummary, StageState, TrainMetrics } from './protocol';

export interface StageUnit {
  /** what done/total count, e.g. "candidates judged" */
  unit: string;
  /** one sentence for tooltips */
  hint: string;
}

/** The unit of each known stage's progress; other stages count "items". */
export const STAGE_UNITS: Readonly<Record<string, StageUnit>> = {
  prompts: { unit: 'prompts kept', hint: 'new prompts kept, of the number wanted (dropped prompts are retried)' },
  candidates: { unit: 'prompts answered', hint: 'prompts whose N candidate answers are written' },
  judgments: { unit: 'candidates judged', hint: 'candidates whose K judge samples are written (judge samples = K × candidates judged)' },
  pairs: { unit: 'prompts paired', hint: 'prompts turned into a preference pair or dropped (tie, too few scored answers)' },
  review: { unit: 'pairs reviewed', hint: 'pairs a person accepted, flipped, edited or rejected' },
  training: { unit: 'pairs', hint: 'training rows: the pairs that train; the rest are excluded by the review' },
  'meta-judge': { unit: 'verdict requests', hint: 'meta-judge requests answered: every two judgments of the least certain candidates, in each order' },
};

export function stageUnit(stage: string): StageUnit {
  return STAGE_UNITS[stage] ?? { unit: 'items', hint: `${stage}: items done of the items to do` };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${fmtCount(n)} ${n === 1 ? one : many}`;

/** Integers with thousands separators (the same in every view). */
export function fmtCount(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

/** Pairs trained and excluded, from a training stage's counts (`rows`, `excluded`) or a summary. */
export function trainedPairs(src: { rows?: number; excluded?: number } | IterationSummary | undefined): { trained: number; excluded: number } | undefined {
  if (!src) return undefined;
  if ('trainedPairs' in src && typeof src.trainedPairs === 'number') return { trained: src.trainedPairs, excluded: src.excludedPairs ?? 0 };
  const c = src as { rows?: number; excluded?: number };
  if (typeof c.rows === 'number') return { trained: c.rows, excluded: c.excluded ?? 0 };
  return undefined;
}

/** "40 pairs · 2 trained · 38 excluded" (or "40 pairs" before training). */
export function pairsText(s: Pick<IterationSummary, 'pairs'> & Partial<IterationSummary>): string {
  const t = trainedPairs(s as IterationSummary);
  return t ? `${plural(s.pairs, 'pair')} · ${fmtCount(t.trained)} trained · ${fmtCount(t.excluded)} excluded` : plural(s.pairs, 'pair');
}

/** One line for notifications and the tree: pairs with trained/excluded, ties, parse failures. */
export function summaryLine(s: IterationSummary): string {
  return `${pairsText(s)}, ${plural(s.ties, 'tie')}, parse failures ${fmtPct(s.parseFailureRate)}`;
}

export function fmtPct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)} %`;
}

const fmtNum = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(digits));

/** What a stage card, the tree and the progress line say about a stage: the count in its unit, plus detail. */
export interface StageCountText {
  /** "120/160 candidates judged" or, once done, the finished counts: "160 candidates judged · 480 judge samples" */
  text: string;
  /** tooltip: the unit's definition */
  title: string;
}

/** Finished counts of the known stages (manifest `counts` of stage.finished). */
function finishedText(stage: string, c: Record<string, number>): string | undefined {
  const n = (k: string): number => c[k] ?? 0;
  const dropped = Object.entries(c).filter(([k]) => k.startsWith('dropped.'));
  switch (stage) {
    case 'prompts':
      return c.kept === undefined ? undefined : `${plural(n('kept'), 'prompt')} kept${n('attempts') > n('kept') ? ` · ${fmtCount(n('attempts') - n('kept'))} dropped` : ''}`;
    case 'candidates':
      return c.candidates === undefined ? undefined : `${plural(n('candidates'), 'candidate')} for ${plural(n('prompts'), 'prompt')}`;
    case 'judgments':
      return c.judgments === undefined ? undefined : `${fmtCount(n('candidates'))} candidates judged · ${plural(n('judgments'), 'judge sample')}${n('parseFailures') ? ` · ${fmtCount(n('parseFailures'))} unparsed` : ''}`;
    case 'pairs':
      return c.pairs === undefined ? undefined : `${plural(n('pairs'), 'pair')}${dropped.map(([k, v]) => ` · ${k === 'dropped.tie' ? plural(v, 'tie') : `${fmtCount(v)} ${k.slice(8).replace(/_/g, ' ')}`}`).join('')}`;
    case 'training': {
      const t = trainedPairs(c);
      return t ? `${fmtCount(t.trained)} trained · ${fmtCount(t.excluded)} excluded${c.judgeRows !== undefined ? ` · ${plural(n('judgeRows'), 'judge pair')}` : ''}` : undefined;
    }
    case 'meta-judge':
      return c.judgePairs === undefined ? undefined : `${plural(n('judgePairs'), 'judge pair')} · ${plural(n('verdicts'), 'verdict')}${n('unreadable') ? ` · ${fmtCount(n('unreadable'))} unreadable` : ''}${dropped.map(([k, v]) => ` · ${fmtCount(v)} ${k.slice(8).replace(/_/g, ' ')}`).join('')}`;
    default:
      return undefined;
  }
}

/**
 * The count text of a stage. `train`: the iteration's training metrics (a running training stage shows its step).
 * Unknown stages show done/total items, and their finished counts as "key value" pairs.
 */
/** A stage as the views hold it (its name is any string: other features add stages). */
export type StageLike = Pick<StageState, 'status' | 'done' | 'total' | 'failed' | 'counts'> & { stage: string };

export function stageCountText(st: StageLike, train?: readonly TrainMetrics[]): StageCountText {
  const u = stageUnit(st.stage);
  const failed = st.failed ? ` · ${fmtCount(st.failed)} failed` : '';
  if (st.status === 'done' && st.counts) {
    const known = finishedText(st.stage, st.counts);
    const text = known ?? Object.entries(st.counts).map(([k, v]) => `${k} ${fmtCount(v)}`).join(' · ');
    if (text) return { text, title: u.hint };
  }
  if (st.stage === 'training' && st.status === 'running') {
    const last = train?.[train.length - 1];
    if (last) return { text: `step ${fmtCount(last.step)}${last.totalSteps ? `/${fmtCount(last.totalSteps)}` : ''} · ${plural(st.total, 'pair')} in`, title: 'trainer steps done of the steps planned' };
  }
  if (st.stage === 'review' && st.status === 'waiting') return { text: `${plural(st.total, 'pair')} to review`, title: u.hint };
  if (st.status === 'pending' && st.total === 0) return { text: 'not started', title: u.hint };
  return { text: `${fmtCount(st.done)}/${fmtCount(st.total)} ${u.unit}${failed}`, title: u.hint };
}

/** A row of the per-iteration tables (demo/CLI table, report, dashboard table): label + value from metrics.json. */
export interface IterationCount {
  key: string;
  label: string;
  hint: string;
  value(s: IterationSummary): string;
}

const sumValues = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** The per-iteration numbers, in table order. Every view that lists them uses these labels and values. */
export const ITERATION_COUNTS: readonly IterationCount[] = [
  { key: 'promptsKept', label: 'prompts kept', hint: 'kept lines of prompts.jsonl', value: (s) => fmtCount(s.promptsKept) },
  { key: 'promptsDropped', label: 'prompts dropped', hint: 'generated prompts dropped by the filters (prompts.jsonl, kept = false)', value: (s) => fmtCount(sumValues(s.promptsDropped)) },
  { key: 'candidates', label: 'candidates', hint: 'lines of candidates.jsonl (N per kept prompt)', value: (s) => fmtCount(s.candidates) },
  { key: 'candidatesJudged', label: 'candidates judged', hint: 'candidates with judge samples', value: (s) => (s.candidatesJudged === undefined ? '–' : fmtCount(s.candidatesJudged)) },
  { key: 'judgments', label: 'judge samples', hint: 'lines of judgments.jsonl (K per candidate judged)', value: (s) => fmtCount(s.judgments) },
  { key: 'parseFailures', label: 'parse failures', hint: 'judge samples without a readable score, of those answered', value: (s) => `${fmtCount(s.parseFailures)} (${fmtPct(s.parseFailureRate)})` },
  { key: 'ties', label: 'ties', hint: 'prompts whose best and worst answers scored the same (no pair)', value: (s) => fmtCount(s.ties) },
  { key: 'pairs', label: 'pairs', hint: 'lines of pairs.jsonl', value: (s) => fmtCount(s.pairs) },
  { key: 'trainedPairs', label: 'pairs trained', hint: 'lines of train/train.jsonl', value: (s) => (trainedPairs(s) ? fmtCount(trainedPairs(s)!.trained) : '–') },
  { key: 'excludedPairs', label: 'pairs excluded', hint: 'pairs left out of training by the review (rejected, or unreviewed with the gate on)', value: (s) => (trainedPairs(s) ? fmtCount(trainedPairs(s)!.excluded) : '–') },
  { key: 'meanChosenScore', label: 'mean chosen score', hint: 'mean judge score of the chosen answers', value: (s) => fmtNum(s.meanChosenScore) },
  { key: 'meanRejectedScore', label: 'mean rejected score', hint: 'mean judge score of the rejected answers', value: (s) => fmtNum(s.meanRejectedScore) },
  { key: 'meanCandidateChars', label: 'mean answer length', hint: 'mean characters of the answered candidates', value: (s) => (s.meanCandidateChars === null ? '–' : `${fmtCount(s.meanCandidateChars)} chars`) },
  { key: 'trainLoss', label: 'training loss', hint: 'the trainer’s last reported DPO loss', value: (s) => fmtNum(s.trainLoss, 4) },
  { key: 'trainRewardMargin', label: 'reward margin', hint: 'the trainer’s last reported reward margin (chosen − rejected)', value: (s) => fmtNum(s.trainRewardMargin, 4) },
  { key: 'model', label: 'model', hint: 'the model the iteration ran → the model it trained (paths in metrics.json modelInPath / modelOutPath)', value: (s) => `${s.modelIn ?? '?'} → ${s.modelOut ?? '–'}` },
  { key: 'failedItems', label: 'failed requests', hint: 'prompts, candidates and judge samples whose request failed after every retry', value: (s) => fmtCount(s.failedItems) },
];

const hist = (h: Record<string, number> | undefined): string => Object.entries(h ?? {}).sort((a, b) => Number(a[0]) - Number(b[0])).map(([k, v]) => `${k}:${v}`).join(' ') || '–';

/** The meta-judge's per-iteration numbers (iterations that ran it), in table order. */
export const META_ITERATION_COUNTS: readonly IterationCount[] = [
  { key: 'metaVerdicts', label: 'meta-judge verdicts', hint: 'lines of meta-judgments.jsonl, with those without a readable winner', value: (s) => `${fmtCount(s.metaVerdicts ?? 0)} (${fmtCount(s.metaUnreadable ?? 0)} unreadable)` },
  { key: 'metaFirstPositionRate', label: 'picked position A', hint: 'readable verdicts that picked the judgment shown first (50 % = no positional bias)', value: (s) => fmtPct(s.metaFirstPositionRate) },
  { key: 'judgePairs', label: 'judge pairs', hint: 'lines of judge-pairs.jsonl', value: (s) => fmtCount(s.judgePairs ?? 0) },
  { key: 'judgePairsDropped', label: 'judge pairs dropped', hint: 'candidates the meta-judge saw that gave no judge pair, by reason', value: (s) => Object.entries(s.judgePairsDropped ?? {}).map(([k, v]) => `${k.replace(/_/g, ' ')} ${fmtCount(v)}`).join(', ') || '0' },
  { key: 'judgeRows', label: 'judge pairs trained', hint: 'judge pairs in train/train.jsonl (within metaJudge.maxJudgeShare and the review)', value: (s) => (s.judgeRows === undefined ? '–' : fmtCount(s.judgeRows)) },
  { key: 'judgeChosenScores', label: 'chosen judgment scores', hint: 'score → judge pairs whose better judgment gave it (drift towards high scores shows here)', value: (s) => hist(s.judgeChosenScores) },
];

/** The label of a count of ITERATION_COUNTS (for views that compute the value themselves, e.g. the report). */
export function countLabel(key: string): string {
  const c = ITERATION_COUNTS.find((x) => x.key === key);
  if (!c) throw new Error(`no count "${key}" in remote/counts.ts`);
  return c.label;
}
