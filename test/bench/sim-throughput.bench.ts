/**
 * Sim server throughput under its capacity model vs the model's formula (capacity.ts):
 *   W identical requests of n choices × T tokens, at most K in flight from the client, server concurrency C:
 *     slots in use = min(K·n, C) sequences; makespan ≈ ceil(W·n / min(K·n, C)) · (ttft + T/R)
 * measured side by side at client concurrency 1, C, and 2C (queueing), and with n = 4; plus the overhead rate with
 * --zero-latency (no target). Requests use temperature 0 and max_tokens, so every choice has exactly T tokens.
 * The server runs as its own process (the built `dist/agent.js sim-server`, as users run it), so the client's CPU
 * work does not eat into the server's timers.
 */
import type { ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import type { BenchResult } from './run';
import { startServer } from './simServerProcess';

const C = 8;
const R = 200; // tokens per second per sequence
const TTFT = 50; // ms
const T = 40; // tokens per choice (max_tokens; the fixed answer is longer)

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function drive(client: OpenAI, requests: number, inFlight: number, n: number): Promise<{ seconds: number; tokens: number }> {
  let next = 0;
  let tokens = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < requests) {
        next++;
        const r = await client.chat.completions.create({
          model: 'sim-base', messages: [{ role: 'user', content: 'Describe a good routine for a week of study before an exam.' }],
          temperature: 0, max_tokens: T, n,
        });
        tokens += r.usage!.completion_tokens;
        if (r.choices.some((c) => c.finish_reason !== 'length')) throw new Error('a choice ended before max_tokens: the workload is not uniform');
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, tokens };
}

export async function run(): Promise<BenchResult> {
  const server = await startServer(['--max-concurrency', String(C), '--tokens-per-second', String(R), '--ttft', String(TTFT)]);
  const fast = await startServer(['--zero-latency', '--max-concurrency', '64']);
  try {
    const client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sim', maxRetries: 0 });
    const perSeq = TTFT / 1000 + T / R;
    const cases = [
      { name: 'concurrency1', requests: 12, inFlight: 1, n: 1 },
      { name: 'concurrencyC', requests: 12 * C, inFlight: C, n: 1 },
      { name: 'concurrency2C', requests: 12 * C, inFlight: 2 * C, n: 1 },
      { name: 'n4', requests: 3 * C, inFlight: C, n: 4 },
    ];
    const metrics: BenchResult['metrics'] = { maxConcurrency: C, tokensPerSecond: R, ttftMs: TTFT, tokensPerChoice: T };
    const targets: NonNullable<BenchResult['targets']> = {};
    await drive(client, 2, 2, 1); // warm-up (connections, JIT)
    for (const c of cases) {
      const seqs = c.requests * c.n;
      const parallel = Math.min(c.inFlight * c.n, C);
      const ideal = Math.ceil(seqs / parallel) * perSeq;
      const m = await drive(client, c.requests, c.inFlight, c.n);
      const ratio = m.tokens / m.seconds / ((seqs * T) / ideal);
      metrics[`${c.name}_tokensPerSec`] = Math.round(m.tokens / m.seconds);
      metrics[`${c.name}_formulaTokensPerSec`] = Math.round((seqs * T) / ideal);
      metrics[`${c.name}_seconds`] = Number(m.seconds.toFixed(3));
      targets[`${c.name}_measuredVsFormula`] = { value: ratio, target: 'within 10% (0.9–1.1)', met: ratio >= 0.9 && ratio <= 1.1 };
    }
    const fc = new OpenAI({ baseURL: fast.baseUrl, apiKey: 'sim', maxRetries: 0 });
    await drive(fc, 20, 8, 1);
    const z = await drive(fc, 400, 16, 1);
    metrics.zeroLatency_requestsPerSec = Math.round(400 / z.seconds);
    return { name: 'sim-throughput', metrics, targets };
  } finally {
    await stopServer(server.child);
    await stopServer(fast.child);
  }
}
