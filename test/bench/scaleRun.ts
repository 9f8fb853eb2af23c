/**
 * One measured run for the `scale` benchmark (scale.bench.ts starts one process per size, so each peak RSS is its
 * own): prompts → candidates + judgments (overlapping, as an iteration runs them) → pairs, N = 4, K = 3, against a
 * sim server in another process. Prints one JSON line: wall time and agent CPU per stage, event-loop delay, resident
 * memory sampled per stage, the files' counts, and the capacity model's ideal bound for the sequences produced.
 *   node --expose-gc scaleRun.js --url=URL --prompts=N [--concurrency=C] [--capacity=C,R,TTFT]   (bundled by scale.bench.ts)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import { setMaxListeners } from 'node:events';
import type { CandidateRecord, JudgmentRecord, PromptRecord } from '../../remote/protocol';
import { forEachJsonl } from '../../remote/store/jsonl';
import { validateConfig } from '../../remote/config/config';
import { RunStore, type Run } from '../../remote/store/runStore';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { InferenceClient } from '../../remote/inference/client';
import { Feed, Limiter } from '../../remote/inference/limiter';
import { runPromptStage } from '../../remote/pipeline/promptgen';
import { runCandidateStage } from '../../remote/pipeline/candidates';
import { runJudgeStage } from '../../remote/pipeline/judge';
import { runPairStage } from '../../remote/pipeline/pairs';
import type { StageContext } from '../../remote/pipeline/context';
import { loadSeed } from '../../remote/seed/index';
import { setQuiet } from '../../remote/log';

const CHARS_PER_TOKEN = 4; // the sim's documented token approximation

type Stage = 'prompts' | 'generateAndJudge' | 'pairs';

export interface ScaleRunResult {
  prompts: number;
  attempts: number;
  candidates: number;
  judgments: number;
  pairs: number;
  failed: number;
  requests: number;
  seconds: Record<Stage | 'total', number>;
  cpuSeconds: Record<Stage | 'total', number>;
  /** resident set and V8 heap in use, sampled every 100 ms (after a full GC at each stage's start) */
  peakRssMB: Record<Stage | 'process', number>;
  peakHeapMB: Record<Stage, number>;
  loopDelayMs: Record<Stage, { p99: number; max: number }>;
  /** most answered candidates waiting in the feed for their judge requests */
  feedBacklogMax: number;
  /** Σ (ttft + tokens / R) / C over every sequence produced, with --capacity; and over the prompt attempts alone */
  idealSeconds?: number;
  idealPromptsSeconds?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, prompts: { type: 'string' }, concurrency: { type: 'string' }, capacity: { type: 'string' } } });
  const url = values.url!;
  const size = Number(values.prompts);
  const concurrency = Number(values.concurrency ?? 64);
  setQuiet(true);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-bench-scale-'));
  try {
    const cfg = validateConfig({
      name: 'scale', seed: 5, model: { backend: 'external', name: 'sim-base', baseUrls: [url] }, seedData: [{ path: 'builtin:demo' }],
      prompts: { perIteration: size }, candidates: { n: 4 }, judge: { k: 3 }, inference: { concurrency }, trainer: { backend: 'trl' }, // required with an external server; not used
    });
    const run: Run = new RunStore(tmp).create(cfg, { agentVersion: 'bench', rubricText: DEFAULT_RUBRIC });
    const client = new InferenceClient({ baseUrls: [url], model: 'sim-base' }, { maxRetries: 3, timeoutMs: 600_000 });
    const ac = new AbortController();
    setMaxListeners(0, ac.signal);
    const ctx: StageContext = {
      run, t: 1, runSeed: cfg.seed, concurrency, signal: ac.signal,
      params: { prompts: cfg.prompts, candidates: cfg.candidates, judge: cfg.judge, pairs: cfg.pairs, review: cfg.review, trainer: cfg.trainer },
      rubric: { version: 1, hash: 'bench', text: DEFAULT_RUBRIC }, modelIn: { iteration: 1, name: 'sim-base', madeBy: 'base' },
      model: client, generator: client, trainer: { train: () => Promise.reject(new Error('not used')) }, seed: loadSeed(cfg.seedData),
    };

    // memory, sampled per stage
    let rss = 0;
    let heap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      rss = Math.max(rss, m.rss);
      heap = Math.max(heap, m.heapUsed);
    }, 100);
    const mb = (b: number): number => Math.round(b / 2 ** 20);
    const gc = (globalThis as { gc?: () => void }).gc;
    const stage = async (body: () => Promise<unknown>): Promise<{ seconds: number; cpu: number; rss: number; heap: number; delay: { p99: number; max: number } }> => {
      gc?.(); // what the previous stage left behind is not this one's
      rss = process.memoryUsage().rss;
      heap = process.memoryUsage().heapUsed;
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await body();
      const seconds = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      h.disable();
      return { seconds, cpu: (c.user + c.system) / 1e6, rss: mb(rss), heap: mb(heap), delay: { p99: h.percentile(99) / 1e6, max: h.max / 1e6 } };
    };

    const p = await stage(() => runPromptStage(ctx));
    let feedBacklogMax = 0;
    const g = await stage(async () => {
      const feed = new Feed<CandidateRecord>();
      const push = feed.push.bind(feed);
      feed.push = (...xs) => {
        push(...xs);
        feedBacklogMax = Math.max(feedBacklogMax, feed.backlog);
      };
      const limiter = new Limiter(concurrency);
      await Promise.all([runCandidateStage(ctx, { feed, limiter }).finally(() => feed.close()), runJudgeStage(ctx, { feed, limiter })]);
    });
    const q = await stage(() => runPairStage(ctx));
    clearInterval(sampler);
    const processPeak = mb(process.resourceUsage().maxRSS * 1024);

    // counts and the ideal bound from the files, streamed (after the measured stages)
    const [c, r, ttft] = (values.capacity ?? '1,1,0').split(',').map(Number);
    let seqSeconds = 0;
    const sequence = (text: string): void => void (seqSeconds += ttft / 1000 + Math.ceil(text.length / CHARS_PER_TOKEN) / r);
    const counts = { kept: 0, attempts: 0, candidates: 0, judgments: 0, pairs: 0, failed: 0 };
    forEachJsonl<PromptRecord>(run.filePath(1, 'prompts'), (x) => {
      counts.attempts++;
      if (x.kept) counts.kept++;
      if (x.error) counts.failed++;
      else sequence(x.text); // the prompt as recorded (cleaned): about the text the server produced
    });
    const promptSeqSeconds = seqSeconds;
    forEachJsonl<CandidateRecord>(run.filePath(1, 'candidates'), (x) => {
      counts.candidates++;
      if (x.error) counts.failed++;
      else sequence(x.text);
    });
    forEachJsonl<JudgmentRecord>(run.filePath(1, 'judgments'), (x) => {
      counts.judgments++;
      if (x.error) counts.failed++;
      else sequence(x.text);
    });
    forEachJsonl(run.filePath(1, 'pairs'), () => void counts.pairs++);
    const result: ScaleRunResult = {
      prompts: counts.kept,
      attempts: counts.attempts,
      candidates: counts.candidates,
      judgments: counts.judgments,
      pairs: counts.pairs,
      failed: counts.failed,
      requests: client.stats.requests,
      seconds: { prompts: p.seconds, generateAndJudge: g.seconds, pairs: q.seconds, total: p.seconds + g.seconds + q.seconds },
      cpuSeconds: { prompts: p.cpu, generateAndJudge: g.cpu, pairs: q.cpu, total: p.cpu + g.cpu + q.cpu },
      peakRssMB: { prompts: p.rss, generateAndJudge: g.rss, pairs: q.rss, process: processPeak },
      peakHeapMB: { prompts: p.heap, generateAndJudge: g.heap, pairs: q.heap },
      loopDelayMs: { prompts: p.delay, generateAndJudge: g.delay, pairs: q.delay },
      feedBacklogMax,
      ...(values.capacity ? { idealSeconds: seqSeconds / c, idealPromptsSeconds: promptSeqSeconds / c } : {}),
    };
    run.close();
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// bundled (scale.bench.ts builds this file as the agent is built), the prompt filter's worker loads this same file
if (isMainThread) {
  main().catch((e) => {
    process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
    process.exit(1);
  });
}
