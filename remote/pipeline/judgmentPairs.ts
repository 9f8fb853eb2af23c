/**
 * Which judgments the meta-judge compares, and which judge pair its verdicts make (Meta-Rewarding, Wu et al. 2024).
 * Pure functions of the iteration's records, so a resume recomputes the same pairs.
 *
 * 1. Candidates: per prompt, the answers the judge was least sure of: those whose K judge scores vary most
 *    (population variance; the paper takes the one with the highest). Answers whose valid judgments all give one
 *    score, or have fewer than two valid judgments, never go: there is nothing to settle.
 * 2. Battles: every two valid judgments of such a candidate (identical texts counted once), asked in BOTH orders
 *    (A/B and B/A), `samplesPerOrder` verdicts each.
 * 3. Positional bias: a verdict's win is weighted by its position, against the meta-judge's measured preference
 *    over the whole iteration: with F wins for the first position and S for the second, a first-position win counts
 *    2S/(F+S) and a second-position win 2F/(F+S) (both 1 when there is no preference). A pair the meta-judge decides
 *    by position alone (A in both orders) gives each judgment one first-position win: a tie.
 * 4. Elo: Bradley–Terry strengths by maximum likelihood over the weighted wins, with a weak Gaussian prior (λ) so a
 *    judgment that won every battle has a finite rating; shown on the Elo scale (1000 + 400·log10 odds).
 * 5. The pair: the highest rated judgment is chosen and the lowest rejected. Dropped, with the reason counted:
 *    `unreadable` (no readable verdict), `tie` (the ratings do not separate them), `same_score` (both give the
 *    same score: training on them would teach no verdict), `too_long` (the chosen judgment is over
 *    maxJudgmentWords, the rubric's own limit), `length_ratio` (it is more than maxLengthRatio times longer than the
 *    rejected one: the meta-judge's length bias), `score_share` (over the cap of one chosen score's share).
 */
import type { JudgePairDropReason, JudgmentRecord, JudgmentStanding, MetaJudgeConfig, MetaJudgmentRecord } from '../protocol';
import { wordCount } from '../rubric/metaTemplate';

export const metaJudgmentId = (candidateId: string, a: number, b: number, order: 'ab' | 'ba', sample: number): string =>
  `${candidateId}-m${a}v${b}-${order}${sample}`;
export const judgePairId = (candidateId: string): string => `${candidateId}-jpair`;

/** Strength of the prior that keeps ratings finite (in squared log-odds units). */
export const ELO_PRIOR = 0.1;
const ELO_SCALE = 400 / Math.LN10;
const TIE_EPS = 1e-6;

const valid = (j: JudgmentRecord): j is JudgmentRecord & { score: number } => j.parseOk && j.score !== null && !j.error;

/** A candidate's valid judgments, one per distinct text (the lowest sample number kept), by sample number. */
export function distinctJudgments(js: readonly JudgmentRecord[]): (JudgmentRecord & { score: number })[] {
  const seen = new Set<string>();
  return js
    .filter(valid)
    .sort((a, b) => a.sample - b.sample)
    .filter((j) => !seen.has(j.text) && !!seen.add(j.text));
}

function variance(xs: readonly number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length;
}

export interface MetaCandidate {
  id: string;
  promptId: string;
  index: number;
  error?: string;
  truncated?: boolean;
}

/**
 * Per prompt, the `perPrompt` candidates whose judgments disagree most (variance of their valid scores; ties by
 * candidate index). Errored and truncated candidates are left out.
 */
export function pickCandidates<C extends MetaCandidate>(cands: readonly C[], judgmentsOf: (candidateId: string) => readonly JudgmentRecord[], perPrompt: number): C[] {
  const byPrompt = new Map<string, { c: C; v: number }[]>();
  for (const c of cands) {
    if (c.error || c.truncated) continue;
    const js = distinctJudgments(judgmentsOf(c.id));
    if (js.length < 2) continue;
    const v = variance(js.map((j) => j.score));
    if (!(v > 0)) continue;
    const list = byPrompt.get(c.promptId) ?? [];
    list.push({ c, v });
    byPrompt.set(c.promptId, list);
  }
  const out: C[] = [];
  // by prompt id, not by the file's completion order (which differs run to run): the judge pairs, and the training
  // rows they become, come in the same order on every run and every resume
  for (const [, list] of [...byPrompt].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    list.sort((x, y) => y.v - x.v || x.c.index - y.c.index);
    out.push(...list.slice(0, perPrompt).map((x) => x.c));
  }
  return out;
}

export interface Battle {
  id: string;
  /** the judgment in position A and in position B */
  first: JudgmentRecord;
  second: JudgmentRecord;
  order: 'ab' | 'ba';
  sample: number;
}

/** Every two distinct valid judgments of a candidate, in both orders, `samplesPerOrder` verdicts each. */
export function battlesFor(candidateId: string, judgments: readonly JudgmentRecord[], samplesPerOrder: number): Battle[] {
  const js = distinctJudgments(judgments);
  const out: Battle[] = [];
  for (let i = 0; i < js.length; i++) {
    for (let k = i + 1; k < js.length; k++) {
      const [a, b] = [js[i], js[k]];
      for (let s = 0; s < samplesPerOrder; s++) {
        out.push({ id: metaJudgmentId(candidateId, a.sample, b.sample, 'ab', s), first: a, second: b, order: 'ab', sample: s });
        out.push({ id: metaJudgmentId(candidateId, a.sample, b.sample, 'ba', s), first: b, second: a, order: 'ba', sample: s });
      }
    }
  }
  return out;
}

export interface PositionWeights {
  /** readable verdicts won by the judgment in position A / in position B */
  firstWins: number;
  secondWins: number;
  /** what one win counts in each position */
  first: number;
  second: number;
}

/** The meta-judge's positional preference over a set of verdicts, and the weights that cancel it (see top). */
export function positionWeights(verdicts: readonly MetaJudgmentRecord[]): PositionWeights {
  let firstWins = 0;
  let secondWins = 0;
  for (const v of verdicts) {
    if (v.winner === null || v.error) continue;
    if (v.winner === v.first) firstWins++;
    else if (v.winner === v.second) secondWins++;
  }
  const total = firstWins + secondWins;
  if (!total) return { firstWins, secondWins, first: 1, second: 1 };
  return { firstWins, secondWins, first: (2 * secondWins) / total, second: (2 * firstWins) / total };
}

/** Solve A x = b (Gaussian elimination with partial pivoting; A is small and, here, negative definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Bradley–Terry strengths ε maximising Σ_{m≠n} B[m][n]·log σ(ε_m − ε_n) − (λ/2)·Σ ε_m² (Newton's method; the
 * objective is concave), as Elo ratings 1000 + 400·ε/ln 10. B[m][n] = weighted wins of m over n.
 */
export function eloRatings(wins: readonly (readonly number[])[], lambda = ELO_PRIOR): number[] {
  const n = wins.length;
  let e = new Array<number>(n).fill(0);
  for (let iter = 0; iter < 100; iter++) {
    const g = e.map((x) => -lambda * x);
    const h = e.map((_, i) => e.map((__, k) => (i === k ? -lambda : 0)));
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        if (i === k) continue;
        const p = sigmoid(e[i] - e[k]);
        g[i] += wins[i][k] * (1 - p) - wins[k][i] * p;
        const w = (wins[i][k] + wins[k][i]) * p * (1 - p);
        h[i][i] -= w;
        h[i][k] += w;
      }
    }
    const step = solve(h, g);
    e = e.map((x, i) => x - step[i]);
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  return e.map((x) => 1000 + ELO_SCALE * x);
}

/** The judgments of one candidate ranked by the meta-judge's weighted verdicts, best first. */
export function standings(judgments: readonly JudgmentRecord[], verdicts: readonly MetaJudgmentRecord[], w: PositionWeights): JudgmentStanding[] {
  const js = distinctJudgments(judgments);
  const at = new Map(js.map((j, i) => [j.id, i]));
  const b = js.map(() => js.map(() => 0));
  const wins = js.map(() => 0);
  const losses = js.map(() => 0);
  for (const v of verdicts) {
    if (v.winner === null || v.error) continue;
    const i = at.get(v.first);
    const k = at.get(v.second);
    if (i === undefined || k === undefined) continue;
    const [win, lose, weight] = v.winner === v.first ? [i, k, w.first] : [k, i, w.second];
    b[win][lose] += weight;
    wins[win] += weight;
    losses[lose] += weight;
  }
  const elo = eloRatings(b);
  const round = (x: number, d: number): number => Number(x.toFixed(d));
  return js
    .map((j, i): JudgmentStanding => ({ judgmentId: j.id, score: j.score, words: wordCount(j.text), elo: round(elo[i], 3), wins: round(wins[i], 4), losses: round(losses[i], 4) }))
    .sort((x, y) => y.elo - x.elo || at.get(x.judgmentId)! - at.get(y.judgmentId)!);
}

export type JudgePairSelection = { chosen: JudgmentStanding; rejected: JudgmentStanding } | { drop: JudgePairDropReason };

/** The judge pair of one candidate from its standings (best first), or why there is none (rules 5 at the top). */
export function selectJudgePair(ranked: readonly JudgmentStanding[], readable: number, cfg: Pick<MetaJudgeConfig, 'maxJudgmentWords' | 'maxLengthRatio'>): JudgePairSelection {
  if (!readable) return { drop: 'unreadable' };
  if (ranked.length < 2) return { drop: 'tie' };
  const chosen = ranked[0];
  // the lowest rated; among equals the first in sample order (as the chosen side is)
  const low = ranked[ranked.length - 1].elo;
  const rejected = ranked.find((s) => Math.abs(s.elo - low) <= TIE_EPS)!;
  if (chosen.elo - rejected.elo <= TIE_EPS) return { drop: 'tie' };
  if (chosen.score === rejected.score) return { drop: 'same_score' };
  if (chosen.words > cfg.maxJudgmentWords) return { drop: 'too_long' };
  if (cfg.maxLengthRatio > 0 && chosen.words > cfg.maxLengthRatio * Math.max(1, rejected.words)) return { drop: 'length_ratio' };
  return { chosen, rejected };
}

/**
 * The cap on one chosen score's share of the iteration's judge pairs: while some score's pairs exceed
 * ⌊share · pairs⌋ (at least 1), its pairs with the smallest Elo gap are dropped. Returns the ids to drop.
 */
export function overScoreShare(pairs: readonly { id: string; chosenScore: number; gap: number }[], share: number): Set<string> {
  const dropped = new Set<string>();
  if (share >= 1) return dropped;
  for (;;) {
    const kept = pairs.filter((p) => !dropped.has(p.id));
    const cap = Math.max(1, Math.floor(share * kept.length));
    const byScore = new Map<number, typeof kept>();
    for (const p of kept) byScore.set(p.chosenScore, [...(byScore.get(p.chosenScore) ?? []), p]);
    let changed = false;
    for (const list of byScore.values()) {
      if (list.length <= cap) continue;
      list.sort((a, b) => b.gap - a.gap || (a.id < b.id ? -1 : 1));
      for (const p of list.slice(cap)) dropped.add(p.id);
      changed = true;
    }
    if (!changed) return dropped;
  }
}
