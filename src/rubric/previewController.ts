/**
 * The rubric preview's brain, free of `vscode` (tested with a fake clock): on each edit it waits for the text to
 * settle (debounce), on save it runs at once; each run is a `preview/judge` request with a fresh previewId, the
 * previous unfinished run is cancelled (`preview/cancel`), and every result whose previewId is not the latest draft
 * run is dropped — a slow answer for an older text can never overwrite a newer one.
 *
 * Besides the draft runs there is one "baseline" run per sample set: the rubric in use, for samples that carry no
 * score under it yet (labelled sets), so the panel can show the delta and the A/B.
 */
import type { PreviewResult, PreviewSample, RequestParams, RequestResult } from '../../remote/protocol';

export type PreviewRole = 'draft' | 'baseline';

export interface PreviewClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realClock: PreviewClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** The two agent requests the controller needs (an AgentApi satisfies this through a small adapter). */
export interface PreviewAgent {
  judge(params: RequestParams<'preview/judge'>): Promise<RequestResult<'preview/judge'>>;
  cancel(previewId: string): Promise<unknown>;
}

export type PreviewEvent =
  | { kind: 'start'; role: PreviewRole; previewId: string; text: string; samples: PreviewSample[]; k: number; at: number }
  | { kind: 'result'; role: PreviewRole; result: PreviewResult; at: number }
  | { kind: 'done'; role: PreviewRole; previewId: string; cancelled: boolean; error?: string; at: number };

export interface PreviewControllerOptions {
  agent: PreviewAgent;
  debounceMs: number;
  k: number;
  runId?: string;
  clock?: PreviewClock;
  onEvent(e: PreviewEvent): void;
  /** previewId factory (tests make them predictable) */
  newId?: () => string;
}

let idCounter = 0;
const defaultId = (): string => `pv-${Date.now().toString(36)}-${(++idCounter).toString(36)}`;

interface Running {
  id: string;
  text: string;
  done: boolean;
  failed?: boolean;
}

export class PreviewController {
  private readonly clock: PreviewClock;
  private readonly newId: () => string;
  private timer: unknown;
  private pendingText: string | undefined;
  private draft: Running | undefined;
  private baseline: Running | undefined;
  private samples: PreviewSample[] = [];
  private disposed = false;
  /** the text of the last draft run, so a save right after the debounce fired does not judge the same text twice */
  private lastText: string | undefined;

  constructor(private readonly opts: PreviewControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.newId = opts.newId ?? defaultId;
  }

  /** Judge samples per answer of the next runs. */
  get k(): number {
    return this.opts.k;
  }

  /** Judge samples per answer from the next run on (setSamples judges the set again). */
  setK(k: number): void {
    this.opts.k = k;
  }

  get latestDraftId(): string | undefined {
    return this.draft?.id;
  }

  get sampleSet(): readonly PreviewSample[] {
    return this.samples;
  }

  /**
   * Replace the preview set. `rubricInUse` (the run's current rubric) judges the samples without a baseline score;
   * `draftText`, when given, is judged again at once on the new set.
   */
  setSamples(samples: PreviewSample[], rubricInUse: string | undefined, draftText?: string): void {
    this.samples = samples;
    this.stopRun('baseline');
    const needBaseline = samples.filter((s) => s.baselineScore === undefined);
    if (rubricInUse !== undefined && needBaseline.length) this.startRun('baseline', rubricInUse, needBaseline);
    this.lastText = undefined;
    if (draftText !== undefined) this.saved(draftText);
  }

  /** The editor text changed: judge it once it has been still for debounceMs. */
  textChanged(text: string): void {
    if (this.disposed) return;
    this.pendingText = text;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const t = this.pendingText;
      this.pendingText = undefined;
      if (t !== undefined) this.runDraft(t);
    }, this.opts.debounceMs);
  }

  /** The file was saved: judge now (a pending debounce is folded into this run). */
  saved(text: string): void {
    if (this.disposed) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pendingText = undefined;
    this.runDraft(text);
  }

  /** A `preview/result` notification from the agent. Results of any run but the latest of its role are dropped. */
  handleResult(r: PreviewResult): boolean {
    const role = this.roleOf(r.previewId);
    if (!role) return false;
    this.opts.onEvent({ kind: 'result', role, result: r, at: this.clock.now() });
    return true;
  }

  /** A `preview/done` notification. */
  handleDone(d: { previewId: string; cancelled: boolean; error?: string }): void {
    const role = this.roleOf(d.previewId);
    if (!role) return;
    const run = role === 'draft' ? this.draft : this.baseline;
    if (run) {
      run.done = true;
      run.failed = d.error !== undefined;
    }
    this.opts.onEvent({ kind: 'done', role, previewId: d.previewId, cancelled: d.cancelled, error: d.error, at: this.clock.now() });
  }

  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.stopRun('draft');
    this.stopRun('baseline');
    this.disposed = true;
  }

  private roleOf(previewId: string): PreviewRole | undefined {
    if (this.draft && this.draft.id === previewId) return 'draft';
    if (this.baseline && this.baseline.id === previewId) return 'baseline';
    return undefined;
  }

  private runDraft(text: string): void {
    // One run per settled text; a run that failed may be retried by saving again.
    if (text === this.lastText && this.draft && !this.draft.failed) return;
    this.lastText = text;
    if (!this.samples.length) return;
    this.startRun('draft', text, this.samples);
  }

  private stopRun(role: PreviewRole): void {
    const run = role === 'draft' ? this.draft : this.baseline;
    if (run && !run.done) {
      run.done = true;
      this.opts.agent.cancel(run.id).catch(() => undefined);
    }
    if (role === 'draft') this.draft = undefined;
    else this.baseline = undefined;
  }

  private startRun(role: PreviewRole, text: string, samples: PreviewSample[]): void {
    this.stopRun(role);
    const id = this.newId();
    const run: Running = { id, text, done: false };
    if (role === 'draft') this.draft = run;
    else this.baseline = run;
    this.opts.onEvent({ kind: 'start', role, previewId: id, text, samples, k: this.opts.k, at: this.clock.now() });
    // One slot per role: the agent must not let the draft supersede the baseline (or the other way round).
    this.opts.agent
      .judge({ previewId: id, runId: this.opts.runId, rubric: text, samples, k: this.opts.k, slot: role })
      .catch((e: unknown) => {
        // The request failed outright (agent gone, bad params): end this run, if it is still the current one.
        if (this.roleOf(id)) this.handleDone({ previewId: id, cancelled: false, error: e instanceof Error ? e.message : String(e) });
      });
  }
}
