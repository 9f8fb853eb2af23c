/**
 * `agent.js run --config FILE [--sft] [--runs-dir DIR] [--iterations N] [--resume RUN_ID] [--accept-review]`
 * Headless iterations for scripts and CI. `--sft` starts the new run from the base model M0 (model.name) with the
 * SFT iteration 0 (M0 → SFT baseline and M1), as `sft.enabled` in the config does; `--iterations` counts it. Logs go to stderr; each finished iteration's summary is printed to stdout
 * as one JSON line. SIGINT/SIGTERM stop the iteration (requests aborted, everything resumable) and exit 130;
 * `--resume RUN_ID` continues it. With the review gate on, `--accept-review` accepts every unreviewed pair and
 * completes the review instead of waiting for a person.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { IterationSummary, RunEvent } from '../protocol';
import { loadConfigFile } from '../config/config';
import { RunStore, type Run } from '../store/runStore';
import { checkRunInputs, initialRubric } from '../config/beforeWork';
import type { LoadedSeed } from '../seed/index';
import { AGENT_VERSION } from '../version';
import { runIteration } from '../pipeline/iteration';
import { selectBackends } from '../backends/index';
import { completeReview } from '../review/gate';
import { foldDecisions, isReviewed } from '../review/decisions';
import { info, warn } from '../log';
import { UsageError, numberFlag } from './flags';

export const description = 'run (or resume) iterations of a run from a config file, headless (--sft: from a base model with the SFT iteration 0)';
export const usage = `usage: agent.js run --config FILE [--sft] [--runs-dir DIR] [--iterations N] [--resume RUN_ID] [--accept-review]
  --sft             start from the base model M0 (model.name) with the SFT iteration 0 (M0 → SFT baseline + M1);
                    --iterations counts it (default 1: SFT only)
`;

export const DEFAULT_RUNS_DIR = path.join(os.homedir(), '.selfreward', 'runs');

export { initialRubric };

/** Accept every unreviewed pair of iteration t and complete its review (the headless stand-in for a reviewer). */
export function acceptAllPairs(run: Run, t: number): void {
  const reviews = foldDecisions(run.read(t, 'decisions'));
  const w = run.writer(t, 'decisions');
  let accepted = 0;
  let rejected = 0;
  for (const p of run.read(t, 'pairs')) {
    const r = reviews.get(p.id);
    if (r?.state === 'rejected') rejected++;
    else accepted++;
    if (!isReviewed(r)) w.append({ pairId: p.id, kind: 'accept', ts: new Date().toISOString() });
  }
  completeReview(run, t, { accepted, rejected });
  run.emit({ type: 'review.completed', iteration: t, accepted, rejected });
}

export interface HeadlessOptions {
  iterations: number;
  signal: AbortSignal;
  /** the backends to use (default: the run config's); the caller then stops them */
  backends?: ReturnType<typeof selectBackends>;
  acceptReview?: boolean;
  onEvent?(e: RunEvent): void;
  onIteration?(s: IterationSummary): void;
  /** the run's seed data, already checked and loaded (checkRunInputs) */
  seed?: LoadedSeed;
}

/** Run (or resume) `iterations` iterations of a run with one set of backends. */
export async function runIterations(run: Run, o: HeadlessOptions): Promise<IterationSummary[]> {
  const backends = o.backends ?? selectBackends(run.config, run.dir);
  const off = run.events.onEvent((e) => {
    o.onEvent?.(e);
    if (e.type === 'review.waiting') {
      if (o.acceptReview) setImmediate(() => acceptAllPairs(run, e.iteration));
      else info(`iteration ${e.iteration}: waiting for the pair review (${e.pairs} pairs); complete it in VS Code, or rerun with --accept-review`);
    }
  });
  const out: IterationSummary[] = [];
  try {
    for (let i = 0; i < o.iterations; i++) {
      const s = await runIteration(run, { signal: o.signal, backends, ...(i === 0 && o.seed ? { seed: o.seed } : {}) });
      out.push(s);
      o.onIteration?.(s);
    }
  } finally {
    off();
    if (!o.backends) await backends.inference.stop();
  }
  return out;
}

/** Log stage boundaries and (every few seconds) progress to stderr. */
function logEvents(): (e: RunEvent) => void {
  let last = 0;
  return (e) => {
    if (e.type === 'stage.started') info(`iteration ${e.iteration}: ${e.stage} started (${e.total} to do)`);
    else if (e.type === 'stage.finished') info(`iteration ${e.iteration}: ${e.stage} done in ${(e.durationMs / 1000).toFixed(1)} s ${JSON.stringify(e.counts)}`);
    else if (e.type === 'stage.progress' && Date.now() - last > 3000) {
      last = Date.now();
      info(`iteration ${e.iteration}: ${e.stage} ${e.done}/${e.total}, ${e.ratePerSec}/s${e.failed ? `, ${e.failed} failed` : ''}`);
    } else if (e.type === 'error') warn(e.message);
    else if (e.type === 'iteration.failed') warn(`iteration ${e.iteration} failed${e.stage ? ` in ${e.stage}` : ''}: ${e.error}`);
  };
}

/** Abort on SIGINT/SIGTERM; returns a cleanup. */
export function stopOnSignals(ac: AbortController): () => void {
  const stop = (sig: string) => (): void => {
    warn(`${sig}: stopping (in-flight requests aborted; the run stays resumable)`);
    ac.abort(new Error(`stopped by ${sig}`));
  };
  const onInt = stop('SIGINT');
  const onTerm = stop('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'runs-dir': { type: 'string' },
        iterations: { type: 'string' },
        resume: { type: 'string' },
        'accept-review': { type: 'boolean' },
        sft: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (!values.config && !values.resume) throw new UsageError('--config FILE is required (or --resume RUN_ID)');
    if (values.sft && values.resume) throw new UsageError('--sft applies to a new run (--config); a resumed run keeps how it started');
  } catch (e) {
    process.stderr.write(`run: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  let iterations: number;
  try {
    iterations = numberFlag(values as Record<string, unknown>, 'iterations', { min: 1, integer: true }) ?? 1;
  } catch (e) {
    process.stderr.write(`run: ${(e as Error).message}\n`);
    return 2;
  }
  const store = new RunStore(path.resolve(values['runs-dir'] ?? DEFAULT_RUNS_DIR));
  let run: Run;
  let seed: LoadedSeed | undefined;
  try {
    if (values.resume) {
      run = store.open(values.resume, { write: true });
      if (values.config) warn(`--resume: the run keeps the config it was created with; ${values.config} is not read`);
    } else {
      // Everything checkable (schema, rubric, seed files) is checked before the run folder exists.
      const loaded = loadConfigFile(values.config!);
      const config = values.sft ? { ...loaded, sft: { ...loaded.sft!, enabled: true } } : loaded;
      const rubricText = initialRubric(config);
      seed = checkRunInputs(config, rubricText, values.config!);
      run = store.create(config, { agentVersion: AGENT_VERSION, rubricText });
    }
  } catch (e) {
    process.stderr.write(`run: ${(e as Error).message}\n`);
    return 1;
  }
  info(`run ${run.id} in ${run.dir}`);
  const ac = new AbortController();
  const unhook = stopOnSignals(ac);
  try {
    await runIterations(run, {
      iterations,
      signal: ac.signal,
      acceptReview: values['accept-review'],
      seed,
      onEvent: logEvents(),
      onIteration: (s) => process.stdout.write(JSON.stringify({ runId: run.id, ...s }) + '\n'),
    });
    return 0;
  } catch (e) {
    if (ac.signal.aborted) {
      process.stderr.write(`run: stopped; continue with: agent.js run --runs-dir ${store.runsDir} --resume ${run.id}\n`);
      return 130;
    }
    process.stderr.write(`run ${run.id}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    unhook();
    run.close();
  }
}
