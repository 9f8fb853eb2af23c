/**
 * Length and reward analytics of one iteration, read from its run files (candidates.jsonl, judgments.jsonl,
 * pairs.jsonl): the judge-score histogram, the mean and distribution of answer length, how score correlates with
 * length, parse-failure and tie rates. And warnings for the failure modes the papers name: answers growing longer
 * each iteration without the head-to-head improving (length drift / reward hacking), a judge collapsing onto one
 * score, many unparseable judgments.
 */
import type { CandidateRecord, JudgmentRecord, PairRecord } from '../protocol';
import { mean, meanScore, pearson, spearman } from './metrics';
import type { HeadToHeadSummary } from './headToHead';
// The chart library's binning (pure, DOM-free), so the report's bars and these counts are the same numbers.
import { binEdges, binValues, type Bin } from '../charts';
// Ties are the pair stage's own rule, so the report's tie count is the pipeline's.
import { selectPair } from '../pipeline/pairSelection';

export interface Distribution {
  n: number;
  mean: number | null;
  median: number | null;
  p10: number | null;
  p90: number | null;
  min: number | null;
  max: number | null;
}

export interface IterationAnalytics {
  iteration: number;
  candidates: number;
  /** candidates with at least one parsed judge score */
  scoredCandidates: number;
  judgments: number;
  /** judge requests that failed outright (not counted as parse failures) */
  failedJudgments: number;
  /** answered judge samples without a readable score */
  parseFailures: number;
  /** parse failures / answered judge samples (as metrics.json) */
  parseFailureRate: number | null;
  /** judge sample scores, one bin per whole point (scoreMin…scoreMax) */
  sampleScoreHistogram: Bin[];
  /** per-candidate mean scores */
  candidateScore: Distribution;
  /** answer length in characters */
  length: Distribution;
  lengthHistogram: Bin[];
  /** correlation of a candidate's mean score with its length */
  scoreLength: { pearson: number | null; spearman: number | null; points: number };
  /** prompts with enough scored candidates for a pair */
  promptsScored: number;
  /** of those, prompts the pair stage drops as a tie (best and worst score equal, or no separable pair under ρ) */
  ties: number;
  tieRate: number | null;
  pairs: number;
  meanChosenChars: number | null;
  meanRejectedChars: number | null;
  /** the share of judge samples on the most frequent score (a collapsing judge gives one score to everything) */
  modalScoreShare: number | null;
}

export interface IterationFilesData {
  candidates: readonly CandidateRecord[];
  judgments: readonly JudgmentRecord[];
  pairs: readonly PairRecord[];
}

export function distribution(values: readonly number[]): Distribution {
  const xs = [...values].sort((a, b) => a - b);
  const n = xs.length;
  if (!n) return { n, mean: null, median: null, p10: null, p90: null, min: null, max: null };
  // linear interpolation between closest ranks (numpy's default)
  const q = (p: number): number => {
    const pos = (n - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
  };
  return { n, mean: xs.reduce((a, b) => a + b, 0) / n, median: q(0.5), p10: q(0.1), p90: q(0.9), min: xs[0], max: xs[n - 1] };
}

/** Length bins with round edges covering the data: about 12 bins, width a 1/2/5 × 10^k step. */
export function lengthHistogram(lengths: readonly number[]): Bin[] {
  if (!lengths.length) return [];
  const max = Math.max(...lengths);
  const raw = Math.max(1, max / 12);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const bins = Math.max(1, Math.ceil((max + 1) / step));
  return binValues(lengths, binEdges(0, bins * step, bins));
}

export function analyseIteration(
  iteration: number,
  files: IterationFilesData,
  opts: { scoreMin?: number; scoreMax?: number; rho?: number; minScoredCandidates?: number } = {},
): IterationAnalytics {
  const scoreMin = opts.scoreMin ?? 0;
  const scoreMax = opts.scoreMax ?? 5;
  const candidates = files.candidates.filter((c) => !c.error);
  const byCandidate = new Map<string, (number | null)[]>();
  let parseFailures = 0;
  let failedJudgments = 0;
  const sampleScores: number[] = [];
  for (const j of files.judgments) {
    let list = byCandidate.get(j.candidateId);
    if (!list) byCandidate.set(j.candidateId, (list = []));
    list.push(j.parseOk ? j.score : null);
    if (j.error) failedJudgments++;
    else if (j.score === null || !j.parseOk) parseFailures++;
    else sampleScores.push(j.score);
  }
  const scored: { c: CandidateRecord; score: number }[] = [];
  const byPrompt = new Map<string, { id: string; score: number | null; chars: number }[]>();
  for (const c of candidates) {
    const s = meanScore(byCandidate.get(c.id) ?? []);
    let list = byPrompt.get(c.promptId);
    if (!list) byPrompt.set(c.promptId, (list = []));
    list.push({ id: c.id, score: s, chars: c.chars });
    if (s !== null) scored.push({ c, score: s });
  }
  let promptsScored = 0;
  let ties = 0;
  for (const cands of byPrompt.values()) {
    const r = selectPair(cands, opts.rho ?? 0, opts.minScoredCandidates ?? 2);
    if ('drop' in r && r.drop === 'too_few_scored') continue;
    promptsScored++;
    if ('drop' in r && r.drop === 'tie') ties++;
  }
  const lengths = candidates.map((c) => c.chars);
  const bins = Math.max(1, Math.round(scoreMax - scoreMin) + 1);
  // one bin per whole point: [s − 0.5, s + 0.5)
  const sampleScoreHistogram = binValues(sampleScores, binEdges(scoreMin - 0.5, scoreMax + 0.5, bins));
  const modal = sampleScores.length ? Math.max(...sampleScoreHistogram.map((b) => b.count)) / sampleScores.length : null;
  const xs = scored.map((s) => s.c.chars);
  const ys = scored.map((s) => s.score);
  return {
    iteration,
    candidates: candidates.length,
    scoredCandidates: scored.length,
    judgments: files.judgments.length,
    failedJudgments,
    parseFailures,
    parseFailureRate: files.judgments.length - failedJudgments ? parseFailures / (files.judgments.length - failedJudgments) : null,
    sampleScoreHistogram,
    candidateScore: distribution(ys),
    length: distribution(lengths),
    lengthHistogram: lengthHistogram(lengths),
    scoreLength: { pearson: pearson(xs, ys), spearman: xs.length >= 2 ? spearman(xs, ys) : null, points: xs.length },
    promptsScored,
    ties,
    tieRate: promptsScored ? ties / promptsScored : null,
    pairs: files.pairs.length,
    meanChosenChars: mean(files.pairs.map((p) => p.chosen.chars)),
    meanRejectedChars: mean(files.pairs.map((p) => p.rejected.chars)),
    modalScoreShare: modal,
  };
}

export interface AnalyticsWarning {
  iteration: number;
  kind: 'length-drift' | 'parse-failures' | 'score-collapse' | 'length-bias';
  message: string;
}

export const WARN = {
  /** mean answer length grew by more than this share over the previous iteration */
  lengthGrowth: 0.2,
  /** …while the head-to-head win rate minus loss rate is below this */
  minNetWin: 0.1,
  parseFailureRate: 0.1,
  modalScoreShare: 0.8,
  scoreLengthRho: 0.5,
};

/**
 * Warnings over a series of iterations. `headToHead.get(t)` is model t+1 vs t (the model iteration t trained,
 * against its start) when known — length growth is only fine if it came with a clear head-to-head gain.
 */
export function analyticsWarnings(series: readonly IterationAnalytics[], headToHead: ReadonlyMap<number, HeadToHeadSummary> = new Map()): AnalyticsWarning[] {
  const out: AnalyticsWarning[] = [];
  const sorted = [...series].sort((a, b) => a.iteration - b.iteration);
  sorted.forEach((a, i) => {
    const prev = sorted[i - 1];
    if (prev && prev.length.mean && a.length.mean !== null) {
      const growth = a.length.mean / prev.length.mean - 1;
      if (growth > WARN.lengthGrowth) {
        // the head-to-head that tells whether the longer answers are better: this iteration's model vs the previous
        const h = headToHead.get(prev.iteration);
        const net = h && h.winRate !== null && h.lossRate !== null ? h.winRate - h.lossRate : null;
        const pct = `${Math.round(growth * 100)} %`;
        if (net === null) {
          out.push({ iteration: a.iteration, kind: 'length-drift', message: `Answers grew ${pct} longer than in iteration ${prev.iteration} (mean ${Math.round(prev.length.mean)} → ${Math.round(a.length.mean)} chars) and there is no head-to-head of M${a.iteration} vs M${prev.iteration} (the models that wrote them) yet to show they got better: run "Compare Models…", or turn on eval.afterIteration.` });
        } else if (net < WARN.minNetWin) {
          out.push({ iteration: a.iteration, kind: 'length-drift', message: `Answers grew ${pct} longer than in iteration ${prev.iteration} while the head-to-head barely moved (wins − losses = ${(net * 100).toFixed(1)} pt): the judge may be rewarding length. Consider length control (pairs.rho).` });
        }
      }
    }
    if (a.parseFailureRate !== null && a.parseFailureRate > WARN.parseFailureRate) {
      out.push({ iteration: a.iteration, kind: 'parse-failures', message: `${(a.parseFailureRate * 100).toFixed(1)} % of judgments had no readable "Score:" line.` });
    }
    if (a.modalScoreShare !== null && a.modalScoreShare > WARN.modalScoreShare) {
      out.push({ iteration: a.iteration, kind: 'score-collapse', message: `${(a.modalScoreShare * 100).toFixed(0)} % of judge samples gave the same score: the judge barely separates answers (ties ${a.tieRate === null ? '–' : `${(a.tieRate * 100).toFixed(0)} %`}).` });
    }
    if (a.scoreLength.spearman !== null && a.scoreLength.spearman > WARN.scoreLengthRho) {
      out.push({ iteration: a.iteration, kind: 'length-bias', message: `Judge scores rise with answer length (Spearman ρ = ${a.scoreLength.spearman.toFixed(2)}).` });
    }
  });
  return out;
}
