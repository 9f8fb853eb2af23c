/**
 * Stage 3, judgments: the current model judges each candidate K times with the rubric filled in (one request with
 * n = K). The last `Score: x` on a line of its own is parsed; an unparseable sample is a parse failure, a score
 * outside the rubric's range is out of range — each recorded, counted apart, and excluded.
 */
import type { CandidateRecord, JudgmentRecord } from '../protocol';
import { fillRubric } from '../rubric/template';
import { fanOut } from './fanOut';
import { StageProgress } from './progress';
import { parseScore } from './scoreParser';
import { requestSeed } from './seeds';
import type { Feed, Limiter } from '../inference/limiter';
import type { StageContext, StageCounts } from './context';

export const judgmentId = (candidateId: string, sample: number): string => `${candidateId}-j${sample}`;

/** A judge sample that answered but gave no readable score (an out-of-range score is counted apart). */
export const isParseFailure = (j: Pick<JudgmentRecord, 'parseOk' | 'error' | 'outOfRange'>): boolean => !j.parseOk && !j.error && j.outOfRange === undefined;

/**
 * Without `stream`, judges every answered candidate in candidates.jsonl; with it, judges candidates as the running
 * candidate stage writes them (sharing its request limit) until the feed closes.
 */
export async function runJudgeStage(ctx: StageContext, stream?: { feed: Feed<CandidateRecord>; limiter: Limiter }): Promise<StageCounts> {
  const { run, t, params } = ctx;
  const j = params.judge;
  const prompts = new Map(run.read(t, 'prompts').filter((p) => p.kept).map((p) => [p.id, p.text]));
  const cands = stream ? [] : run.read(t, 'candidates').filter((c) => !c.error && prompts.has(c.promptId));
  const durable = new Set(run.read(t, 'judgments').map((r) => r.id));
  const ids = (cid: string) => Array.from({ length: j.k }, (_, i) => judgmentId(cid, i));
  const already = cands.filter((c) => ids(c.id).every((id) => durable.has(id))).length;
  const expected = stream ? prompts.size * params.candidates.n : cands.length;
  await fanOut<CandidateRecord, JudgmentRecord>({
    items: stream ? stream.feed : cands,
    n: j.k,
    recordIds: (c) => ids(c.id),
    durable,
    request: (c) => ({
      prompt: fillRubric(ctx.rubric.text, prompts.get(c.promptId)!, c.text),
      temperature: j.temperature,
      topP: j.topP,
      maxTokens: j.maxTokens,
      seed: requestSeed(ctx.runSeed, t, 'judgments', c.id),
    }),
    records: (c, res, error) =>
      ids(c.id).map((id, sample): JudgmentRecord => {
        const base = { id, candidateId: c.id, promptId: c.promptId, iteration: t, sample, rubricHash: ctx.rubric.hash };
        if (error !== undefined || !res) return { ...base, text: '', score: null, parseOk: false, error: error ?? 'no result' };
        const text = res.choices[sample].text;
        const parsed = parseScore(text, j.scoreMin, j.scoreMax);
        return { ...base, text, score: parsed.score, parseOk: parsed.parseOk, ...(parsed.outOfRange !== undefined ? { outOfRange: parsed.outOfRange } : {}) };
      }),
    write: (recs) => run.commitRecords(t, 'judgments', recs),
    client: ctx.model,
    concurrency: ctx.concurrency,
    ...(stream ? { limiter: { limiter: stream.limiter, priority: 1 as const } } : {}),
    progress: new StageProgress(run, t, 'judgments', expected, already),
    budget: ctx.budgets?.judgments,
    signal: ctx.signal,
  });
  const all = run.read(t, 'judgments');
  const failed = all.filter((r) => r.error).length;
  const judged = run.read(t, 'candidates').filter((c) => !c.error && prompts.has(c.promptId)).length;
  return { candidates: judged, judgments: all.length, parseFailures: all.filter(isParseFailure).length, outOfRange: all.filter((r) => r.outOfRange !== undefined).length, failed };
}
