/**
 * The meta-judge template preview's data, free of `vscode` (tested in plain Node): which judgment pairs it shows,
 * which of the two people prefer where that is known, and what the verdicts add up to.
 *
 * Judgment pairs come from
 *   - a labelled set (answers ranked by people): the run's model judges every answer K times with the rubric in use;
 *     of an answer whose judgments disagree, its highest- and lowest-scored judgment make a pair, and people prefer
 *     the one whose score, put in the place of the answer's, orders it against the group's other answers (at their
 *     mean judge score) more as people ranked them (no preference when both order it equally well);
 *   - the run's judge pairs: people prefer the better judgment where the pair was accepted or edited, the worse one
 *     where it was flipped (unreviewed and rejected pairs: unknown).
 * A verdict is asked K times in each order (A/B, B/A); per order the majority names the winner; a sample's verdict is
 * the judgment both orders name (else it is decided by position, not by the judgments).
 */
import type { JudgePairRecord, PairView, PreviewResult, PreviewSample } from '../../remote/protocol';
import { meanScore } from '../../remote/stats';

export interface MetaSample extends PreviewSample {
  judgments: [string, string];
  /** the two judgments' scores */
  scores: [number, number];
  /** which judgment people prefer (index into judgments), when known */
  peoplePrefer?: 0 | 1;
}

export interface LabelledAnswer {
  id: string;
  group: string;
  prompt: string;
  answer: string;
  humanRank: number;
}

/** How well a score for answer `x` orders it against the other answers of its group, as people ranked them. */
function orderedAsPeople(score: number, x: LabelledAnswer, others: { humanRank: number; mean: number | null }[]): number {
  let n = 0;
  for (const y of others) if (y.mean !== null && y.humanRank !== x.humanRank && (score - y.mean) * (y.humanRank - x.humanRank) > 0) n++;
  return n;
}

/** Judgment pairs of a labelled set from its judge samples (results of a rubric preview, score per sample). */
export function labelledJudgmentPairs(answers: readonly LabelledAnswer[], results: readonly Pick<PreviewResult, 'sampleId' | 'score' | 'text' | 'parseOk'>[]): MetaSample[] {
  const byAnswer = new Map<string, { score: number; text: string }[]>();
  const scores = new Map<string, (number | null)[]>();
  for (const r of results) {
    scores.set(r.sampleId, [...(scores.get(r.sampleId) ?? []), r.parseOk ? r.score : null]);
    if (r.parseOk && r.score !== null) byAnswer.set(r.sampleId, [...(byAnswer.get(r.sampleId) ?? []), { score: r.score, text: r.text }]);
  }
  const out: MetaSample[] = [];
  for (const x of answers) {
    const js = byAnswer.get(x.id) ?? [];
    if (js.length < 2) continue;
    const hi = js.reduce((a, b) => (b.score > a.score ? b : a));
    const lo = js.reduce((a, b) => (b.score < a.score ? b : a));
    if (hi.score === lo.score) continue;
    const others = answers.filter((y) => y.group === x.group && y.id !== x.id).map((y) => ({ humanRank: y.humanRank, mean: meanScore(scores.get(y.id) ?? []) }));
    const a = orderedAsPeople(hi.score, x, others);
    const b = orderedAsPeople(lo.score, x, others);
    out.push({
      id: `${x.id}/judgments`,
      prompt: x.prompt,
      answer: x.answer,
      group: x.group,
      humanRank: x.humanRank,
      judgments: [hi.text, lo.text],
      scores: [hi.score, lo.score],
      ...(a !== b ? { peoplePrefer: a > b ? 0 : 1 } : {}),
    });
  }
  return out;
}

/** The run's judge pairs as preview samples (the better judgment first). */
export function judgePairSamples(pairs: readonly PairView[]): MetaSample[] {
  return pairs
    .filter((p): p is PairView & JudgePairRecord => (p as Partial<JudgePairRecord>).kind === 'judge')
    .map((p) => {
      const s = p.review?.state;
      const peoplePrefer = s === 'accepted' || s === 'edited' ? 0 : s === 'flipped' ? 1 : undefined;
      return {
        id: p.id,
        prompt: p.instruction,
        answer: p.response,
        judgments: [p.chosen.text, p.rejected.text] as [string, string],
        scores: [p.chosen.score, p.rejected.score] as [number, number],
        ...(peoplePrefer !== undefined ? { peoplePrefer: peoplePrefer as 0 | 1 } : {}),
      };
    });
}

export interface MetaVerdictOf {
  /** majority winner per order (null: none readable or a split) */
  ab: 0 | 1 | null;
  ba: 0 | 1 | null;
  /** the judgment both orders name; 'position' when the orders disagree; null when an order has no verdict */
  verdict: 0 | 1 | 'position' | null;
}

function majority(ws: readonly (0 | 1 | null)[]): 0 | 1 | null {
  const zero = ws.filter((w) => w === 0).length;
  const one = ws.filter((w) => w === 1).length;
  return zero > one ? 0 : one > zero ? 1 : null;
}

/** A sample's verdict from its results (winner per result: 0 / 1 = the judgment picked, in the sample's terms). */
export function verdictOf(results: readonly Pick<PreviewResult, 'order' | 'winner'>[]): MetaVerdictOf {
  const ab = majority(results.filter((r) => r.order === 'ab').map((r) => r.winner ?? null));
  const ba = majority(results.filter((r) => r.order === 'ba').map((r) => r.winner ?? null));
  return { ab, ba, verdict: ab === null || ba === null ? null : ab === ba ? ab : 'position' };
}

export interface MetaPreviewStats {
  samples: number;
  /** readable verdicts, and how many picked the judgment in position A */
  verdicts: number;
  firstPosition: number;
  unreadable: number;
  /** samples whose two orders named the same judgment, of those with a verdict in both */
  consistent: number;
  decided: number;
  /** agreement with people on samples where people prefer one: 1 for the preferred judgment in both orders, ½ for
   * a position-bound verdict, 0 for the other; null when there is no such sample */
  agreement: number | null;
  labelled: number;
}

export function metaPreviewStats(samples: readonly MetaSample[], results: readonly Pick<PreviewResult, 'sampleId' | 'order' | 'winner' | 'parseOk'>[]): MetaPreviewStats {
  const bySample = new Map<string, Pick<PreviewResult, 'sampleId' | 'order' | 'winner' | 'parseOk'>[]>();
  for (const r of results) bySample.set(r.sampleId, [...(bySample.get(r.sampleId) ?? []), r]);
  let verdicts = 0;
  let firstPosition = 0;
  let unreadable = 0;
  let consistent = 0;
  let decided = 0;
  let agree = 0;
  let labelled = 0;
  for (const s of samples) {
    const rs = bySample.get(s.id) ?? [];
    for (const r of rs) {
      if (r.winner === null || r.winner === undefined) {
        unreadable++;
        continue;
      }
      verdicts++;
      // position A holds judgment 0 in the A/B order and judgment 1 in the B/A order
      if ((r.order === 'ab' && r.winner === 0) || (r.order === 'ba' && r.winner === 1)) firstPosition++;
    }
    const v = verdictOf(rs).verdict;
    if (v === null) continue;
    decided++;
    if (v !== 'position') consistent++;
    if (s.peoplePrefer === undefined) continue;
    labelled++;
    agree += v === 'position' ? 0.5 : v === s.peoplePrefer ? 1 : 0;
  }
  return { samples: samples.length, verdicts, firstPosition, unreadable, consistent, decided, agreement: labelled ? agree / labelled : null, labelled };
}
