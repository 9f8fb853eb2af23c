/**
 * Paper scale: an iteration's prompts → candidates + judgments → pairs at 1k, 5k and 20k prompts × N = 4 × K = 3
 * against the zero-latency sim (the agent's own cost), one process per size (scaleRun.ts, bundled as the agent is,
 * so the prompt filter's worker runs bundled code too): wall time, agent CPU, event-loop delay and resident memory
 * per stage, per-item cost at each size. Then the same against the sim's default capacity model (C 64, R 400 tokens/s,
 * TTFT 40 ms), achieved vs the model's ideal bound Σ (ttft + tokens/R) / C over every sequence produced — at
 * SCALE_CAPACITY_PROMPTS prompts (default 1000: at 20,000 the ideal alone is about half an hour).
 * Targets: per-item cost (the agent's CPU per prompt) at 20k within 1.3× of 1k; peak memory growing sublinearly (the
 * process's peak RSS ∝ size^b, b < 1); throughput ≥ 0.95 of the ideal bound. Memory is sampled per stage after a
 * full GC, with the feed's largest backlog (answered candidates waiting for their judges).
 * SCALE_SIZES=1000,5000 runs fewer sizes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import * as esbuild from 'esbuild';
import type { BenchResult } from './run';
import { startServer } from './simServerProcess';
import type { ScaleRunResult } from './scaleRun';

const SIZES = (process.env.SCALE_SIZES ?? '1000,5000,20000').split(',').map(Number);
const CAPACITY_PROMPTS = Number(process.env.SCALE_CAPACITY_PROMPTS ?? 1000);
const CAPACITY = { c: 64, r: 400, ttft: 40 }; // the sim's defaults (remote/backends/sim/server.ts SIM_DEFAULTS)
// the run config's default (inference.concurrency): twice the sim's sequence slots, so the server always has a
// queue and a short delay on the agent's side leaves no slot idle
const CONCURRENCY = 128;


function measure(script: string, args: string[]): Promise<ScaleRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ScaleRunResult) : reject(new Error(`scaleRun ${args.join(' ')} exited ${code}`))));
  });
}

export async function run(): Promise<BenchResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-bench-scale-'));
  const sims: ChildProcess[] = [];
  try {
    const script = path.join(tmp, 'scaleRun.js');
    await esbuild.build({ entryPoints: [path.join(__dirname, 'scaleRun.ts')], outfile: script, bundle: true, platform: 'node', format: 'cjs', target: 'node18', mainFields: ['module', 'main'], logLevel: 'warning' });

    const zero = await startServer(['--zero-latency', '--max-concurrency', '4096']);
    sims.push(zero.child);
    const metrics: BenchResult['metrics'] = { concurrency: CONCURRENCY, n: 4, k: 3, cores: os.cpus().length, loadAverage1mAtStart: os.loadavg()[0] };
    const runs = new Map<number, ScaleRunResult>();
    for (const size of SIZES) {
      process.stderr.write(`  scale: ${size} prompts, zero-latency sim …\n`);
      const r = await measure(script, [`--url=${zero.baseUrl}`, `--prompts=${size}`, `--concurrency=${CONCURRENCY}`]);
      runs.set(size, r);
      const k = `p${size}`;
      metrics[`${k}_prompts`] = r.prompts;
      metrics[`${k}_attempts`] = r.attempts;
      metrics[`${k}_requests`] = r.requests;
      metrics[`${k}_failed`] = r.failed;
      metrics[`${k}_pairs`] = r.pairs;
      for (const [stage, s] of Object.entries(r.seconds)) metrics[`${k}_${stage}Sec`] = round(s);
      for (const [stage, s] of Object.entries(r.cpuSeconds)) metrics[`${k}_${stage}CpuSec`] = round(s);
      for (const [stage, s] of Object.entries(r.peakRssMB)) metrics[`${k}_${stage}PeakRssMB`] = s;
      for (const [stage, s] of Object.entries(r.peakHeapMB)) metrics[`${k}_${stage}PeakHeapMB`] = s;
      metrics[`${k}_feedBacklogMax`] = r.feedBacklogMax;
      for (const [stage, d] of Object.entries(r.loopDelayMs)) {
        metrics[`${k}_${stage}LoopDelayP99Ms`] = round(d.p99);
        metrics[`${k}_${stage}LoopDelayMaxMs`] = round(d.max);
      }
      metrics[`${k}_msPerPrompt`] = round((1000 * r.seconds.total) / r.prompts);
      metrics[`${k}_cpuMsPerPrompt`] = round((1000 * r.cpuSeconds.total) / r.prompts);
    }
    zero.child.kill('SIGTERM');

    process.stderr.write(`  scale: ${CAPACITY_PROMPTS} prompts, default capacity model …\n`);
    const cap = await startServer([]);
    sims.push(cap.child);
    const c = await measure(script, [`--url=${cap.baseUrl}`, `--prompts=${CAPACITY_PROMPTS}`, `--concurrency=${CONCURRENCY}`, `--capacity=${CAPACITY.c},${CAPACITY.r},${CAPACITY.ttft}`]);
    const vsIdeal = c.idealSeconds! / c.seconds.total;
    Object.assign(metrics, {
      capacityPrompts: CAPACITY_PROMPTS,
      capacityModel: `C ${CAPACITY.c}, R ${CAPACITY.r} tokens/s, TTFT ${CAPACITY.ttft} ms`,
      capacityTotalSec: round(c.seconds.total),
      capacityPromptsSec: round(c.seconds.prompts),
      capacityGenerateAndJudgeSec: round(c.seconds.generateAndJudge),
      capacityIdealSec: round(c.idealSeconds!),
      capacityPromptsIdealSec: round(c.idealPromptsSeconds!),
      capacityAgentCpuSec: round(c.cpuSeconds.total),
      capacityFailed: c.failed,
    });

    const targets: NonNullable<BenchResult['targets']> = {};
    const lo = runs.get(Math.min(...SIZES));
    const hi = runs.get(Math.max(...SIZES));
    if (lo && hi && lo !== hi) {
      // cost per prompt: the agent's CPU (on a shared box its wall time mostly measures the neighbours; it is in the
      // metrics beside it)
      const perItem = (r: ScaleRunResult): number => r.cpuSeconds.total / r.prompts;
      const costRatio = perItem(hi) / perItem(lo);
      const sizeRatio = hi.prompts / lo.prompts;
      // memory ∝ size^b: sublinear is b < 1; the marginal KB per prompt is in the metrics too
      const exponent = Math.log(hi.peakRssMB.process / lo.peakRssMB.process) / Math.log(sizeRatio);
      metrics.sizeRatio = round(sizeRatio);
      metrics.wallPerPromptRatio = round(hi.seconds.total / hi.prompts / (lo.seconds.total / lo.prompts));
      metrics.marginalPeakRssKBPerPrompt = round(((hi.peakRssMB.process - lo.peakRssMB.process) * 1024) / (hi.prompts - lo.prompts));
      targets[`cpuPerPrompt${label(hi.prompts)}Vs${label(lo.prompts)}`] = { value: costRatio, target: '<= 1.3', met: costRatio <= 1.3 };
      targets.peakRssGrowthExponent = { value: exponent, target: '< 1 (sublinear)', met: exponent < 1 };
    }
    targets[`throughputVsIdeal${label(CAPACITY_PROMPTS)}`] = { value: vsIdeal, target: '>= 0.95', met: vsIdeal >= 0.95 };
    return { name: 'scale', metrics, targets };
  } finally {
    for (const s of sims) if (s.exitCode === null) s.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const label = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));
