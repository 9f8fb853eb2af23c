/**
 * Preference pair selection with Meta-Rewarding's length control ρ ∈ [0, 1] (Wu et al. 2024):
 *   chosen   = the SHORTEST candidate with score in [(1−ρ)·Smax + ρ·Smin, Smax]
 *   rejected = the LONGEST  candidate with score in [Smin, (1−ρ)·Smin + ρ·Smax]
 * ρ = 0 is plain best vs worst; several candidates may share the best (or the worst) score, and `tieBreak` says
 * which one is taken: `random` (one draw of `rand` per side: favours no length), `shortest` (the length-control
 * rule above: chosen the shortest, rejected the longest) or `longest` (the reverse). Candidates without a valid
 * score are ignored; fewer than `minScored` scored → drop `too_few_scored`; Smax = Smin (or bands that would pair
 * equal scores) → drop `tie`.
 */
import type { PairDropReason, PairTieBreak } from '../protocol';

export interface TieBreakOptions {
  /** default `shortest` (the rule this function always had); the pair stage passes the run's setting */
  tieBreak?: PairTieBreak;
  /** uniform draws in [0, 1), for `random` (the pair stage seeds it per prompt) */
  rand?: () => number;
}

export interface ScoredCandidate {
  id: string;
  score: number | null;
  chars: number;
}

// Scores are means of K samples: compare band edges with a little slack for floating-point error.
const EPS = 1e-9;

export function selectPair<C extends ScoredCandidate>(
  cands: C[],
  rho: number,
  minScored: number,
  opts: TieBreakOptions = {},
): { chosen: C; rejected: C } | { drop: PairDropReason } {
  const scored = cands.filter((c): c is C & { score: number } => c.score !== null && Number.isFinite(c.score));
  if (scored.length < Math.max(2, minScored)) return { drop: 'too_few_scored' };
  let sMax = -Infinity;
  let sMin = Infinity;
  for (const c of scored) {
    sMax = Math.max(sMax, c.score);
    sMin = Math.min(sMin, c.score);
  }
  if (sMax - sMin <= EPS) return { drop: 'tie' };
  const tieBreak = opts.tieBreak ?? 'shortest';
  if (rho === 0 && tieBreak !== 'shortest') {
    const best = scored.filter((c) => c.score >= sMax - EPS);
    const worst = scored.filter((c) => c.score <= sMin + EPS);
    if (tieBreak === 'longest') {
      const longest = best.reduce((a, c) => (c.chars > a.chars ? c : a));
      const shortest = worst.reduce((a, c) => (c.chars < a.chars ? c : a));
      return { chosen: longest, rejected: shortest };
    }
    if (!opts.rand) throw new Error('selectPair: tieBreak "random" needs a seeded rand()');
    const draw = <T>(xs: T[]): T => xs[Math.min(xs.length - 1, Math.floor(opts.rand!() * xs.length))];
    return { chosen: draw(best), rejected: draw(worst) };
  }
  const top = (1 - rho) * sMax + rho * sMin;
  const bottom = (1 - rho) * sMin + rho * sMax;
  let chosen: (C & { score: number }) | undefined;
  let rejected: (C & { score: number }) | undefined;
  for (const c of scored) {
    // Among equal lengths prefer the higher score for chosen and the lower for rejected; then input order.
    if (c.score >= top - EPS && (!chosen || c.chars < chosen.chars || (c.chars === chosen.chars && c.score > chosen.score))) chosen = c;
    if (c.score <= bottom + EPS && (!rejected || c.chars > rejected.chars || (c.chars === rejected.chars && c.score < rejected.score))) rejected = c;
  }
  if (!chosen || !rejected || chosen === rejected || chosen.score - rejected.score <= EPS) return { drop: 'tie' };
  return { chosen, rejected };
}
