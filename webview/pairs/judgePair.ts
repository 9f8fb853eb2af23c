/**
 * The pairs editor's judge-pair mode (Meta-Rewarding): a judge pair's two sides are two judgments of ONE answer.
 * Shown: the answer under judgment (instruction and response), the better and the worse judgment side by side with
 * their scores, the meta-judge's reason, and the standings of every judgment that took part (Elo, weighted wins).
 * Accept / reject / flip / edit / note act on it as on any pair. Every text goes in through h()/textContent.
 */
import type { JudgePairRecord, PairView } from '../../remote/protocol';
import { h } from '../components/dom';

export type JudgePairView = PairView & JudgePairRecord;

export const isJudgePair = (p: PairView): p is JudgePairView => (p as Partial<JudgePairRecord>).kind === 'judge';

const words = (t: string): number => (t.trim().match(/\S+/g) ?? []).length;

/** One judgment column: its role, its score, and its text. */
function judgmentSide(label: string, cls: string, text: string, side: PairView['chosen'], elo: number | undefined, note?: string): HTMLElement {
  return h(
    'div',
    { class: `side ${cls}` },
    h(
      'div',
      { class: 'side-head' },
      h('strong', null, label),
      note ? h('span', { class: 'muted' }, ` ${note}`) : null,
      h('span', { class: 'score', title: "this judgment's score of the answer" }, ` score ${side.score}`),
      elo !== undefined ? h('span', { class: 'muted', title: "the meta-judge's rating of this judgment" }, ` · Elo ${Math.round(elo)}`) : null,
      h('span', { class: 'muted chars' }, ` ${words(text)} words`),
    ),
    h('div', { class: 'text mono' }, text),
  );
}

/**
 * The body of a judge pair's detail: what is judged, the two judgments as training would see them (`e`: edits and
 * the flip applied), why the meta-judge preferred one, and how every judgment stood.
 */
export function judgePairBody(p: JudgePairView, e: { chosen: string; rejected: string; chosenSide: PairView['chosen']; rejectedSide: PairView['rejected'] }): HTMLElement[] {
  const elo = new Map(p.standings.map((s) => [s.judgmentId, s.elo]));
  const flipped = !!p.review?.flipped;
  const head2head = { both: 'won in both orders', one: 'won in one order only', none: 'ranked above it by the other battles' }[p.headToHead];
  return [
    h('h2', null, 'Instruction'),
    h('div', { class: 'prompt mono', id: 'judge-instruction' }, p.instruction),
    h('h2', null, 'Answer being judged'),
    h('div', { class: 'prompt mono', id: 'judge-response' }, p.response),
    h(
      'div',
      { class: 'sides', id: 'judge-sides' },
      judgmentSide('Better judgment', 'chosen', e.chosen, e.chosenSide, elo.get(e.chosenSide.candidateId), flipped ? '(was the worse)' : undefined),
      judgmentSide('Worse judgment', 'rejected', e.rejected, e.rejectedSide, elo.get(e.rejectedSide.candidateId), flipped ? '(was the better)' : undefined),
    ),
    h(
      'div',
      { class: 'reason', id: 'judge-reason' },
      h('h2', null, "The meta-judge's reason"),
      h('div', { class: 'muted' }, `The better judgment ${head2head} against the worse one (Elo gap ${Math.round(p.margin)}).`),
      p.reason ? h('div', { class: 'mono' }, p.reason) : h('div', { class: 'muted' }, 'No verdict text.'),
    ),
    h(
      'table',
      { class: 'standings', id: 'judge-standings' },
      h('tr', null, h('th', null, 'judgment'), h('th', null, 'score'), h('th', null, 'words'), h('th', null, 'Elo'), h('th', null, 'wins'), h('th', null, 'losses')),
      ...p.standings.map((s) =>
        h(
          'tr',
          { class: s.judgmentId === p.chosen.candidateId ? 'chosen' : s.judgmentId === p.rejected.candidateId ? 'rejected' : '' },
          h('td', { class: 'mono' }, s.judgmentId),
          h('td', null, String(s.score)),
          h('td', null, String(s.words)),
          h('td', null, String(Math.round(s.elo))),
          h('td', null, s.wins.toFixed(2)),
          h('td', null, s.losses.toFixed(2)),
        ),
      ),
    ),
  ];
}
