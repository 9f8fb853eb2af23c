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
import { listEvalResults } from '../eval/results';
import { evalRows, type ModelEvalRow } from '../eval/rows';

export const DEMO_SIM: SimServerOptions = { maxConcurrency: 128, tokensPerSecond: 1500, ttftMs: 20 };
/** The demo evaluates every model after each iteration (win rate, multi-turn, judge agreement, head-to-head), with
 * the run's own (sim) model as the judge: no server to set up. */
export const DEMO_EVAL = { afterIteration: true, judge: { kind: 'self' } } as const;

const USAGE = 'usage: agent.js demo [--runs-dir DIR] [--prompts N] [--iterations N]\n';

const fmt = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(digits));

/** The per-iteration table: one row per metric, one column per iteration. */
export function summaryTable(rows: IterationSummary[]): string {
  const lines: [string, (s: IterationSummary) => string][] = [
    ['prompts kept', (s) => `${s.promptsKept}`],
    ['prompts dropped', (s) => `${Object.values(s.promptsDropped).reduce((a, b) => a + b, 0)}`],
    ['candidates', (s) => `${s.candidates}`],
    ['judgments', (s) => `${s.judgments}`],
    ['parse failures', (s) => `${s.parseFailures} (${(s.parseFailureRate * 100).toFixed(1)} %)`],
    ['ties', (s) => `${s.ties}`],
    ['pairs', (s) => `${s.pairs}`],
    ['mean chosen score', (s) => fmt(s.meanChosenScore)],
    ['mean rejected score', (s) => fmt(s.meanRejectedScore)],
    ['mean answer length', (s) => (s.meanCandidateChars === null ? '–' : `${Math.round(s.meanCandidateChars)} chars`)],
    ['training loss', (s) => fmt(s.trainLoss, 4)],
    ['reward margin', (s) => fmt(s.trainRewardMargin, 4)],
    ['failed requests', (s) => `${s.failedItems}`],
  ];
  const header = ['', ...rows.map((s) => `iteration ${s.iteration}`)];
  const table = [header, ...lines.map(([name, f]) => [name, ...rows.map(f)])];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  return [line(table[0]), widths.map((w) => '─'.repeat(w)).join('   '), ...table.slice(1).map(line)].join('\n') + '\n';
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);

/** One row per model: the numbers of its evaluation files. */
export function evaluationTable(rows: ModelEvalRow[]): string {
  const lines: [string, (r: ModelEvalRow) => string][] = [
    ['win rate vs reference', (r) => (r.winRate ? `${pct(r.winRate.summary.winRate)}` : '–')],
    ['  95 % CI', (r) => (r.winRate?.summary.winRateCi ? `${pct(r.winRate.summary.winRateCi[0])}–${pct(r.winRate.summary.winRateCi[1])}` : '–')],
    ['LC win rate', (r) => pct(r.winRate?.summary.lcWinRate)],
    ['unreadable verdicts', (r) => (r.winRate ? `${r.winRate.summary.unreadable}` : '–')],
    ['mean answer length', (r) => (r.winRate?.summary.meanLength == null ? '–' : `${Math.round(r.winRate.summary.meanLength)} chars`)],
    ['multi-turn score (1–10)', (r) => fmt(r.multiTurn?.summary.mean)],
    ['judge pairwise accuracy', (r) => pct(r.judgeAgreement?.agreement.pairwiseAccuracy)],
    ['head-to-head', (r) => r.headToHead.map((h) => `vs ${h.against.label} ${h.summary.wins}/${h.summary.ties}/${h.summary.losses}`).join(', ') || '–'],
  ];
  const header = ['', ...rows.map((r) => r.model.label)];
  const table = [header, ...lines.map(([name, f]) => [name, ...rows.map(f)])];
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
      if (e.type === 'stage.started') show(`iteration ${e.iteration} · ${e.stage} · 0/${e.total}`, true);
      else if (e.type === 'stage.progress') {
        const eta = e.etaSec === null ? '' : ` · ~${e.etaSec}s left`;
        show(`iteration ${e.iteration} · ${e.stage} · ${e.done}/${e.total} · ${e.ratePerSec.toFixed(0)}/s${e.failed ? ` · ${e.failed} failed` : ''}${eta}`);
      } else if (e.type === 'train.metrics') show(`iteration ${e.iteration} · training · step ${e.metrics.step}${e.metrics.totalSteps ? `/${e.metrics.totalSteps}` : ''} · loss ${fmt(e.metrics.loss, 4)}`);
      else if (e.type === 'iteration.finished') show(`iteration ${e.iteration} finished: ${e.summary.pairs} pairs`, true);
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
      process.stdout.write(USAGE);
      return 0;
    }
    prompts = numberFlag(values as Record<string, unknown>, 'prompts', { min: 1, integer: true }) ?? 200;
    iterations = numberFlag(values as Record<string, unknown>, 'iterations', { min: 1, integer: true }) ?? 2;
  } catch (e) {
    process.stderr.write(`demo: ${(e as Error).message}\n${e instanceof UsageError ? '' : USAGE}`);
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
    // the paper's evaluations after every iteration, judged by the sim (DEMO_EVAL)
    eval: DEMO_EVAL,
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
    const evals = evalRows(listEvalResults(run.dir));
    if (evals.length) process.stdout.write(`\nevaluation (files under eval/; judge: the run's own sim model)\n\n${evaluationTable(evals)}`);
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
