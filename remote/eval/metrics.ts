/**
 * Judge agreement with human rankings, the metrics of the Self-Rewarding paper (Yuan et al. 2024, Table 4), computed
 * per prompt group (one instruction with several answers ranked by people) and then averaged over groups:
 *
 * - pairwise accuracy: over every pair of answers in a group that people ranked differently, the share where the
 *   judge's scores order the pair the same way. A judge tie on such a pair counts as a miss (it did not separate
 *   what people separated). Pairs people tied are skipped. Pooled over all pairs of all groups.
 * - 5-best %: the paper's "how often the answers the judge gives a perfect score are the ones people ranked
 *   highest": among answers whose (mean) judge score equals scoreMax, the share with human rank 1. Also reported:
 *   topRatedIsBest, the share of groups whose highest-scored answer (all of them, if tied) has human rank 1.
 * - exact match %: the share of groups where the judge's whole order (ties included) equals the human order.
 * - Spearman ρ: Pearson correlation of average ranks (ties get the mean of the ranks they span), per group.
 * - Kendall τ-b: (C − D) / √((n0 − n1)(n0 − n2)), the tie-corrected τ, per group.
 * ρ and τ are averaged over the groups where they are defined (a group where every answer got the same score, or
 * people tied every answer, has no correlation and is skipped — counted in `undefinedCorrelations`, and shown next to
 * the number, since an average over 3 of 20 groups is not the same claim as one over 20). Also reported pooled, so no
 * group is skipped: Spearman over every scored answer with its within-group ranks (score rank vs human rank), and
 * Kendall τ-b from the concordant/discordant/tied pair counts summed over the groups (pairs never cross groups).
 *
 * Human rank 1 is best, a higher judge score is better: correlations are taken between the score and the negated
 * rank, so +1 means perfect agreement. Answers without a score (every judge sample failed to parse) are left out of
 * their group and counted in `unscored`.
 */
import type { JudgeAgreement } from '../protocol';
import { mean, meanScore } from '../stats';

export { mean, meanScore };

export interface RankedAnswer {
  id: string;
  /** 1 = best; equal ranks are human ties */
  humanRank: number;
  /** mean judge score, null when no sample could be parsed */
  score: number | null;
}

export interface RankedGroup {
  group: string;
  answers: RankedAnswer[];
}

export type { JudgeAgreement };

/** Average ranks, 1-based, ascending values first; ties share the mean of the positions they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation; null when either side is constant or fewer than two points. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error(`pearson: lengths differ (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ with average ranks for ties. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(averageRanks(x), averageRanks(y));
}

/** The pair counts of Kendall's τ-b: concordant, discordant, pairs tied in x, tied in y, all pairs. */
export interface KendallCounts {
  concordant: number;
  discordant: number;
  tiesX: number;
  tiesY: number;
  pairs: number;
}

export function kendallCounts(x: readonly number[], y: readonly number[]): KendallCounts {
  if (x.length !== y.length) throw new Error(`kendallTauB: lengths differ (${x.length} vs ${y.length})`);
  const n = x.length;
  const c: KendallCounts = { concordant: 0, discordant: 0, tiesX: 0, tiesY: 0, pairs: (n * (n - 1)) / 2 };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) c.tiesX++;
      if (dy === 0) c.tiesY++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) c.concordant++;
        else c.discordant++;
      }
    }
  }
  return c;
}

/** τ-b from pair counts (of one group, or summed over groups); null when a side has no untied pair. */
export function tauBOf(c: KendallCounts): number | null {
  const denom = Math.sqrt((c.pairs - c.tiesX) * (c.pairs - c.tiesY));
  return denom === 0 ? null : (c.concordant - c.discordant) / denom;
}

/** Kendall's τ-b (tie-corrected); null when either side is constant. */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  return tauBOf(kendallCounts(x, y));
}


/** Judge agreement with people over a labelled set. `scoreMax` is the rubric's perfect score (5). */
export function judgeAgreement(groups: readonly RankedGroup[], opts: { scoreMax?: number } = {}): JudgeAgreement {
  const scoreMax = opts.scoreMax ?? 5;
  let unscored = 0;
  let answers = 0;
  let pairs = 0;
  let agreed = 0;
  let perfect = 0;
  let perfectBest = 0;
  let topBest = 0;
  let exact = 0;
  let used = 0;
  let undefinedCorrelations = 0;
  const rhos: number[] = [];
  const taus: number[] = [];
  // pooled: within-group ranks of every scored answer (Spearman), within-group pair counts summed (Kendall)
  const pooledScoreRanks: number[] = [];
  const pooledHumanRanks: number[] = [];
  const pooled: KendallCounts = { concordant: 0, discordant: 0, tiesX: 0, tiesY: 0, pairs: 0 };
  let correlationGroups = 0;
  for (const g of groups) {
    const scored = g.answers.filter((a): a is RankedAnswer & { score: number } => a.score !== null && Number.isFinite(a.score));
    unscored += g.answers.length - scored.length;
    if (scored.length < 2) continue;
    used++;
    answers += scored.length;
    let allSame = true;
    for (let i = 0; i < scored.length; i++) {
      for (let j = i + 1; j < scored.length; j++) {
        const human = Math.sign(scored[j].humanRank - scored[i].humanRank); // +1: i ranked better by people
        const judge = Math.sign(scored[i].score - scored[j].score); // +1: i scored higher
        if (human !== judge) allSame = false;
        if (human === 0) continue;
        pairs++;
        if (judge === human) agreed++;
      }
    }
    if (allSame) exact++;
    for (const a of scored) {
      if (a.score >= scoreMax) {
        perfect++;
        if (a.humanRank === 1) perfectBest++;
      }
    }
    const top = Math.max(...scored.map((a) => a.score));
    if (scored.filter((a) => a.score === top).every((a) => a.humanRank === 1)) topBest++;
    const s = scored.map((a) => a.score);
    const r = scored.map((a) => -a.humanRank);
    const rho = spearman(s, r);
    const counts = kendallCounts(s, r);
    const tau = tauBOf(counts);
    if (rho === null || tau === null) undefinedCorrelations++;
    else correlationGroups++;
    if (rho !== null) rhos.push(rho);
    if (tau !== null) taus.push(tau);
    pooledScoreRanks.push(...averageRanks(s));
    pooledHumanRanks.push(...averageRanks(r));
    for (const k of ['concordant', 'discordant', 'tiesX', 'tiesY', 'pairs'] as const) pooled[k] += counts[k];
  }
  return {
    groups: used,
    answers,
    unscored,
    pairs,
    pairwiseAccuracy: pairs ? agreed / pairs : null,
    perfectScored: perfect,
    fiveBest: perfect ? perfectBest / perfect : null,
    topRatedIsBest: used ? topBest / used : null,
    exactMatch: used ? exact / used : null,
    spearman: mean(rhos),
    kendallTau: mean(taus),
    undefinedCorrelations,
    correlationGroups,
    spearmanPooled: pooledScoreRanks.length >= 2 ? pearson(pooledScoreRanks, pooledHumanRanks) : null,
    kendallTauPooled: tauBOf(pooled),
  };
}


/**
 * Group labelled samples (PreviewSample-like: `group` + `humanRank`) with their judge scores. Samples without a
 * group or rank are not labelled and are ignored.
 */
export function groupsFromSamples(
  samples: readonly { id: string; group?: string; humanRank?: number }[],
  scoreOf: (id: string) => number | null,
): RankedGroup[] {
  const byGroup = new Map<string, RankedAnswer[]>();
  for (const s of samples) {
    if (s.group === undefined || s.humanRank === undefined) continue;
    let list = byGroup.get(s.group);
    if (!list) byGroup.set(s.group, (list = []));
    list.push({ id: s.id, humanRank: s.humanRank, score: scoreOf(s.id) });
  }
  return [...byGroup].map(([group, answers]) => ({ group, answers }));
}
