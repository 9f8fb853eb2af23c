/** The iteration table's numbers (metrics.json = IterationSummary), computed from the iteration's files. */
import type { IterationSummary, TrainMetrics } from '../protocol';
import type { Run } from '../store/runStore';
import { mean } from '../stats';
import { isParseFailure } from './judge';


export function computeSummary(run: Run, t: number, train?: { last?: TrainMetrics; modelOut?: string }): IterationSummary {
  const prompts = run.read(t, 'prompts');
  const cands = run.read(t, 'candidates');
  const judgments = run.read(t, 'judgments');
  const pairs = run.read(t, 'pairs');
  const promptsDropped: Record<string, number> = {};
  for (const p of prompts) if (!p.kept) promptsDropped[p.dropReason ?? 'unknown'] = (promptsDropped[p.dropReason ?? 'unknown'] ?? 0) + 1;
  const pairsDropped: Record<string, number> = {};
  const stage = run.readManifest(t)?.stages.pairs?.counts ?? {};
  for (const [k, v] of Object.entries(stage)) if (k.startsWith('dropped.')) pairsDropped[k.slice(8)] = v;
  const parseFailures = judgments.filter(isParseFailure).length;
  const answered = judgments.filter((j) => !j.error).length;
  const okCands = cands.filter((c) => !c.error);
  return {
    iteration: t,
    promptsKept: prompts.filter((p) => p.kept).length,
    promptsDropped,
    candidates: cands.length,
    judgments: judgments.length,
    parseFailures,
    parseFailureRate: answered ? parseFailures / answered : 0,
    ties: pairsDropped.tie ?? 0,
    pairs: pairs.length,
    pairsDropped,
    meanChosenScore: mean(pairs.map((p) => p.chosen.score)),
    meanRejectedScore: mean(pairs.map((p) => p.rejected.score)),
    meanCandidateChars: mean(okCands.map((c) => c.chars)),
    trainLoss: train?.last?.loss ?? null,
    trainRewardMargin: train?.last?.rewardsMargins ?? null,
    ...(train?.modelOut ? { modelOut: train.modelOut } : {}),
    failedItems: prompts.filter((p) => p.error).length + cands.filter((c) => c.error).length + judgments.filter((j) => j.error).length,
    outOfRangeScores: judgments.filter((j) => j.outOfRange !== undefined).length,
    truncatedCandidates: okCands.filter((c) => c.truncated).length,
  };
}
