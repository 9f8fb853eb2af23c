/**
 * Stage 4, pairs: per kept prompt, the candidates' scores (mean of valid judge samples) → a chosen/rejected pair by
 * `selectPair` (ρ length control; at ρ = 0 the tie-break among equally scored candidates, random by a seed of
 * (run seed, iteration, prompt) by default), or a drop reason. Candidates cut by max_tokens are left out by default
 * (`excludeTruncated`); a prompt that lacks scored candidates only because of that is dropped as `truncated`. Pure
 * function of the earlier files, so a resume recomputes the same pairs and writes only those not yet durable.
 */
import type { CandidateRecord, JudgmentRecord, PairDropReason, PairRecord, PairSide, RunConfig } from '../protocol';
import { selectPair } from './pairSelection';
import { requestSeed, rng } from './seeds';
import { meanScore } from '../stats';
import type { StageContext, StageCounts } from './context';

export const pairId = (promptId: string): string => `${promptId}-pair`;

export interface ScoredCandidate extends CandidateRecord {
  score: number | null;
  scores: (number | null)[];
}

/** Candidate score = mean of its valid samples (null when none parsed). */
export function scoreCandidates(cands: CandidateRecord[], judgments: JudgmentRecord[]): ScoredCandidate[] {
  const byCand = new Map<string, JudgmentRecord[]>();
  for (const j of judgments) {
    const list = byCand.get(j.candidateId) ?? [];
    list.push(j);
    byCand.set(j.candidateId, list);
  }
  return cands.map((c) => {
    const js = (byCand.get(c.id) ?? []).sort((a, b) => a.sample - b.sample);
    const scores = js.map((j) => (j.parseOk ? j.score : null));
    return { ...c, scores, score: c.error ? null : meanScore(scores) };
  });
}

export interface PairOptions {
  pairs: RunConfig['pairs'];
  /** the run seed (the random tie-break draws from (run seed, iteration, prompt id)) */
  runSeed: number;
}

export function buildPairs(
  prompts: { id: string; text: string }[],
  scored: ScoredCandidate[],
  opts: PairOptions,
  t: number,
): { pairs: PairRecord[]; drops: Map<string, PairDropReason> } {
  const { rho, minScoredCandidates: minScored } = opts.pairs;
  // runs made before these settings existed keep the behaviour they had
  const tieBreak = opts.pairs.tieBreak ?? 'shortest';
  const excludeTruncated = opts.pairs.excludeTruncated ?? false;
  const byPrompt = new Map<string, ScoredCandidate[]>();
  for (const c of scored) {
    const list = byPrompt.get(c.promptId) ?? [];
    list.push(c);
    byPrompt.set(c.promptId, list);
  }
  const pairs: PairRecord[] = [];
  const drops = new Map<string, PairDropReason>();
  const side = (c: ScoredCandidate): PairSide => ({ candidateId: c.id, text: c.text, score: c.score as number, scores: c.scores, chars: c.chars });
  for (const p of prompts) {
    const all = (byPrompt.get(p.id) ?? []).sort((a, b) => a.index - b.index);
    const cands = excludeTruncated ? all.filter((c) => !c.truncated) : all;
    const sel = selectPair(cands, rho, minScored, { tieBreak, rand: rng(requestSeed(opts.runSeed, t, 'pairs', p.id)) });
    if ('drop' in sel) {
      const scoredAll = all.filter((c) => c.score !== null).length;
      drops.set(p.id, sel.drop === 'too_few_scored' && cands.length < all.length && scoredAll >= Math.max(2, minScored) ? 'truncated' : sel.drop);
      continue;
    }
    const chosen = side(sel.chosen);
    const rejected = side(sel.rejected);
    pairs.push({ id: pairId(p.id), promptId: p.id, iteration: t, prompt: p.text, chosen, rejected, margin: chosen.score - rejected.score });
  }
  return { pairs, drops };
}

export async function runPairStage(ctx: StageContext): Promise<StageCounts> {
  const { run, t, params } = ctx;
  const prompts = run.read(t, 'prompts').filter((p) => p.kept);
  const scored = scoreCandidates(run.read(t, 'candidates'), run.read(t, 'judgments'));
  const { pairs, drops } = buildPairs(prompts, scored, { pairs: params.pairs, runSeed: ctx.runSeed }, t);
  const durable = new Set(run.read(t, 'pairs').map((p) => p.id));
  run.commitRecords(t, 'pairs', pairs.filter((p) => !durable.has(p.id)));
  const counts: StageCounts = { prompts: prompts.length, pairs: pairs.length, truncated: scored.filter((c) => c.truncated).length };
  for (const reason of drops.values()) counts[`dropped.${reason}`] = (counts[`dropped.${reason}`] ?? 0) + 1;
  return counts;
}
