/**
 * A head-to-head between any two sides — models of the run (M_t, the SFT baseline) or any OpenAI-compatible
 * endpoint — on held-out prompts (default builtin:heldout, which training never sees; `seenInTraining` in the
 * record says otherwise when a set you chose overlaps the run's prompts). Each side answers (served one after the
 * other), then the judge compares in both orders (headToHead.ts). Writes eval/h2h-<a>-vs-<b>.json(l).
 */
import type { EvalResultRef, SeedSource } from '../protocol';
import { answersFile, headToHeadFile, resultRef, writeHeadToHead, type HeadToHeadRecord } from './results';
import { answerItems } from './answers';
import { answersHash, publish, withSide, type EvalEnv, type JudgeSide, type Side } from './context';
import { headToHeadCached } from './headToHead';
import { openAiPairwiseJudge } from './judges';
import { loadHeldOutPrompts, setKey } from './promptSets';

export interface CompareOptions {
  prompts: SeedSource;
  maxPrompts: number;
  judge: JudgeSide;
  sampling: { temperature: number; topP: number; maxTokens: number };
  seed: number;
}

export async function runCompare(env: EvalEnv, a: Side, b: Side, o: CompareOptions): Promise<{ record: HeadToHeadRecord; file: string; skipped: number; result: EvalResultRef }> {
  const { run } = env;
  if (a.ref.key === b.ref.key) throw new Error(`head-to-head: ${a.ref.label} cannot be compared with itself`);
  const prompts = loadHeldOutPrompts(o.prompts, o.maxPrompts);
  const set = setKey(o.prompts.path);
  const skipped: { promptId: string; error: string }[] = [];
  const answer = (s: Side) =>
    withSide(env, s, (endpoint) =>
      answerItems(endpoint, prompts.map((p) => ({ id: p.id, turns: [p.text] })), {
        ...o.sampling, seed: o.seed, concurrency: env.concurrency, signal: env.signal, client: env.client,
        cacheFile: answersFile(run.dir, s.ref.key, set, answersHash(s.ref.name, o.sampling, o.seed)),
        onError: (id, error) => skipped.push({ promptId: id, error: `${s.ref.label}: ${error}` }),
      }),
    );
  const answersA = await answer(a);
  const answersB = await answer(b);
  const items = prompts
    .filter((p) => answersA.has(p.id) && answersB.has(p.id))
    .map((p) => ({ promptId: p.id, prompt: p.text, answerNew: answersA.get(p.id)!.replies[0], answerOld: answersB.get(p.id)!.replies[0] }));
  if (!items.length) throw new Error(`head-to-head: no prompt was answered by both ${a.ref.label} and ${b.ref.label} (${skipped[0]?.error ?? 'no prompts'})`);
  const { result, discard } = await withSide(env, o.judge.side, (endpoint) =>
    headToHeadCached(items, openAiPairwiseJudge(endpoint, { client: env.client }),
      `${headToHeadFile(run.dir, a.ref.key, b.ref.key, 'jsonl')}.partial-${answersHash(a.ref.name, b.ref.name, o.judge.label, set, o.sampling, o.seed)}`,
      { concurrency: env.concurrency, signal: env.signal, onComparison: (done) => env.onProgress?.(done, items.length) }),
  );
  const { comparisons, ...summary } = result;
  const record: HeadToHeadRecord = {
    modelNew: a.ref.iteration ?? -1, modelOld: b.ref.iteration ?? -1, modelNewName: a.ref.name, modelOldName: b.ref.name,
    ref: a.ref, againstRef: b.ref, judge: o.judge.external, judgeLabel: o.judge.label, promptSet: o.prompts.path, summary,
    finishedAt: new Date().toISOString(), ...(skipped.length ? { skippedPrompts: skipped } : {}),
  };
  const file = writeHeadToHead(run.dir, record, comparisons);
  discard();
  return { record, file, skipped: new Set(skipped.map((s) => s.promptId)).size, result: publish(run, resultRef('headToHead', run.dir, file, record)) };
}
