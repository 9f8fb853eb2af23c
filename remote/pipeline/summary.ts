/**
 * The iteration table's numbers (metrics.json = IterationSummary), computed from the iteration's files with the
 * definitions of remote/counts.ts. Models are named as people name them (M1 → M2, modelLabel) with their paths beside.
 */
import type { IterationSummary, TrainMetrics } from '../protocol';
import type { Run } from '../store/runStore';
import { mean } from '../stats';
import { modelLabel, modelPath, policyModel } from '../modelNames';
import { trainedPairs } from '../counts';
import { isParseFailure } from './judge';

export function computeSummary(run: Run, t: number, train?: { last?: TrainMetrics }): IterationSummary {
  const prompts = run.read(t, 'prompts');
  const cands = run.read(t, 'candidates');
  const judgments = run.read(t, 'judgments');
  const pairs = run.read(t, 'pairs');
  const promptsDropped: Record<string, number> = {};
  for (const p of prompts) if (!p.kept) promptsDropped[p.dropReason ?? 'unknown'] = (promptsDropped[p.dropReason ?? 'unknown'] ?? 0) + 1;
  const pairsDropped: Record<string, number> = {};
  const manifest = run.readManifest(t);
  const stage = manifest?.stages.pairs?.counts ?? {};
  for (const [k, v] of Object.entries(stage)) if (k.startsWith('dropped.')) pairsDropped[k.slice(8)] = v;
  const parseFailures = judgments.filter(isParseFailure).length;
  const answered = judgments.filter((j) => !j.error).length;
  const okCands = cands.filter((c) => !c.error);
  const trained = manifest?.stages.training?.status === 'done' ? trainedPairs(manifest.stages.training.counts) : undefined;
  const models = run.models();
  const mIn = policyModel(models, t);
  const mOut = trained ? policyModel(models, t + 1) : undefined;
  const meta = manifest?.params.metaJudge?.enabled ? metaSummary(run, t) : undefined;
  return {
    iteration: t,
    promptsKept: prompts.filter((p) => p.kept).length,
    promptsDropped,
    candidates: cands.length,
    candidatesJudged: new Set(judgments.map((j) => j.candidateId)).size,
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
    ...(trained ? { trainedPairs: trained.trained, excludedPairs: trained.excluded } : {}),
    ...(mIn ? { modelIn: modelLabel(mIn), modelInPath: modelPath(mIn) } : {}),
    ...(mOut ? { modelOut: modelLabel(mOut), modelOutPath: modelPath(mOut) } : {}),
    failedItems: prompts.filter((p) => p.error).length + cands.filter((c) => c.error).length + judgments.filter((j) => j.error).length + (meta?.failed ?? 0),
    outOfRangeScores: judgments.filter((j) => j.outOfRange !== undefined).length,
    truncatedCandidates: okCands.filter((c) => c.truncated).length,
    ...(meta?.summary ?? {}),
  };
}

/** The meta-judge's numbers (iterations that ran it): verdicts, position preference, judge pairs, what trained. */
function metaSummary(run: Run, t: number): { summary: Partial<IterationSummary>; failed: number } {
  const verdicts = run.read(t, 'meta-judgments');
  const judgePairs = run.read(t, 'judge-pairs');
  const manifest = run.readManifest(t);
  const dropped: Record<string, number> = {};
  for (const [k, v] of Object.entries(manifest?.stages['meta-judge']?.counts ?? {})) if (k.startsWith('dropped.')) dropped[k.slice(8)] = v;
  const readable = verdicts.filter((v) => v.winner !== null && !v.error);
  const first = readable.filter((v) => v.winner === v.first).length;
  const chosenScores: Record<string, number> = {};
  for (const p of judgePairs) chosenScores[String(p.chosen.score)] = (chosenScores[String(p.chosen.score)] ?? 0) + 1;
  const trained = manifest?.stages.training?.counts?.judgeRows;
  const summary: Partial<IterationSummary> = {
    judgePairs: judgePairs.length,
    judgePairsDropped: dropped,
    ...(trained !== undefined ? { judgeRows: trained } : {}),
    metaVerdicts: verdicts.length,
    metaUnreadable: verdicts.filter((v) => !v.parseOk && !v.error).length,
    metaFirstPositionRate: readable.length ? first / readable.length : null,
    judgeChosenScores: chosenScores,
  };
  return { summary, failed: verdicts.filter((v) => v.error).length };
}
