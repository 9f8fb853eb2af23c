/**
 * `agent.js eval <winrate|multiturn|compare|judge|list> --run RUN_ID [options]`: the evaluations of a run from the
 * command line, the same code as the daemon's eval/* requests and the per-iteration stage. Results go into the
 * run's eval/ folder; the summary is printed as one JSON line on stdout (a human line on stderr). The run must not be
 * held by a running daemon (its lock says so).
 */
import * as path from 'node:path';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import type { EvalJudgeSpec, EvalKind, EvalResultRef, EvalSubject } from '../protocol';
import { RunStore } from '../store/runStore';
import { selectBackends } from '../backends/index';
import { resolveJudge, resolveSide, type EvalEnv } from '../eval/context';
import { evalSettings, runEvalJob } from '../eval/suite';
import { listEvalResults } from '../eval/results';
import { setQuiet } from '../log';
import { DEFAULT_RUNS_DIR, stopOnSignals } from './run';
import { UsageError, numberFlag } from './flags';

export const description = 'evaluate a run\'s models: win rate (and LC) vs reference answers, multi-turn, head-to-head, judge agreement';

export const usage = `usage: agent.js eval <winrate|multiturn|compare|judge|list> --run RUN_ID [--runs-dir DIR]
         [--model N|sft] [--against N|sft] [--endpoint URL --endpoint-model NAME [--endpoint-key-env VAR]]
         [--prompts FILE|builtin:…] [--max N] [--judge self|URL] [--judge-model NAME] [--judge-key-env VAR]
  winrate    win rate and LC win rate against an AlpacaEval-format reference set (default builtin:heldout)
  multiturn  1–10 grading of two-turn questions in MT-Bench's format (default builtin:mt)
  compare    head-to-head of --model against --against (default the previous model) or --endpoint, both orders
  judge      judge agreement with human rankings on a labelled set (default builtin:labelled)
  list       every evaluation result of the run
Defaults: --model the run's newest model; --judge the run config's eval.judge (self: the run's current model).
`;

const KINDS: Record<string, EvalKind | 'list'> = { winrate: 'winRate', multiturn: 'multiTurn', compare: 'headToHead', judge: 'judge', list: 'list' };

function modelFlag(v: string | undefined, flag: string): EvalSubject | undefined {
  if (v === undefined) return undefined;
  if (v === 'sft') return { kind: 'run', iteration: 0, role: 'sft-baseline' };
  const n = Number(v.replace(/^m/i, ''));
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag}: expected a model number (2 or M2) or "sft", got ${JSON.stringify(v)}`);
  return { kind: 'run', iteration: n };
}

export async function main(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv, strict: true, allowPositionals: true,
      options: {
        run: { type: 'string' }, 'runs-dir': { type: 'string' }, model: { type: 'string' }, against: { type: 'string' },
        endpoint: { type: 'string' }, 'endpoint-model': { type: 'string' }, 'endpoint-key-env': { type: 'string' },
        prompts: { type: 'string' }, max: { type: 'string' }, judge: { type: 'string' }, 'judge-model': { type: 'string' }, 'judge-key-env': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (positionals.length !== 1 || !(positionals[0] in KINDS)) throw new UsageError(`expected one of ${Object.keys(KINDS).join(', ')}`);
    if (!values.run) throw new UsageError('--run RUN_ID is required');
    if (values.endpoint && !values['endpoint-model']) throw new UsageError('--endpoint needs --endpoint-model');
    if (values.judge && values.judge !== 'self' && !values['judge-model']) throw new UsageError('--judge URL needs --judge-model');
    if (values.judge && values.judge !== 'self' && !/^https?:\/\//.test(values.judge)) throw new UsageError(`--judge: "self" or an http(s) URL, got ${JSON.stringify(values.judge)}`);
  } catch (e) {
    process.stderr.write(`eval: ${(e as Error).message}\n${usage}`);
    return 2;
  }
  let max: number | undefined;
  let subject: EvalSubject | undefined;
  let against: EvalSubject | undefined;
  try {
    max = numberFlag(values as Record<string, unknown>, 'max', { min: 1, integer: true });
    subject = modelFlag(values.model, 'model');
    against = values.endpoint
      ? { kind: 'endpoint', baseUrls: values.endpoint.split(',').map((s) => s.trim()), model: values['endpoint-model']!, ...(values['endpoint-key-env'] ? { apiKeyEnv: values['endpoint-key-env'] } : {}) }
      : modelFlag(values.against, 'against');
  } catch (e) {
    process.stderr.write(`eval: ${(e as Error).message}\n`);
    return 2;
  }
  const kind = KINDS[positionals[0]];
  const store = new RunStore(path.resolve(values['runs-dir'] ?? DEFAULT_RUNS_DIR));
  if (kind === 'list') {
    try {
      process.stdout.write(JSON.stringify({ runId: values.run, results: listEvalResults(store.runDir(values.run)) }) + '\n');
      return 0;
    } catch (e) {
      process.stderr.write(`eval: ${(e as Error).message}\n`);
      return 1;
    }
  }
  let run;
  try {
    run = store.open(values.run, { write: true });
  } catch (e) {
    process.stderr.write(`eval: ${(e as Error).message}\n`);
    return 1;
  }
  setQuiet(true);
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  const unhook = stopOnSignals(ac);
  const backends = selectBackends(run.config, run.dir);
  try {
    const settings = evalSettings(run.config);
    const judgeSpec: EvalJudgeSpec = values.judge === 'self' ? { kind: 'self' } : values.judge
      ? { kind: 'external', baseUrls: values.judge.split(',').map((s) => s.trim()), model: values['judge-model']!, ...(values['judge-key-env'] ? { apiKeyEnv: values['judge-key-env'] } : {}) }
      : settings.judge;
    const side = resolveSide(run, subject);
    let last = 0;
    const env: EvalEnv = {
      run, signal: ac.signal, concurrency: run.config.inference.concurrency,
      client: { maxRetries: run.config.inference.maxRetries, timeoutMs: run.config.inference.requestTimeoutMs },
      serve: async (m, signal) => ({ endpoint: await backends.inference.ensureServing(m, signal), release: async () => undefined }),
      onProgress: (done, total) => {
        if (Date.now() - last > 2000 || done === total) {
          last = Date.now();
          process.stderr.write(`eval ${positionals[0]}: ${done}/${total}\n`);
        }
      },
    };
    const other = kind === 'headToHead'
      ? resolveSide(run, against ?? (side.ref.iteration !== undefined && side.ref.role !== 'sft-baseline' ? { kind: 'run', iteration: side.ref.iteration - 1 } : undefined))
      : undefined;
    const r: EvalResultRef = await runEvalJob(env, { kind, side, ...(other ? { against: other } : {}) }, { settings, judge: resolveJudge(run, judgeSpec), prompts: values.prompts, maxPrompts: max });
    process.stderr.write(`eval ${positionals[0]}: ${r.model.label}${r.against ? ` vs ${r.against.label}` : ''} → ${path.join(run.dir, r.file)}\n`);
    process.stdout.write(JSON.stringify({ runId: run.id, ...r }) + '\n');
    return 0;
  } catch (e) {
    if (ac.signal.aborted) {
      process.stderr.write('eval: stopped; run the same command again to resume from what was recorded\n');
      return 130;
    }
    process.stderr.write(`eval: ${(e as Error).message}\n`);
    return 1;
  } finally {
    unhook();
    await backends.inference.stop();
    run.close();
  }
}
