/**
 * The iteration table: pairs, ties, parse-failure rate, mean chosen/rejected score, mean length, training result and
 * the rubric version. Finished iterations use their summary; a running one is computed live from the feed.
 */
import type { IterationState, IterationSummary, RunSnapshot } from '../../remote/protocol';
import { h } from '../components/dom';
import type { FeedRow } from './feed';
import { fmtNum, fmtPct } from './format';

type Live = Pick<IterationSummary, 'pairs' | 'ties' | 'parseFailureRate' | 'meanChosenScore' | 'meanRejectedScore' | 'meanCandidateChars'>;

/** Live numbers of one iteration from its feed rows (before metrics.json exists). */
export function liveSummary(rows: readonly FeedRow[], iteration: number): Live {
  let pairs = 0, chosen = 0, rejected = 0, judgments = 0, failures = 0, chars = 0, candidates = 0;
  for (const r of rows) {
    if (r.iteration !== iteration) continue;
    if (r.kind === 'pair') {
      pairs++;
      chosen += r.score ?? 0;
      rejected += r.rejected?.score ?? 0;
    } else if (r.kind === 'candidate') {
      candidates++;
      chars += r.chars;
      judgments += r.judgments.length;
      failures += r.parseFailures;
    }
  }
  return {
    pairs,
    ties: 0,
    parseFailureRate: judgments ? failures / judgments : 0,
    meanChosenScore: pairs ? chosen / pairs : null,
    meanRejectedScore: pairs ? rejected / pairs : null,
    meanCandidateChars: candidates ? chars / candidates : null,
  };
}

const HEAD = ['Iteration', 'Status', 'Rubric', 'Model', 'Pairs', 'Ties', 'Parse failures', 'Mean chosen', 'Mean rejected', 'Mean length', 'Training'];

function row(it: IterationState, snapshot: RunSnapshot, rows: readonly FeedRow[]): HTMLElement {
  const s = it.summary;
  const n: Live = s ?? liveSummary(rows, it.iteration);
  const last = it.train[it.train.length - 1];
  const loss = s?.trainLoss ?? last?.loss;
  const margin = s?.trainRewardMargin ?? last?.rewardsMargins;
  const training = loss === undefined || loss === null ? (it.status === 'failed' ? 'failed' : '–') : `loss ${fmtNum(loss, 3)} · margin ${fmtNum(margin ?? null, 3)}`;
  const rubric = snapshot.rubricVersions.find((r) => r.version === it.rubricVersion);
  return h(
    'tr',
    { 'data-iteration': it.iteration, class: s ? 'final' : 'live' },
    h('td', null, String(it.iteration)),
    h('td', null, it.status),
    h('td', { title: rubric?.hash }, `v${it.rubricVersion}`),
    h('td', { class: 'model' }, it.modelIn || '–', it.modelOut ? ` → ${it.modelOut}` : ''),
    h('td', { class: 'num' }, String(n.pairs)),
    h('td', { class: 'num' }, s ? String(s.ties) : '–'),
    h('td', { class: 'num' }, fmtPct(n.parseFailureRate)),
    h('td', { class: 'num' }, fmtNum(n.meanChosenScore)),
    h('td', { class: 'num' }, fmtNum(n.meanRejectedScore)),
    h('td', { class: 'num' }, fmtNum(n.meanCandidateChars, 0)),
    h('td', null, training),
  );
}

export function iterationTable(snapshot: RunSnapshot, rows: readonly FeedRow[]): HTMLElement {
  return h(
    'table',
    { class: 'iteration-table' },
    h('thead', null, h('tr', null, ...HEAD.map((t) => h('th', null, t)))),
    h('tbody', null, ...snapshot.iterations.map((it) => row(it, snapshot, rows))),
  );
}
