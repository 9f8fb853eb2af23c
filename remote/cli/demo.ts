/**
 * `agent.js demo [--runs-dir DIR] [--prompts N] [--iterations N]` (what `npm run demo` runs): two full iterations
 * on the built-in simulated model server and trainer, ~200 prompts each, from the shipped `builtin:demo` seeds. A
 * live progress line on stderr, then the per-iteration table and the run folder's path.
 *
 * Sim capacity chosen so the demo takes well under two minutes on 2 cores while still behaving like a batching
 * server: 128 concurrent sequences, 1,500 tokens/s per sequence, 20 ms to first token (see DEMO_SIM).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { IterationSummary, RunEvent, SimServerOptions } from '../protocol';
import { validateConfig } from '../config/config';
import { RunStore } from '../store/runStore';
import { DEFAULT_RUBRIC } from '../rubric/template';
import { AGENT_VERSION } from '../version';
import { setQuiet } from '../log';
import { runIterations, stopOnSignals } from './run';
import { UsageError, numberFlag } from './flags';
import { ITERATION_COUNTS, stageCountText, summaryLine } from '../counts';

export const DEMO_SIM: SimServerOptions = { maxConcurrency: 128, tokensPerSecond: 1500, ttftMs: 20 };

export const description = 'two self-rewarding iterations on the built-in simulated model, then a per-iteration table';
export const usage = 'usage: agent.js demo [--runs-dir DIR] [--prompts N] [--iterations N]\n';

/** The per-iteration table: one row per count of remote/counts.ts, one column per iteration. */
export function summaryTable(rows: IterationSummary[]): string {
  const header = ['', ...rows.map((s) => `iteration ${s.iteration}`)];
  const table = [header, ...ITERATION_COUNTS.map((c) => [c.label, ...rows.map((s) => c.value(s))])];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  return [line(table[0]), widths.map((w) => '─'.repeat(w)).join('   '), ...table.slice(1).map(line)].join('\n') + '\n';
}

/** One rewritten status line (plain lines every few seconds when stderr is not a terminal). */
function progressLine(): { onEvent(e: RunEvent): void; done(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let text = '';
  const show = (s: string, force = false): void => {
    text = s;
    const now = Date.now();
    if (tty) {
      if (force || now - last > 100) {
        last = now;
        process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 100) - 1)}`);
      }
    } else if (force || now - last > 5000) {
      last = now;
      process.stderr.write(text + '\n');
    }
  };
  return {
    onEvent(e) {
      if (e.type === 'stage.started') show(`iteration ${e.iteration} · ${e.stage} · ${stageCountText({ stage: e.stage, status: 'running', done: 0, total: e.total, failed: 0 }).text}`, true);
      else if (e.type === 'stage.progress') {
        const eta = e.etaSec === null ? '' : ` · ~${e.etaSec}s left`;
        show(`iteration ${e.iteration} · ${e.stage} · ${stageCountText({ ...e, status: 'running' }).text} · ${e.ratePerSec.toFixed(0)}/s${eta}`);
      } else if (e.type === 'stage.finished') show(`iteration ${e.iteration} · ${e.stage} · ${stageCountText({ stage: e.stage, status: 'done', done: 0, total: 0, failed: 0, counts: e.counts }).text}`, true);
      else if (e.type === 'train.metrics') show(`iteration ${e.iteration} · training · step ${e.metrics.step}${e.metrics.totalSteps ? `/${e.metrics.totalSteps}` : ''} · loss ${e.metrics.loss?.toFixed(4) ?? '–'}`);
      else if (e.type === 'iteration.finished') show(`iteration ${e.iteration} finished: ${summaryLine(e.summary)}`, true);
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

export async function main(argv: string[]): Promise<number> {
  let values;
  let prompts: number;
  let iterations: number;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { 'runs-dir': { type: 'string' }, prompts: { type: 'string' }, iterations: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    prompts = numberFlag(values as Record<string, unknown>, 'prompts', { min: 1, integer: true }) ?? 200;
    iterations = numberFlag(values as Record<string, unknown>, 'iterations', { min: 1, integer: true }) ?? 2;
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message}\n${e instanceof UsageError ? '' : usage}`);
    return 2;
  }
  const runsDir = path.resolve(values['runs-dir'] ?? '.selfreward-demo');
  const config = validateConfig({
    name: 'demo',
    seed: 1,
    model: { backend: 'sim', name: 'sim-base', sim: DEMO_SIM },
    seedData: [{ path: 'builtin:demo' }],
    prompts: { perIteration: prompts },
    trainer: { backend: 'sim' },
  }, 'demo config');
  const store = new RunStore(runsDir);
  const run = store.create(config, { agentVersion: AGENT_VERSION, rubricText: DEFAULT_RUBRIC });
  setQuiet(true); // the progress line owns stderr; the log file/sinks still get everything
  const ac = new AbortController();
  const unhook = stopOnSignals(ac);
  const progress = progressLine();
  const started = Date.now();
  try {
    const rows = await runIterations(run, { iterations, signal: ac.signal, onEvent: progress.onEvent });
    progress.done();
    process.stdout.write(`\nselfreward demo: ${iterations} iterations on the simulated model in ${((Date.now() - started) / 1000).toFixed(1)} s\n\n`);
    process.stdout.write(summaryTable(rows));
    process.stdout.write(`\nrun folder: ${run.dir}\n`);
    return 0;
  } catch (e) {
    progress.done();
    setQuiet(false);
    if (ac.signal.aborted) {
      process.stderr.write(`demo: stopped; resume with: node dist/agent.js run --runs-dir ${runsDir} --resume ${run.id}\n`);
      return 130;
    }
    process.stderr.write(`demo: ${(e as Error).message}\nrun folder: ${run.dir}\n`);
    return 1;
  } finally {
    unhook();
    run.close();
  }
}
