/**
 * Pipeline throughput. Generate + judge for 2,000 prompts (N = 4 candidates, K = 3 judge samples: 10,000 requests,
 * 32,000 sequences) against the sim server's capacity model, run as a separate process (`agent.js sim-server`)
 * so it does not share the agent's event loop:
 *   - achieved / ideal: the ideal makespan is the capacity model's work bound, Σ over sequences of
 *     (ttft + tokens / tokensPerSecond) divided by the C sequence slots (tokens counted as the sim counts them,
 *     ceil(chars / 4) per choice); target ≥ 0.95;
 *   - vs one request at a time: the same requests sent sequentially for a SUBSET of prompts, timed, and
 *     extrapolated linearly to 2,000 prompts (an estimate, not a measured 2,000-prompt loop); target ≥ 50×;
 *   - overhead: requests per second of the agent's judge stage (pool, retries, parsing, JSONL records, events)
 *     against a `--zero-latency` sim, over a bare keep-alive node:http client loop with the same concurrency and
 *     bodies; target ≥ 0.7;
 *   - peak RSS of this process.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import type { BenchResult } from './run';
import { validateConfig } from '../../remote/config/config';
import { RunStore, type Run } from '../../remote/store/runStore';
import { DEFAULT_RUBRIC, fillRubric } from '../../remote/rubric/template';
import { InferenceClient } from '../../remote/inference/client';
import { runCandidateStage } from '../../remote/pipeline/candidates';
import { runJudgeStage } from '../../remote/pipeline/judge';
import { promptId } from '../../remote/pipeline/promptgen';
import { requestSeed } from '../../remote/pipeline/seeds';
import type { StageContext } from '../../remote/pipeline/context';
import { loadSeed } from '../../remote/seed/index';
import { setQuiet } from '../../remote/log';

const root = path.resolve(__dirname, '..', '..');
const PROMPTS = 2000;
const SEQUENTIAL_SUBSET = 8;
const SIM = { maxConcurrency: 256, tokensPerSecond: 150, ttftMs: 40 };
const CONCURRENCY = 128;
const ROUNDS = 3;
const CHARS_PER_TOKEN = 4; // the sim's documented token approximation

async function startSim(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'agent.js'), 'sim-server', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(line.trim());
    });
    child.on('exit', (code) => reject(new Error(`sim-server exited ${code}`)));
  });
  return { url, child };
}

function benchPrompts(): { id: string; text: string }[] {
  const seeds = loadSeed([{ path: 'builtin:demo', format: 'auto' }]).prompts;
  const topics = ['for a beginner', 'for a busy parent', 'in plain words', 'with an example', 'for a teenager', 'step by step', 'briefly', 'for a small business'];
  return Array.from({ length: PROMPTS }, (_, i) => ({ id: promptId(1, i), text: `${seeds[i % seeds.length].text} (${topics[Math.floor(i / seeds.length) % topics.length]}, #${i})` }));
}

function makeRun(dir: string, url: string): Run {
  const cfg = validateConfig({
    name: 'bench', seed: 3, model: { backend: 'external', name: 'sim-base', baseUrls: [url] },
    seedData: [{ path: 'builtin:demo' }], inference: { concurrency: CONCURRENCY },
  });
  const run = new RunStore(dir).create(cfg, { agentVersion: 'bench', rubricText: DEFAULT_RUBRIC });
  const w = run.writer(1, 'prompts');
  for (const p of benchPrompts()) w.append({ id: p.id, iteration: 1, text: p.text, kept: true, fewShot: [], seed: 0 });
  return run;
}

function context(run: Run, url: string, signal: AbortSignal): StageContext {
  const client = new InferenceClient({ baseUrls: [url], model: 'sim-base' }, { maxRetries: 3, timeoutMs: 120_000 });
  const cfg = run.config;
  return {
    run, t: 1, runSeed: cfg.seed, concurrency: CONCURRENCY, signal,
    params: { prompts: cfg.prompts, candidates: cfg.candidates, judge: cfg.judge, pairs: cfg.pairs, review: cfg.review, trainer: cfg.trainer },
    rubric: { version: 1, hash: 'bench', text: DEFAULT_RUBRIC },
    modelIn: { iteration: 1, name: 'sim-base', madeBy: 'base' }, model: client, generator: client,
    trainer: { train: () => Promise.reject(new Error('not used')) }, seed: { prompts: [], labelled: [], skipped: 0 },
  };
}

/** Σ (ttft + tokens/R) / C over every sequence the records hold. */
function idealSeconds(texts: string[]): number {
  let seqSeconds = 0;
  for (const t of texts) seqSeconds += SIM.ttftMs / 1000 + Math.ceil(t.length / CHARS_PER_TOKEN) / SIM.tokensPerSecond;
  return seqSeconds / SIM.maxConcurrency;
}

async function sequentialLoop(run: Run, url: string, signal: AbortSignal): Promise<number> {
  const client = new InferenceClient({ baseUrls: [url], model: 'sim-base' }, { maxRetries: 3, timeoutMs: 120_000 });
  const { candidates: c, judge: j } = run.config;
  const prompts = benchPrompts().slice(0, SEQUENTIAL_SUBSET);
  const t0 = performance.now();
  for (const p of prompts) {
    const cands = await client.chat({ prompt: p.text, n: c.n, temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, seed: requestSeed(3, 1, 'candidates', p.id) }, signal);
    for (const [i, cand] of cands.choices.entries()) {
      await client.chat({ prompt: fillRubric(DEFAULT_RUBRIC, p.text, cand.text), n: j.k, temperature: j.temperature, topP: j.topP, maxTokens: j.maxTokens, seed: requestSeed(3, 1, 'judgments', `${p.id}-c${i}`) }, signal);
    }
  }
  return (performance.now() - t0) / 1000;
}

/** A bare keep-alive HTTP loop: same bodies, same concurrency, JSON.parse of the answer, nothing else. */
async function bareLoop(url: string, bodies: string[]): Promise<number> {
  const u = new URL(url + '/chat/completions');
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let i = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (i < bodies.length) {
      const body = bodies[i++];
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (data += d));
          res.on('end', () => {
            JSON.parse(data);
            resolve();
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  return bodies.length / secs;
}

export async function run(): Promise<BenchResult> {
  setQuiet(true);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-bench-pipeline-'));
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  const sims: ChildProcess[] = [];
  try {
    // 1. throughput against the capacity model
    const sim = await startSim(['--max-concurrency', String(SIM.maxConcurrency), '--tokens-per-second', String(SIM.tokensPerSecond), '--ttft', String(SIM.ttftMs)]);
    sims.push(sim.child);
    const runA = makeRun(path.join(tmp, 'a'), sim.url);
    const ctx = context(runA, sim.url, ac.signal);
    const t0 = performance.now();
    await runCandidateStage(ctx);
    const tCand = performance.now();
    await runJudgeStage(ctx);
    const actual = (performance.now() - t0) / 1000;
    const cands = runA.read(1, 'candidates');
    const judgments = runA.read(1, 'judgments');
    const ideal = idealSeconds([...cands.map((c) => c.text), ...judgments.map((j) => j.text)]);
    const requests = PROMPTS + cands.length;
    const failed = cands.filter((c) => c.error).length + judgments.filter((j) => j.error).length;

    // 2. one request at a time, on a subset, extrapolated
    const seqSubset = await sequentialLoop(runA, sim.url, ac.signal);
    const seqExtrapolated = (seqSubset * PROMPTS) / SEQUENTIAL_SUBSET;
    sim.child.kill('SIGTERM');

    // 3. agent overhead vs a bare HTTP loop, zero-latency server
    const zero = await startSim(['--zero-latency', '--max-concurrency', '4096']);
    sims.push(zero.child);
    const texts = new Map(benchPrompts().map((p) => [p.id, p.text]));
    const j = runA.config.judge;
    runA.close();
    const bodies = cands.map((c) => JSON.stringify({
      model: 'sim-base', messages: [{ role: 'user', content: fillRubric(DEFAULT_RUBRIC, texts.get(c.promptId)!, c.text) }],
      n: j.k, temperature: j.temperature, top_p: j.topP, max_tokens: j.maxTokens, seed: requestSeed(3, 1, 'judgments', c.id),
    }));
    // Interleaved rounds, best of each: this box is shared, so a single round mostly measures the neighbours.
    let agentRps = 0;
    let bareRps = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // a fresh run holding the candidates of (1), so the judge requests are the real ones
      const runB = makeRun(path.join(tmp, `b${round}`), zero.url);
      const cw = runB.writer(1, 'candidates');
      for (const c of cands) cw.append(c);
      const tz = performance.now();
      await runJudgeStage(context(runB, zero.url, ac.signal));
      agentRps = Math.max(agentRps, cands.length / ((performance.now() - tz) / 1000));
      runB.close();
      bareRps = Math.max(bareRps, await bareLoop(zero.url, bodies));
    }

    const vsIdeal = ideal / actual;
    const vsSequential = seqExtrapolated / actual;
    const overhead = agentRps / bareRps;
    return {
      name: 'pipeline',
      metrics: {
        prompts: PROMPTS,
        requests,
        sequences: cands.length + judgments.length,
        failedItems: failed,
        simMaxConcurrency: SIM.maxConcurrency,
        simTokensPerSecond: SIM.tokensPerSecond,
        simTtftMs: SIM.ttftMs,
        agentConcurrency: CONCURRENCY,
        candidatesSec: (tCand - t0) / 1000,
        candidatesIdealSec: idealSeconds(cands.map((c) => c.text)),
        judgmentsSec: (t0 + actual * 1000 - tCand) / 1000,
        judgmentsIdealSec: idealSeconds(judgments.map((x) => x.text)),
        generateAndJudgeSec: actual,
        idealBoundSec: ideal,
        sequentialSubsetPrompts: SEQUENTIAL_SUBSET,
        sequentialSubsetSec: seqSubset,
        sequentialExtrapolatedSec: seqExtrapolated,
        sequentialNote: `one-request-at-a-time loop measured on ${SEQUENTIAL_SUBSET} prompts and extrapolated linearly to ${PROMPTS}`,
        zeroLatencyAgentRequestsPerSec: agentRps,
        zeroLatencyBareHttpRequestsPerSec: bareRps,
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      },
      targets: {
        throughputVsIdeal: { value: vsIdeal, target: '>= 0.95', met: vsIdeal >= 0.95 },
        speedupVsSequential: { value: vsSequential, target: '>= 50x', met: vsSequential >= 50 },
        agentVsBareHttp: { value: overhead, target: '>= 0.7', met: overhead >= 0.7 },
      },
    };
  } finally {
    ac.abort();
    for (const c of sims) if (c.exitCode === null) c.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
