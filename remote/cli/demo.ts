/**
 * `agent.js demo [--runs-dir DIR] [--prompts N] [--iterations N] [--no-sft]` (what `npm run demo` runs): the whole
 * paper on the built-in simulated model server and trainer. The SFT iteration 0 turns the pretrained base model
 * `sim-pretrained` (M0) into the SFT baseline (IFT only) and M1 (IFT + EFT) from the shipped seeds (`builtin:demo`
 * and the ranked groups of `builtin:ranked`); then two self-rewarding iterations of ~200 prompts make M2 and M3.
 * A live progress line on stderr, then the SFT numbers, the per-iteration table, the judge agreement with people of
 * every model on the EFT eval split, and the run folder's path. `--no-sft` starts from `sim-base` as M1 instead.
 *
 * Sim capacity chosen so the demo takes well under two minutes on 2 cores while still behaving like a batching
 * server: 128 concurrent sequences, 1,500 tokens/s per sequence, 20 ms to first token (see DEMO_SIM).
 */
import * as path from 'node:path';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import type { IterationSummary, ModelEntry, RunEvent, SftSummary, SimServerOptions } from '../protocol';
import { validateConfig } from '../config/config';
import { selectBackends } from '../backends/index';
import { InferenceClient } from '../inference/client';
import { type AgreementResult, measureAgreement, readAgreements } from '../pipeline/agreement';
import { DEMO_AGREEMENT_REPEATS, type MetaArm, comparisonTable, measureJudges, metaLabel, runMetaArm } from './demoMeta';
import { iterationLabel, modelLabel } from '../modelNames';
import { RunStore } from '../store/runStore';
import { DEFAULT_RUBRIC } from '../rubric/template';
import { AGENT_VERSION } from '../version';
import { setQuiet } from '../log';
import { runIterations, stopOnSignals } from './run';
import { UsageError, numberFlag } from './flags';
import { ITERATION_COUNTS, META_ITERATION_COUNTS, type IterationCount, stageCountText, summaryLine } from '../counts';
import { listEvalResults } from '../eval/results';
import { evalRows, type ModelEvalRow } from '../eval/rows';

export const DEMO_SIM: SimServerOptions = { maxConcurrency: 128, tokensPerSecond: 1500, ttftMs: 20 };
/** The demo evaluates every model after each iteration (win rate, multi-turn, judge agreement, head-to-head), with
 * the run's own (sim) model as the judge: no server to set up. */
export const DEMO_EVAL = { afterIteration: true, judge: { kind: 'self' } } as const;

export const description = 'the demo: SFT iteration 0 and self-rewarding iterations on the built-in simulated model, then per-iteration tables and every model\'s evaluation';
export const usage = `usage: agent.js demo [--runs-dir DIR] [--prompts N] [--iterations N] [--no-sft] [--meta-rewarding]
  --iterations N     self-rewarding iterations after the SFT iteration 0 (default 2)
  --no-sft           skip SFT: start from sim-base as an existing M1
  --meta-rewarding   then a second run from the same M1 with the meta-judge on (Meta-Rewarding), same seed, and
                     the judge agreement of both runs' models on the same labelled groups, side by side
`;

const fmt = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(digits));

/** The per-iteration table: one row per count of remote/counts.ts, one column per iteration. */
export function summaryTable(rows: IterationSummary[], counts: readonly IterationCount[] = ITERATION_COUNTS): string {
  return formatTable(['', ...rows.map((s) => `iteration ${s.iteration}`)], counts.map((c) => [c.label, ...rows.map((s) => c.value(s))]));
}

/** A text table: the first column left-aligned, the others right-aligned. */
function formatTable(header: string[], body: string[][]): string {
  const table = [header, ...body];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  return [line(table[0]), widths.map((w) => '─'.repeat(w)).join('   '), ...table.slice(1).map(line)].join('\n') + '\n';
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);

/** One column per model: the numbers of its evaluation files (eval/). */
export function evaluationTable(rows: ModelEvalRow[]): string {
  const lines: [string, (r: ModelEvalRow) => string][] = [
    ['win rate vs reference', (r) => pct(r.winRate?.summary.winRate)],
    ['  95 % CI', (r) => (r.winRate?.summary.winRateCi ? `${pct(r.winRate.summary.winRateCi[0])}–${pct(r.winRate.summary.winRateCi[1])}` : '–')],
    ['LC win rate', (r) => pct(r.winRate?.summary.lcWinRate)],
    ['unreadable verdicts', (r) => (r.winRate ? `${r.winRate.summary.unreadable}` : '–')],
    ['mean answer length', (r) => (r.winRate?.summary.meanLength == null ? '–' : `${Math.round(r.winRate.summary.meanLength)} chars`)],
    ['multi-turn score (1–10)', (r) => fmt(r.multiTurn?.summary.mean)],
    ['judge pairwise accuracy', (r) => pct(r.judgeAgreement?.agreement.pairwiseAccuracy)],
    ['head-to-head (W/T/L)', (r) => r.headToHead.map((h) => `vs ${h.against.label} ${h.summary.wins}/${h.summary.ties}/${h.summary.losses}`).join(', ') || '–'],
  ];
  return formatTable(['evaluation (eval/)', ...rows.map((r) => r.model.label)], lines.map(([name, f]) => [name, ...rows.map(f)]));
}

const histogram = (h: Record<string, number>): string =>
  Object.entries(h).sort((a, b) => Number(a[0]) - Number(b[0])).map(([score, n]) => `${score}:${n}`).join(' ');

/** What iteration 0 did: the data it built and the two models it trained. */
export function sftTable(s: SftSummary): string {
  const e = s.eft;
  return formatTable(['iteration 0 · SFT', ''], [
    ['IFT examples', `${s.ift.examples}`],
    ['EFT groups (train / eval)', `${e.trainGroups} / ${e.evalGroups}`],
    ['baseline verdicts', `${e.judged} (${e.parseFailures} without a valid score, ${e.outOfRange} out of range)`],
    ['groups ordered as people did', `${e.agreeingGroups}`],
    ['EFT rows (train / eval)', `${e.trainRows} / ${e.evalRows}`],
    ['train scores before', histogram(e.scores.train.before)],
    ['train scores after', histogram(e.scores.train.after)],
    ['SFT baseline (IFT)', `${s.baseline.rows} rows, loss ${fmt(s.baseline.trainLoss, 4)}`],
    ['M1 (IFT + EFT)', `${s.policy.rows} rows, loss ${fmt(s.policy.trainLoss, 4)}`],
  ]);
}

/** Judge agreement with people per model (the paper's Table 4), fractions shown as %. */
export function agreementTable(results: readonly AgreementResult[]): string {
  const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);
  return formatTable(
    ['judge agreement (EFT eval split)', 'pairwise accuracy', '5-best', 'exact match', 'Spearman', 'Kendall τ', 'unscored'],
    results.map((r) => [r.label, pct(r.agreement.pairwiseAccuracy), pct(r.agreement.fiveBest), pct(r.agreement.exactMatch), fmt(r.agreement.spearman, 3), fmt(r.agreement.kendallTau, 3), `${r.agreement.unscored}`]),
  );
}

/** One rewritten status line (plain lines every few seconds when stderr is not a terminal). */
function progressLine(): { onEvent(e: RunEvent): void; note(text: string): void; done(): void } {
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
      if (e.type === 'stage.started') show(`${iterationLabel(e.iteration)} · ${e.stage} · ${stageCountText({ stage: e.stage, status: 'running', done: 0, total: e.total, failed: 0 }).text}`, true);
      else if (e.type === 'stage.progress') {
        const eta = e.etaSec === null ? '' : ` · ~${e.etaSec}s left`;
        show(`${iterationLabel(e.iteration)} · ${e.stage} · ${stageCountText({ ...e, status: 'running' }).text} · ${e.ratePerSec.toFixed(0)}/s${eta}`);
      } else if (e.type === 'stage.finished') show(`${iterationLabel(e.iteration)} · ${e.stage} · ${stageCountText({ stage: e.stage, status: 'done', done: 0, total: 0, failed: 0, counts: e.counts }).text}`, true);
      else if (e.type === 'train.metrics') show(`${iterationLabel(e.iteration)} · ${e.stage ?? 'training'} · step ${e.metrics.step}${e.metrics.totalSteps ? `/${e.metrics.totalSteps}` : ''} · loss ${fmt(e.metrics.loss, 4)}`);
      else if (e.type === 'iteration.finished') show(`${iterationLabel(e.iteration)} finished${e.iteration ? `: ${summaryLine(e.summary)}` : ''}`, true);
    },
    note: (line) => show(line, true),
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
      options: { 'runs-dir': { type: 'string' }, prompts: { type: 'string' }, iterations: { type: 'string' }, 'no-sft': { type: 'boolean' }, 'meta-rewarding': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
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
  const sft = !values['no-sft'];
  const meta = !!values['meta-rewarding'];
  if (meta && !sft) {
    process.stderr.write('demo: --meta-rewarding compares judges on the EFT eval split the SFT iteration builds; drop --no-sft\n');
    return 2;
  }
  const config = validateConfig({
    name: 'demo',
    seed: 1,
    model: { backend: 'sim', name: sft ? 'sim-pretrained' : 'sim-base', sim: DEMO_SIM },
    seedData: [{ path: 'builtin:demo' }, ...(sft ? [{ path: 'builtin:ranked' }] : [])],
    prompts: { perIteration: prompts },
    trainer: { backend: 'sim' },
    // the paper's evaluations after every iteration, judged by the sim (DEMO_EVAL)
    eval: DEMO_EVAL,
    // IFT: the 62 demo answers and the best answers of 138 ranked groups; EFT: the other ranked groups
    ...(sft ? { sft: { enabled: true, ift: { maxExamples: 200 } } } : {}),
  }, 'demo config');
  const store = new RunStore(runsDir);
  const run = store.create(config, { agentVersion: AGENT_VERSION, rubricText: DEFAULT_RUBRIC });
  setQuiet(true); // the progress line owns stderr; the log file/sinks still get everything
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // the agreement measurements below listen on it once per request in flight
  const unhook = stopOnSignals(ac);
  const progress = progressLine();
  const started = Date.now();
  const backends = selectBackends(run.config, run.dir);
  try {
    const rows = await runIterations(run, { iterations: iterations + (sft ? 1 : 0), signal: ac.signal, onEvent: progress.onEvent, backends });
    const sftRow = rows.find((r) => r.iteration === 0);
    const loop = rows.filter((r) => r.iteration > 0);
    let agreement: AgreementResult[] = [];
    let metaArm: MetaArm | undefined;
    if (sftRow && meta) {
      // every model of both runs measured the same way: the same groups, K, and repeats
      const ours = [run.modelFor(0, 'sft-baseline'), run.modelFor(1), ...loop.map((s) => run.modelFor(s.iteration + 1))].filter((m): m is ModelEntry => !!m);
      await measureJudges(run, backends.inference, ours.map((model) => ({ model })), { repeats: DEMO_AGREEMENT_REPEATS, signal: ac.signal, note: progress.note });
      progress.note('meta-rewarding run from the same M1');
      metaArm = await runMetaArm(run, store, { iterations, agentVersion: AGENT_VERSION, rubricText: DEFAULT_RUBRIC, signal: ac.signal, onEvent: progress.onEvent });
      const theirs = metaArm.rows.map((s) => metaArm!.run.modelFor(s.iteration + 1)).filter((m): m is ModelEntry => !!m);
      await measureJudges(run, backends.inference, theirs.map((model) => ({ model, label: metaLabel(model) })), { repeats: DEMO_AGREEMENT_REPEATS, signal: ac.signal, note: progress.note });
      agreement = readAgreements(run);
    } else if (sftRow) {
      // the later models judge the same eval split, so the table covers every model of the run
      const j = run.readManifest(0)!;
      for (const s of loop) {
        const model = run.modelFor(s.iteration + 1);
        if (!model) continue;
        progress.note(`judge agreement of ${modelLabel(model)} on the EFT eval split`);
        const client = new InferenceClient(await backends.inference.ensureServing(model, ac.signal), { maxRetries: run.config.inference.maxRetries, timeoutMs: run.config.inference.requestTimeoutMs });
        await measureAgreement(run, { model, client, k: j.params.judge.k, rubric: j.rubric, judge: j.params.judge, runSeed: j.seed, concurrency: run.config.inference.concurrency, signal: ac.signal });
      }
      agreement = readAgreements(run);
    }
    progress.done();
    const what = sftRow ? `SFT (M0 → M1) and ${loop.length} self-rewarding iterations` : `${loop.length} iterations`;
    process.stdout.write(`\nselfreward demo: ${what} on the simulated model in ${((Date.now() - started) / 1000).toFixed(1)} s\n\n`);
    if (sftRow?.sft) process.stdout.write(sftTable(sftRow.sft) + '\n');
    process.stdout.write(summaryTable(loop));
    if (metaArm) {
      process.stdout.write(`\nwith the meta-judge on (${metaArm.run.dir}):\n\n` + summaryTable(metaArm.rows, [...ITERATION_COUNTS, ...META_ITERATION_COUNTS]));
      const theirEvals = evalRows(listEvalResults(metaArm.run.dir));
      if (theirEvals.length) process.stdout.write(`\n${evaluationTable(theirEvals)}`);
    }
    if (agreement.length) process.stdout.write('\n' + agreementTable(agreement));
    const evals = evalRows(listEvalResults(run.dir));
    if (evals.length) process.stdout.write(`\n${evaluationTable(evals)}(judge: the run's own sim model; win rate on builtin:heldout, multi-turn on builtin:mt)\n`);
    if (metaArm) {
      const names = (rows: IterationSummary[], label: (t: number) => string) => ['M1', ...rows.map((s) => label(s.iteration + 1))];
      process.stdout.write(`\n${comparisonTable(agreement, [
        { name: 'without', labels: names(loop, (t) => `M${t}`) },
        { name: 'with meta-rewarding', labels: names(metaArm.rows, (t) => metaLabel({ iteration: t })) },
      ])}(each: the mean of ${DEMO_AGREEMENT_REPEATS} measurements of K = ${run.readManifest(0)?.params.judge.k ?? 3} judge samples per answer, ± their spread)\n`);
    }
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
    await backends.inference.stop();
    unhook();
    run.close();
  }
}
