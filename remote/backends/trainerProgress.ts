/**
 * The one parser of DPO trainer progress, for TRL and the sim trainer alike:
 *  - `checkpoint-*\/trainer_state.json`: transformers' TrainerState JSON — `global_step`, `max_steps`, `epoch` and
 *    `log_history`, a list of the dicts passed to `Trainer.log`, each with `step` and `epoch` added; TRL's
 *    DPOTrainer logs `loss`, `grad_norm`, `learning_rate`, `rewards/chosen|rejected|margins|accuracies`,
 *    `logps/*`, `logits/*`; the last entry is the end-of-training summary (`train_loss`, `train_runtime`, …).
 *    (Checked against transformers' trainer_callback.TrainerState and TRL's DPOTrainer.log; real files such as
 *    the trainer_state.json excerpts found with the code search.)
 *  - stdout/stderr lines: transformers' ProgressCallback prints every log dict with `str(logs)` (a Python dict repr,
 *    `{'loss': 0.6931, 'rewards/margins': 0.01, 'epoch': 0.1}`; newer versions print the numbers as quoted strings)
 *    and tqdm draws ` 45%|████▌     | 45/100 [01:30<01:50,  2.00s/it]` with \r. JSON-object lines are accepted too.
 */
import type { TrainMetrics } from '../protocol';

const KEYS: [string, keyof TrainMetrics][] = [
  ['loss', 'loss'],
  ['learning_rate', 'learningRate'],
  ['rewards/chosen', 'rewardsChosen'],
  ['rewards/rejected', 'rewardsRejected'],
  ['rewards/margins', 'rewardsMargins'],
  ['rewards/accuracies', 'rewardsAccuracies'],
  ['epoch', 'epoch'],
];

/** Metrics from one TRL log dict (missing keys stay unset). `train_loss` of the summary counts as loss. */
export function metricsFromLogDict(d: Record<string, unknown>): Partial<TrainMetrics> {
  const m: Partial<TrainMetrics> = {};
  for (const [k, out] of KEYS) {
    const v = num(d[k]);
    if (v !== undefined) (m as Record<string, number>)[out] = v;
  }
  if (m.loss === undefined) {
    const tl = num(d.train_loss);
    if (tl !== undefined) m.loss = tl;
  }
  const step = num(d.step);
  if (step !== undefined) m.step = step;
  return m;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export interface TrainerStateInfo {
  globalStep?: number;
  maxSteps?: number;
  /** one per training log_history entry (summary and eval entries excluded), in order */
  entries: TrainMetrics[];
  /** the end-of-training summary entry, when present */
  summary?: Partial<TrainMetrics> & { trainRuntimeSec?: number };
}

/** Parse a trainer_state.json object. Throws naming `where` when it is not one. */
export function parseTrainerState(json: unknown, where: string): TrainerStateInfo {
  if (!json || typeof json !== 'object' || !Array.isArray((json as { log_history?: unknown }).log_history)) {
    throw new Error(`${where}: not a trainer_state.json (no "log_history" list)`);
  }
  const s = json as { global_step?: unknown; max_steps?: unknown; log_history: unknown[] };
  const maxSteps = num(s.max_steps) || undefined;
  const info: TrainerStateInfo = { globalStep: num(s.global_step), maxSteps, entries: [] };
  for (const raw of s.log_history) {
    if (!raw || typeof raw !== 'object') continue;
    const e = raw as Record<string, unknown>;
    if ('train_runtime' in e || 'train_loss' in e) {
      info.summary = { ...metricsFromLogDict(e), trainRuntimeSec: num(e.train_runtime) };
      continue;
    }
    if (!('loss' in e)) continue; // eval_* entries
    const m = metricsFromLogDict(e);
    if (m.step === undefined) continue;
    info.entries.push({ ...m, step: m.step, ...(maxSteps ? { totalSteps: maxSteps } : {}) });
  }
  return info;
}

export type LineInfo =
  | { kind: 'logs'; metrics: Partial<TrainMetrics>; summary: boolean }
  | { kind: 'bar'; step: number; total: number; etaSec?: number };

// `'key': value` or `"key": value`, value a bare or quoted number (also nan/inf, which are dropped later)
const PAIR_RE = /(['"])([A-Za-z0-9_/.\-]+)\1\s*:\s*(['"]?)([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|inf|-inf|NaN|Infinity))\3/g;
// tqdm: "  45%|####5     | 45/100 [01:30<01:50,  2.00s/it]"
// (the training bar has no label and counts iterations; dataset `Map:` and `Loading checkpoint shards:` bars have one)
const BAR_RE = /^\s*\d+%\|[^|]*\|\s*(\d+)\/(\d+)\s*\[(?:(?:\d+:)?\d+:\d+)<((?:\d+:)?\d+:\d+|\?)/;

function clock(s: string): number | undefined {
  if (s === '?') return undefined;
  return s.split(':').map(Number).reduce((a, b) => a * 60 + b, 0);
}

/** Parse one output line; undefined when it carries no progress. */
export function parseLogLine(line: string): LineInfo | undefined {
  const brace = line.indexOf('{');
  if (brace >= 0 && line.lastIndexOf('}') > brace) {
    const body = line.slice(brace, line.lastIndexOf('}') + 1);
    const d: Record<string, string> = {};
    for (const m of body.matchAll(PAIR_RE)) d[m[2]] = m[4];
    if ('loss' in d || 'train_loss' in d || 'rewards/margins' in d) {
      return { kind: 'logs', metrics: metricsFromLogDict(d), summary: 'train_runtime' in d || 'train_loss' in d };
    }
  }
  const b = BAR_RE.exec(line);
  if (b) {
    const step = Number(b[1]);
    const total = Number(b[2]);
    if (total > 0 && step <= total) return { kind: 'bar', step, total, etaSec: clock(b[3]) };
  }
  return undefined;
}

/**
 * Merges both sources into one stream of TrainMetrics: each new logged step is emitted once (from whichever source
 * saw it first), progress-bar lines update step/total/ETA between logged steps (at most once per `barEveryMs`).
 */
export class TrainerProgress {
  private current: TrainMetrics = { step: 0 };
  private lastLoggedStep = 0;
  private lastEmit = 0;
  private readonly startedAt: number;
  private barStep = 0;

  constructor(
    private readonly emit: (m: TrainMetrics) => void,
    private readonly opts: { now?: () => number; barEveryMs?: number } = {},
  ) {
    this.startedAt = this.now();
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  get latest(): TrainMetrics {
    return { ...this.current };
  }

  /** Feed one stdout/stderr line. Emits position-only metrics for bar moves (at most one per barEveryMs). */
  line(line: string): void {
    const info = parseLogLine(line);
    if (!info) return;
    if (info.kind === 'bar') {
      this.barStep = info.step;
      this.current.totalSteps = info.total;
      if (info.etaSec !== undefined) this.current.etaSec = info.etaSec;
      const every = this.opts.barEveryMs ?? 1000;
      // Between logged steps only the position moves: no stale loss is repeated at a new step.
      if (info.step > this.current.step && this.now() - this.lastEmit >= every) {
        this.lastEmit = this.now();
        this.emit({ step: info.step, totalSteps: info.total, ...(info.etaSec !== undefined ? { etaSec: info.etaSec } : {}) });
      }
      return;
    }
    if (info.summary) {
      if (info.metrics.loss !== undefined && this.current.loss === undefined) this.current.loss = info.metrics.loss;
      return;
    }
    // The dict line has no step: the bar's current step is the step it was logged at (TRL logs after the update).
    const step = info.metrics.step ?? (this.barStep > 0 ? this.barStep : this.lastLoggedStep + 1);
    this.logged({ ...info.metrics, step });
  }

  /** Feed a parsed trainer_state.json. */
  state(s: TrainerStateInfo): void {
    if (s.maxSteps) this.current.totalSteps = s.maxSteps;
    for (const e of s.entries) if (e.step > this.lastLoggedStep) this.logged(e);
  }

  private logged(m: Partial<TrainMetrics> & { step: number }): void {
    if (m.step <= this.lastLoggedStep) return;
    this.lastLoggedStep = m.step;
    const { totalSteps, etaSec } = this.current;
    this.current = { ...m, step: m.step };
    if (totalSteps !== undefined) this.current.totalSteps = totalSteps;
    if (etaSec !== undefined) this.current.etaSec = etaSec;
    this.send();
  }

  private send(): void {
    const m = { ...this.current };
    // Without a progress bar (trainer_state only), estimate the ETA from the mean step time so far.
    if (m.totalSteps && m.step > 0 && m.etaSec === undefined) {
      m.etaSec = Math.max(0, Math.round(((this.now() - this.startedAt) / 1000 / m.step) * (m.totalSteps - m.step)));
    }
    this.lastEmit = this.now();
    this.emit(m);
  }
}
