/**
 * Stage 2, candidates: N answers per kept prompt from the current model, one request with `n`. An answer cut by
 * max_tokens (finish reason `length`) is flagged `truncated`; the pair stage leaves it out by default.
 */
import type { CandidateRecord } from '../protocol';
import { fanOut } from './fanOut';
import { StageProgress } from './progress';
import { requestSeed } from './seeds';
import type { Feed, Limiter } from '../inference/limiter';
import type { StageContext, StageCounts } from './context';

/** Overlap with the judge stage: answered candidates go into `feed` as they are written (durable ones first). */
export interface CandidateStreaming {
  feed: Feed<CandidateRecord>;
  limiter: Limiter;
}

export const candidateId = (promptId: string, index: number): string => `${promptId}-c${index}`;

export async function runCandidateStage(ctx: StageContext, stream?: CandidateStreaming): Promise<StageCounts> {
  const { run, t, params } = ctx;
  const c = params.candidates;
  const prompts = run.read(t, 'prompts').filter((p) => p.kept);
  const existing = run.read(t, 'candidates');
  const durable = new Set(existing.map((r) => r.id));
  stream?.feed.push(...existing.filter((r) => !r.error));
  const ids = (promptId: string) => Array.from({ length: c.n }, (_, i) => candidateId(promptId, i));
  const already = prompts.filter((p) => ids(p.id).every((id) => durable.has(id))).length;
  await fanOut<(typeof prompts)[number], CandidateRecord>({
    items: prompts,
    n: c.n,
    recordIds: (p) => ids(p.id),
    durable,
    request: (p) => ({ prompt: p.text, temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, seed: requestSeed(ctx.runSeed, t, 'candidates', p.id) }),
    records: (p, res, error) =>
      ids(p.id).map((id, index): CandidateRecord => {
        if (error !== undefined || !res) return { id, promptId: p.id, iteration: t, index, text: '', chars: 0, error: error ?? 'no result' };
        const ch = res.choices[index];
        return {
          id,
          promptId: p.id,
          iteration: t,
          index,
          text: ch.text,
          chars: ch.text.length,
          ...(ch.finishReason ? { finishReason: ch.finishReason } : {}),
          ...(ch.finishReason === 'length' ? { truncated: true as const } : {}),
          // usage is per request: share it out so sums stay right
          ...(res.completionTokens !== undefined ? { completionTokens: Math.round(res.completionTokens / c.n) } : {}),
        };
      }),
    write: (recs) => {
      run.commitRecords(t, 'candidates', recs);
      stream?.feed.push(...recs.filter((rec) => !rec.error));
    },
    client: ctx.model,
    concurrency: ctx.concurrency,
    // candidates first: judges fill the slots the last (longest) answers leave free
    ...(stream ? { limiter: { limiter: stream.limiter, priority: 0 as const } } : {}),
    progress: new StageProgress(run, t, 'candidates', prompts.length, already),
    budget: ctx.budgets?.candidates,
    signal: ctx.signal,
  });
  const all = run.read(t, 'candidates');
  return { prompts: prompts.length, candidates: all.length, failed: all.filter((r) => r.error).length, truncated: all.filter((r) => r.truncated).length };
}
