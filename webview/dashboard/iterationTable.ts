/**
 * The iteration table: a column per count of remote/counts.ts (same labels and values as the CLI table and the
 * report) plus status, models and rubric. Finished iterations show their summary (metrics.json); a running one is
 * counted live from the feed and its stages, with "–" where a number is not known yet.
 */
import type { IterationState, IterationSummary, RunSnapshot } from '../../remote/protocol';
import { ITERATION_COUNTS, trainedPairs } from '../../remote/counts';
import { mean } from '../../remote/stats';
import { h } from '../components/dom';
import type { FeedRow } from './feed';
import { modelsCell } from './stages';
import { iterationTitle } from '../../remote/modelNames';

/** The columns, in order (every one defined in ITERATION_COUNTS). */
export const TABLE_COUNTS = ['promptsKept', 'candidates', 'judgments', 'parseFailures', 'pairs', 'ties', 'trainedPairs', 'excludedPairs', 'meanChosenScore', 'meanRejectedScore', 'meanCandidateChars', 'trainLoss', 'trainRewardMargin'].map(
  (k) => ITERATION_COUNTS.find((c) => c.key === k)!,
);

/** Live numbers of a running iteration from its feed rows and stage counts; the keys it cannot know are left out. */
export function liveSummary(rows: readonly FeedRow[], it: IterationState): { summary: IterationSummary; known: Set<string> } {
  let pairs = 0, kept = 0, candidates = 0, judged = 0, judgments = 0, answered = 0, failures = 0;
  const chosen: number[] = [];
  const rejected: number[] = [];
  const chars: number[] = [];
  for (const r of rows) {
    if (r.iteration !== it.iteration) continue;
    if (r.kind === 'prompt') kept += r.note === undefined ? 1 : 0;
    else if (r.kind === 'pair') {
      pairs++;
      if (r.score !== null) chosen.push(r.score);
      if (r.rejected) rejected.push(r.rejected.score);
    } else if (r.kind === 'candidate') {
      candidates++;
      if (r.note === undefined) chars.push(r.chars);
      if (r.judgments.length) judged++;
      judgments += r.judgments.length;
      for (const j of r.judgments) {
        if (j.error) continue;
        answered++;
        if (!j.parseOk) failures++;
      }
    }
  }
  const stage = (name: string) => it.stages.find((s) => s.stage === name);
  const pairCounts = stage('pairs')?.status === 'done' ? stage('pairs')?.counts : undefined;
  const trained = stage('training')?.status === 'done' ? trainedPairs(stage('training')?.counts) : undefined;
  const known = new Set(['promptsKept', 'candidates', 'judgments', 'parseFailures', 'pairs', 'meanChosenScore', 'meanRejectedScore', 'meanCandidateChars']);
  if (pairCounts) known.add('ties');
  if (trained) known.add('trainedPairs').add('excludedPairs');
  const summary: IterationSummary = {
    iteration: it.iteration,
    promptsKept: kept,
    promptsDropped: {},
    candidates,
    candidatesJudged: judged,
    judgments,
    parseFailures: failures,
    parseFailureRate: answered ? failures / answered : 0,
    ties: pairCounts?.['dropped.tie'] ?? 0,
    pairs,
    pairsDropped: {},
    meanChosenScore: mean(chosen),
    meanRejectedScore: mean(rejected),
    meanCandidateChars: mean(chars),
    failedItems: 0,
    ...(trained ? { trainedPairs: trained.trained, excludedPairs: trained.excluded } : {}),
  };
  return { summary, known };
}

function row(it: IterationState, snapshot: RunSnapshot, rows: readonly FeedRow[]): HTMLElement {
  const live = it.summary ? undefined : liveSummary(rows, it);
  const s = it.summary ?? live!.summary;
  const last = it.train[it.train.length - 1];
  if (live && last) {
    // a training in progress shows its latest loss and margin
    s.trainLoss = last.loss ?? null;
    s.trainRewardMargin = last.rewardsMargins ?? null;
    live.known.add('trainLoss').add('trainRewardMargin');
  }
  const rubric = snapshot.rubricVersions.find((r) => r.version === it.rubricVersion);
  return h(
    'tr',
    { 'data-iteration': it.iteration, class: it.summary ? 'final' : 'live' },
    h('td', null, iterationTitle(it.iteration).replace('Iteration ', '')),
    h('td', null, it.status),
    h('td', { class: 'models' }, modelsCell(snapshot, it)),
    h('td', { title: rubric?.hash }, `v${it.rubricVersion}`),
    ...TABLE_COUNTS.map((c) => h('td', { class: 'num', 'data-count': c.key, title: c.hint }, !live || live.known.has(c.key) ? c.value(s) : '–')),
  );
}

export function iterationTable(snapshot: RunSnapshot, rows: readonly FeedRow[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'iteration-table' },
      h('thead', null, h('tr', null, ...['Iteration', 'Status', 'Model', 'Rubric'].map((t) => h('th', null, t)), ...TABLE_COUNTS.map((c) => h('th', { class: 'num', title: c.hint, 'data-count': c.key }, c.label)))),
      h('tbody', null, ...snapshot.iterations.map((it) => row(it, snapshot, rows))),
    ),
  );
}
