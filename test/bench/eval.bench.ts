/**
 * Evaluation throughput against the sim's capacity model: a win-rate evaluation (W prompts answered, then judged in
 * both orders: 2W judge requests) through the product's own code (remote/eval/winRate.ts, the agent's request
 * client) against `agent.js sim-server` in its own process, with C sequence slots, R tokens/s, a TTFT, and the
 * client allowed K = C requests in flight.
 *
 * The ideal bound is the capacity model's (capacity.ts) for exactly the requests that were made: every request
 * takes TTFT + tokens/R (tokens: the sim's count, ceil(characters / 4) of each reply, read back from the result
 * files), at most C run at once, admitted first in, first out — so a phase's ideal makespan is the list schedule of
 * its requests, in the order the evaluation sends them, on C slots (for identical requests: ceil(n/C)·(TTFT + T/R),
 * sim-throughput's formula). The evaluation has two phases — answers, then judgments, since the judge reads the
 * answers and a one-model backend serves the model before the judge — and the bound is their sum. Also reported: the
 * looser lower bound max(Σ durations / C, longest) per phase.
 * ratio = ideal bound / measured wall time; target ≥ 0.9 (the evaluation keeps the server's slots busy: no
 * serialisation, no idle slot while a request waits).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setMaxListeners } from 'node:events';
import type { BenchResult } from './run';
import { startServer } from './simServerProcess';
import { validateConfig } from '../../remote/config/config';
import { setQuiet } from '../../remote/log';
import { RunStore } from '../../remote/store/runStore';
import { resolveJudge, resolveSide, type EvalEnv } from '../../remote/eval/context';
import { runWinRate } from '../../remote/eval/winRate';
import type { WinRateComparison } from '../../remote/eval/results';
import type { AnswerRecord } from '../../remote/eval/answers';

const C = 16;
const R = 25; // tokens per second per sequence (low enough that the sim's own CPU work per request stays small next to the modelled decode time on a 2-core box)
const TTFT = 50; // ms
const W = 64; // prompts
const ANSWER_TOKENS = 60; // max_tokens of the answers: sim answers are longer, so nearly all are cut to this

const TOPICS = ['a garden', 'a budget', 'a study plan', 'a team meeting', 'a hiking trip', 'a job interview', 'a home office', 'a reading habit'];
const ASKS = ['How should I plan', 'What are good first steps for', 'Give me advice on', 'What mistakes should I avoid with'];

export async function run(): Promise<BenchResult> {
  setQuiet(true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-bench-eval-'));
  const server = await startServer(['--max-concurrency', String(C), '--tokens-per-second', String(R), '--ttft', String(TTFT), '--malformed-judgment-rate', '0']);
  try {
    const setFile = path.join(dir, 'set.jsonl');
    fs.writeFileSync(setFile, Array.from({ length: W }, (_, i) => JSON.stringify({
      instruction: `${ASKS[i % ASKS.length]} ${TOPICS[i % TOPICS.length]} (case ${i})?`,
      output: `Start with the goal, then the budget and the timing for ${TOPICS[i % TOPICS.length]}; keep a checklist of ${3 + (i % 5)} items.`,
      generator: 'bench',
    })).join('\n') + '\n');
    const run = new RunStore(dir).create(validateConfig({ name: 'bench', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 'bench', rubricText: 'x' });
    const ac = new AbortController();
    setMaxListeners(0, ac.signal); // every request in flight listens on it
    const env: EvalEnv = {
      run, signal: ac.signal, concurrency: C, client: { maxRetries: 0, timeoutMs: 120_000 },
      serve: async () => ({ endpoint: { baseUrls: [server.baseUrl], model: 'sim-base' }, release: async () => undefined }),
    };
    const judge = resolveJudge(run, { kind: 'external', baseUrls: [server.baseUrl], model: 'sim-base' });
    const t0 = process.hrtime.bigint();
    const { file } = await runWinRate(env, resolveSide(run, undefined), { prompts: setFile, judge, sampling: { temperature: 0.7, topP: 0.9, maxTokens: ANSWER_TOKENS }, seed: 1 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

    // the requests that were made, read back from the files
    const tokens = (text: string): number => Math.ceil(text.length / 4);
    const answersDir = path.join(run.dir, 'eval', 'answers');
    const order = (id: string): number => Number(id.split('#')[1]);
    // in the order they were sent (the set's order; the cache holds them in the order they finished)
    const answers = fs.readdirSync(answersDir).flatMap((f) => fs.readFileSync(path.join(answersDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AnswerRecord))
      .sort((a, b) => order(a.id) - order(b.id));
    const comparisons = fs.readFileSync(file.replace(/\.json$/, '.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as WinRateComparison);
    const duration = (tok: number): number => TTFT / 1000 + tok / R;
    const lower = (d: number[]): number => Math.max(d.reduce((a, b) => a + b, 0) / C, Math.max(...d));
    // FIFO admission onto C slots: each request starts when the earliest slot frees
    const bound = (d: number[]): number => {
      const free = new Array<number>(C).fill(0);
      let end = 0;
      for (const x of d) {
        const i = free.indexOf(Math.min(...free));
        free[i] += x;
        end = Math.max(end, free[i]);
      }
      return end;
    };
    const answerDurations = answers.map((a) => duration(tokens(a.replies[0])));
    const judgeDurations = comparisons.flatMap((c) => c.texts.map((t) => duration(tokens(t))));
    const ideal = bound(answerDurations) + bound(judgeDurations);
    const ratio = ideal / seconds;
    run.close();
    return {
      name: 'eval',
      metrics: {
        maxConcurrency: C, tokensPerSecond: R, ttftMs: TTFT, prompts: W, answerRequests: answers.length, judgeRequests: judgeDurations.length,
        measuredSeconds: Math.round(seconds * 1000) / 1000, idealSeconds: Math.round(ideal * 1000) / 1000,
        answerIdealSeconds: Math.round(bound(answerDurations) * 1000) / 1000, judgeIdealSeconds: Math.round(bound(judgeDurations) * 1000) / 1000,
        lowerBoundSeconds: Math.round((lower(answerDurations) + lower(judgeDurations)) * 1000) / 1000,
        requestsPerSecond: Math.round(((answers.length + judgeDurations.length) / seconds) * 10) / 10,
      },
      targets: { throughputVsCapacityModel: { value: ratio, target: '>= 0.9', met: ratio >= 0.9 } },
    };
  } finally {
    server.child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
