/**
 * Stage 1, prompts: few-shot generation of new instructions, cleaned and filtered (promptFilter.ts). Every attempt
 * is a record in prompts.jsonl (kept, or dropped with a reason), so counts add up with drop reasons.
 *
 * Few-shot mix (Self-Instruct): `fewShotGenerated` of the `fewShot` examples (2 of 8 by default) are prompts
 * generated earlier — kept in earlier iterations, or in this one among the attempts before n − GENERATED_LAG — and
 * the rest are seed prompts, shuffled together. With fewer generated prompts than that, seeds fill in.
 *
 * Determinism: attempts are numbered; each attempt's few-shot examples and request seed derive from its number and
 * from records already written when it is sent (attempt n is sent once the first n − GENERATED_LAG attempts are
 * written: with fewer requests in flight than the lag, it seldom waits). Results arrive out of order but are filtered
 * and written strictly in attempt order, so the near-duplicate check (which depends on what was kept before) and the
 * stopping point give the same file on every run and every resume. The filter runs on a worker thread, so its work
 * never holds up the requests; only results and verdicts wait, bounded by the requests in flight.
 */
import { setMaxListeners } from 'node:events';
import type { PromptRecord } from '../protocol';
import { describeError } from '../inference/retry';
import { fewShotPrompt } from './fewShot';
import type { PromptFilterInit } from './promptFilter';
import { PromptFilterWorker } from './promptFilterWorker';
import { requestSeed, rng, sample, shuffle } from './seeds';
import { StageProgress } from './progress';
import type { StageContext, StageCounts } from './context';

export const promptId = (t: number, n: number): string => `t${t}-p${String(n).padStart(5, '0')}`;

/** Attempt n draws its generated examples from this iteration's attempts before n − GENERATED_LAG. */
export const GENERATED_LAG = 256;

interface Example {
  id: string;
  text: string;
}

interface Outcome {
  text: string;
  finishReason?: string;
  error?: string;
}

/** Prompts kept in earlier iterations, oldest first. */
function earlierPrompts(ctx: StageContext): Example[] {
  return ctx.run
    .iterations()
    .filter((i) => i < ctx.t)
    .flatMap((i) => ctx.run.read(i, 'prompts').filter((r) => r.kept).map((r) => ({ id: r.id, text: r.text })));
}

export async function runPromptStage(ctx: StageContext): Promise<StageCounts> {
  const { run, t, params, signal } = ctx;
  const p = params.prompts;
  const seeds = ctx.seed.prompts;
  if (!seeds.length) throw new Error('prompts: the seed data has no prompts to use as few-shot examples');
  const target = p.perIteration;
  const maxAttempts = Math.ceil(p.maxAttemptsFactor * target);
  // manifests frozen before an option existed leave it out: absent means off, as it was then
  const generatedShare = p.fewShotGenerated ?? 0;

  const earlier = earlierPrompts(ctx);
  const existing = run.read(t, 'prompts');
  // kept prompts of this iteration with their attempt numbers (records are written in attempt order)
  const keptHere: (Example & { n: number })[] = [];
  existing.forEach((r, n) => r.kept && keptHere.push({ id: r.id, text: r.text, n }));
  let kept = keptHere.length;
  let written = existing.length;
  const progress = new StageProgress(run, t, 'prompts', target, kept);

  /** The few-shot examples of attempt n: a pure function of n and of records before n − GENERATED_LAG. */
  const fewShotFor = (n: number): Example[] => {
    const rand = rng(requestSeed(ctx.runSeed, t, 'prompts.fewshot', promptId(t, n)));
    if (generatedShare === 0) return sample(seeds, p.fewShot, rand);
    let visible = 0; // keptHere entries before the lag (ascending n: binary search)
    for (let hi = keptHere.length; visible < hi; ) {
      const mid = (visible + hi) >> 1;
      if (keptHere[mid].n < n - GENERATED_LAG) visible = mid + 1;
      else hi = mid;
    }
    const picked = distinctIndices(earlier.length + visible, generatedShare, rand).map((i) => (i < earlier.length ? earlier[i] : keptHere[i - earlier.length]));
    const fromSeeds = sample(seeds, p.fewShot - picked.length, rand);
    return shuffle([...picked, ...fromSeeds], rand);
  };

  const init: PromptFilterInit = {
    params: p,
    seeds: seeds.map((s) => s.text),
    earlier: p.dedupeAcrossIterations ? earlier.map((e) => e.text) : [],
    kept: keptHere.map((k) => k.text),
  };
  const filter = new PromptFilterWorker(init);

  let done = kept >= target || written >= maxAttempts;
  let firstError: unknown;
  let wake: () => void = () => undefined;
  const woken = (): Promise<void> => new Promise((r) => (wake = r));
  const examplesOf = new Map<number, Example[]>();

  const write = (rec: PromptRecord, n: number): void => {
    if (done) return;
    run.commitRecords(t, 'prompts', [rec]);
    written++;
    if (rec.kept) {
      kept++;
      keptHere.push({ id: rec.id, text: rec.text, n });
      progress.add(1);
    } else if (rec.error) progress.add(0, 1);
    if (kept >= target || written >= maxAttempts) done = true;
  };

  // Results wait here until every earlier attempt has gone to the filter; verdicts come back in attempt order and
  // are written by one promise chain, in that order.
  const ready = new Map<number, Outcome>();
  let toFilter = written;
  let writes: Promise<void> = Promise.resolve();
  const pump = (): void => {
    while (!done && ready.has(toFilter)) {
      const n = toFilter++;
      const out = ready.get(n)!;
      ready.delete(n);
      const examples = examplesOf.get(n)!;
      examplesOf.delete(n);
      const id = promptId(t, n);
      const fewShot = examples.map((e) => e.id);
      const seed = requestSeed(ctx.runSeed, t, 'prompts', id);
      if (out.error !== undefined) ctx.budgets?.prompts?.fail(out.error); // past the budget this aborts the stage
      const record: Promise<PromptRecord> =
        out.error !== undefined
          ? Promise.resolve({ id, iteration: t, text: '', kept: false, dropReason: 'failed', fewShot, seed, error: out.error })
          : filter.check(n, out.text, out.finishReason, examples.map((e) => e.text)).then((v) => ({ id, iteration: t, text: v.text, kept: !v.drop, ...(v.drop ? { dropReason: v.drop } : {}), fewShot, seed }));
      record.catch(() => undefined); // handled where the chain reaches it; not an unhandled rejection meanwhile
      writes = writes
        .then(() => record)
        .then((r) => write(r, n))
        .catch((e: unknown) => void (firstError ??= e))
        .finally(() => wake());
    }
  };

  // Requests of attempts past the stopping point are cancelled through this controller (not the user's stop).
  const enough = new AbortController();
  setMaxListeners(0, enough.signal);
  const onStop = (): void => enough.abort(signal.reason);
  signal.addEventListener('abort', onStop, { once: true });
  const inflight = new Map<number, Promise<void>>();
  let issued = written;
  try {
    const launch = (n: number): void => {
      const examples = fewShotFor(n);
      examplesOf.set(n, examples);
      const prompt = fewShotPrompt(examples.map((e) => e.text));
      const seed = requestSeed(ctx.runSeed, t, 'prompts', promptId(t, n));
      const task = ctx.generator
        .chat({ prompt, n: 1, temperature: p.temperature, topP: p.topP, maxTokens: p.maxTokens, seed }, enough.signal)
        .then(
          (r) => void ready.set(n, { text: r.choices[0]?.text ?? '', finishReason: r.choices[0]?.finishReason }),
          (e: unknown) => {
            if (enough.signal.aborted) return void examplesOf.delete(n); // stopped, or no longer needed: not an outcome
            ready.set(n, { text: '', error: describeError(e) });
          },
        )
        .then(() => {
          inflight.delete(n);
          pump();
          wake();
        });
      inflight.set(n, task);
    };
    // Keep the pool full without running far past the target: expect the keep rate seen so far.
    const slack = Math.max(1, ctx.concurrency * 0.1);
    const wantMore = (): boolean => {
      const keepRate = written > 0 ? Math.max(0.2, kept / written) : 1;
      return inflight.size === 0 || kept + (issued - written) * keepRate < target + slack;
    };
    const visibleYet = (n: number): boolean => generatedShare === 0 || n - GENERATED_LAG <= written;
    for (;;) {
      if (signal.aborted || firstError) break;
      while (!done && inflight.size < ctx.concurrency && issued < maxAttempts && wantMore() && visibleYet(issued)) launch(issued++);
      if (done) enough.abort(new Error('enough prompts'));
      if (!inflight.size && (done || toFilter === issued)) {
        await writes; // every verdict asked for is written: stop, or launch what the lag held back
        if (done) break;
        continue;
      }
      await woken();
    }
    enough.abort(new Error('stage over'));
    await Promise.all(inflight.values());
    await writes;
  } finally {
    signal.removeEventListener('abort', onStop);
    await filter.close();
  }
  if (firstError) throw firstError;
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('stopped');
  progress.flush();
  return promptCounts(run.read(t, 'prompts'));
}

/** `k` distinct integers in [0, size), drawn by rejection (k ≪ size), in draw order. */
function distinctIndices(size: number, k: number, rand: () => number): number[] {
  const out: number[] = [];
  while (out.length < Math.min(k, size)) {
    const i = Math.floor(rand() * size);
    if (!out.includes(i)) out.push(i);
  }
  return out;
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
