/**
 * Stage 1, prompts: few-shot generation of new instructions from the seed prompts, cleaned and filtered. Every
 * attempt is a record in prompts.jsonl (kept, or dropped with a reason), so counts add up with drop reasons.
 *
 * Determinism: attempts are numbered; each attempt's few-shot examples and request seed derive from its number.
 * Results arrive out of order but are filtered and written strictly in attempt order, so the near-duplicate check
 * (which depends on what was kept before) and the stopping point give the same file on every run and every resume.
 */
import { setMaxListeners } from 'node:events';
import type { PromptDropReason, PromptRecord } from '../protocol';
import { describeError } from '../inference/retry';
import { RougeIndex, rougeL } from './rougeL';
import { cleanInstruction, fewShotPrompt, normaliseText } from './fewShot';
import { requestSeed, rng, sample } from './seeds';
import { StageProgress } from './progress';
import type { StageContext, StageCounts } from './context';

export const promptId = (t: number, n: number): string => `t${t}-p${String(n).padStart(5, '0')}`;

interface Outcome {
  text: string;
  error?: string;
}

export async function runPromptStage(ctx: StageContext): Promise<StageCounts> {
  const { run, t, params, signal } = ctx;
  const p = params.prompts;
  const seeds = ctx.seed.prompts;
  if (!seeds.length) throw new Error('prompts: the seed data has no prompts to use as few-shot examples');
  const target = p.perIteration;
  const maxAttempts = Math.ceil(p.maxAttemptsFactor * target);

  const seedIndex = new RougeIndex();
  for (const s of seeds) seedIndex.add(s.id, s.text);
  const keptIndex = new RougeIndex();
  const keptNorm = new Set<string>();

  const existing = run.read(t, 'prompts');
  let kept = 0;
  for (const r of existing) {
    if (!r.kept) continue;
    kept++;
    keptIndex.add(r.id, r.text);
    keptNorm.add(normaliseText(r.text));
  }
  let committed = existing.length;
  const writer = run.writer(t, 'prompts');
  const progress = new StageProgress(run, t, 'prompts', target, kept);

  const fewShotFor = (n: number) => sample(seeds, p.fewShot, rng(requestSeed(ctx.runSeed, t, 'prompts.fewshot', promptId(t, n))));

  const judgeText = (raw: string, examples: typeof seeds): { text: string; drop?: PromptDropReason } => {
    const c = cleanInstruction(raw);
    if ('drop' in c) return { text: raw.trim(), drop: c.drop };
    const text = c.text;
    if (text.length < p.minChars) return { text, drop: 'too_short' };
    if (text.length > p.maxChars) return { text, drop: 'too_long' };
    const norm = normaliseText(text);
    if (examples.some((e) => normaliseText(e.text) === norm || rougeL(text, e.text) >= p.rougeThreshold)) return { text, drop: 'echo' };
    if (seedIndex.nearest(text, p.rougeThreshold)) return { text, drop: 'seed_duplicate' };
    if (keptNorm.has(norm) || keptIndex.nearest(text, p.rougeThreshold)) return { text, drop: 'near_duplicate' };
    return { text };
  };

  // Results wait here until every earlier attempt is written.
  const ready = new Map<number, Outcome>();
  let done = kept >= target || committed >= maxAttempts;
  const commit = (): void => {
    while (!done && ready.has(committed)) {
      const n = committed;
      const out = ready.get(n)!;
      ready.delete(n);
      const examples = fewShotFor(n);
      const id = promptId(t, n);
      const seed = requestSeed(ctx.runSeed, t, 'prompts', id);
      let rec: PromptRecord;
      if (out.error !== undefined) {
        ctx.budgets?.prompts?.fail(out.error); // past the budget this aborts the stage
        rec = { id, iteration: t, text: '', kept: false, dropReason: 'failed', fewShot: examples.map((e) => e.id), seed, error: out.error };
      } else {
        const v = judgeText(out.text, examples);
        rec = { id, iteration: t, text: v.text, kept: !v.drop, fewShot: examples.map((e) => e.id), seed, ...(v.drop ? { dropReason: v.drop } : {}) };
      }
      writer.append(rec);
      run.emit({ type: 'prompt', record: rec });
      committed++;
      if (rec.kept) {
        kept++;
        keptIndex.add(rec.id, rec.text);
        keptNorm.add(normaliseText(rec.text));
        progress.add(1);
      } else if (rec.error) progress.add(0, 1);
      if (kept >= target || committed >= maxAttempts) done = true;
    }
  };

  // Requests of attempts past the stopping point are cancelled through this controller (not the user's stop).
  const enough = new AbortController();
  setMaxListeners(0, enough.signal);
  const onStop = (): void => enough.abort(signal.reason);
  signal.addEventListener('abort', onStop, { once: true });
  const inflight = new Map<number, Promise<void>>();
  let issued = committed;
  let firstError: unknown;
  try {
    const launch = (n: number): void => {
      const prompt = fewShotPrompt(fewShotFor(n).map((e) => e.text));
      const seed = requestSeed(ctx.runSeed, t, 'prompts', promptId(t, n));
      const task = ctx.generator
        .chat({ prompt, n: 1, temperature: p.temperature, topP: p.topP, maxTokens: p.maxTokens, seed }, enough.signal)
        .then(
          (r) => void ready.set(n, { text: r.choices[0]?.text ?? '' }),
          (e: unknown) => {
            if (enough.signal.aborted) return; // stopped, or no longer needed: not an outcome
            ready.set(n, { text: '', error: describeError(e) });
          },
        )
        .then(() => {
          inflight.delete(n);
          try {
            commit();
          } catch (e) {
            firstError ??= e;
          }
        });
      inflight.set(n, task);
    };
    // Keep the pool full without running far past the target: expect the keep rate seen so far.
    const slack = Math.max(1, ctx.concurrency * 0.1);
    const wantMore = (): boolean => {
      const keepRate = committed > 0 ? Math.max(0.2, kept / committed) : 1;
      return inflight.size === 0 || kept + (issued - committed) * keepRate < target + slack;
    };
    for (;;) {
      if (signal.aborted || firstError) break;
      while (!done && inflight.size < ctx.concurrency && issued < maxAttempts && wantMore()) launch(issued++);
      if (done) enough.abort(new Error('enough prompts'));
      if (!inflight.size) break;
      await Promise.race(inflight.values());
    }
    await Promise.all(inflight.values());
  } finally {
    signal.removeEventListener('abort', onStop);
  }
  if (firstError) throw firstError;
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('stopped');
  progress.flush();
  return promptCounts(run.read(t, 'prompts'));
}

export function promptCounts(records: PromptRecord[]): StageCounts {
  const counts: StageCounts = { attempts: records.length, kept: 0, failed: 0 };
  for (const r of records) {
    if (r.kept) counts.kept++;
    else {
      const k = `dropped.${r.dropReason ?? 'unknown'}`;
      counts[k] = (counts[k] ?? 0) + 1;
      if (r.error) counts.failed++;
    }
  }
  return counts;
}
