/**
 * The extension's view of the runs on the connected agent, shared by the dashboard, the runs tree, the status bar,
 * the notifications and the commands: the run list, one RunMirror per agent link (snapshot + live events of the
 * runs it tracks), and one change event. One instance per activation (`runsModel(services)`).
 */
import * as vscode from 'vscode';
import type { RunEvent, RunSnapshot, RunSummary } from '../../remote/protocol';
import type { AgentApi } from '../connection/agentApi';
import type { Services } from '../services';
import { RunMirror } from './runMirror';

export type RunEventsListener = (runId: string, events: RunEvent[]) => void;

export class RunsModel implements vscode.Disposable {
  private agentRef: AgentApi | undefined;
  private mirrorRef: RunMirror | undefined;
  private runList: RunSummary[] = [];
  private readonly subs = new Map<string, { dispose(): void }>();
  private readonly eventListeners = new Set<RunEventsListener>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** runId → the iteration a stop was asked for, until that iteration ends */
  private readonly stopping = new Map<string, number>();
  private readonly stoppingE = new vscode.EventEmitter<{ runId: string; iteration: number }>();
  /** A stop was asked (from any command or panel): views show "stopping…" at once. */
  readonly onDidStartStopping = this.stoppingE.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires when the agent, the run list or a tracked run's snapshot changes. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly services: Services) {
    this.disposables.push(
      this.changed,
      this.stoppingE,
      services.connection.onDidChange((agent) => void this.setAgent(agent)),
      services.onDidChangeCurrentRun((runId) => {
        if (runId) void this.track(runId).catch((e) => services.log.warn(`tracking run ${runId}: ${String(e)}`));
        this.changed.fire();
      }),
    );
    if (services.connection.agent) void this.setAgent(services.connection.agent);
  }

  get agent(): AgentApi | undefined {
    return this.agentRef;
  }

  get mirror(): RunMirror | undefined {
    return this.mirrorRef;
  }

  get runs(): readonly RunSummary[] {
    return this.runList;
  }

  /** The agent, or a clear error for commands that need one. */
  requireAgent(): AgentApi {
    const a = this.agentRef ?? this.services.connection.agent;
    if (!a) throw new Error('Not connected to an agent: run "Self-Rewarding: Connect to GPU Host…" or "Start Demo Run" first.');
    if (a !== this.agentRef) void this.setAgent(a);
    return a;
  }

  snapshot(runId: string): RunSnapshot | undefined {
    return this.mirrorRef?.snapshot(runId);
  }

  /** Mirror a run (idempotent) so its snapshot stays current and its events reach listeners. */
  async track(runId: string): Promise<RunSnapshot> {
    const agent = this.requireAgent();
    const mirror = this.mirrorRef as RunMirror;
    await mirror.track(runId);
    if (this.agentRef !== agent) throw new Error('the agent link changed while subscribing');
    if (!this.subs.has(runId)) {
      this.subs.set(
        runId,
        mirror.onEvents(runId, (events) => {
          const t = this.stopping.get(runId);
          if (t !== undefined && events.some((e) => (e.type === 'iteration.stopped' || e.type === 'iteration.failed' || e.type === 'iteration.finished') && e.iteration === t)) this.stopping.delete(runId);
          for (const l of [...this.eventListeners]) l(runId, events);
          this.updateSummary(runId);
          if (events.some((e) => e.type !== 'prompt' && e.type !== 'candidate' && e.type !== 'judgment' && e.type !== 'pair' && e.type !== 'judge-pair' && e.type !== 'log')) this.changed.fire();
        }),
      );
    }
    this.updateSummary(runId);
    return mirror.snapshot(runId) as RunSnapshot;
  }

  /** The iteration of a run that is stopping (a stop was asked and it has not ended yet). */
  stoppingIteration(runId: string): number | undefined {
    return this.stopping.get(runId);
  }

  /**
   * Stop a run's running iteration. "stopping…" shows at once (the agent answers only once every request in
   * flight is aborted, seconds later); it ends with the iteration's stopped/failed/finished event.
   */
  async stop(runId: string): Promise<boolean> {
    const agent = this.requireAgent();
    const it = this.snapshot(runId)?.iterations.find((x) => x.status === 'running' || x.status === 'waiting');
    if (it && this.stopping.get(runId) !== it.iteration) {
      this.stopping.set(runId, it.iteration);
      this.stoppingE.fire({ runId, iteration: it.iteration });
      this.changed.fire();
    }
    try {
      const { stopped } = await agent.request('iteration/stop', { runId });
      if (!stopped) this.stopping.delete(runId);
      return stopped;
    } catch (e) {
      this.stopping.delete(runId);
      this.changed.fire();
      throw e;
    }
  }

  /** Events of every tracked run, as the mirror applies them. */
  onEvents(listener: RunEventsListener): vscode.Disposable {
    this.eventListeners.add(listener);
    return new vscode.Disposable(() => this.eventListeners.delete(listener));
  }

  /** Reload the run list; track the current run and every running one (for progress and notifications). */
  async refresh(): Promise<readonly RunSummary[]> {
    const agent = this.agentRef;
    if (!agent) {
      this.runList = [];
      this.changed.fire();
      return this.runList;
    }
    const { runs } = await agent.request('runs/list', {});
    if (agent !== this.agentRef) return this.runList;
    this.runList = runs;
    const want = new Set(runs.filter((r) => r.status === 'running' || r.status === 'waiting').map((r) => r.id));
    if (this.services.currentRunId) want.add(this.services.currentRunId);
    await Promise.all([...want].map((id) => this.track(id).catch((e) => this.services.log.warn(`tracking run ${id}: ${String(e)}`))));
    this.changed.fire();
    return this.runList;
  }

  dispose(): void {
    this.dropMirror();
    for (const d of this.disposables) d.dispose();
  }

  private async setAgent(agent: AgentApi | undefined): Promise<void> {
    if (agent === this.agentRef) return;
    this.dropMirror();
    this.agentRef = agent;
    this.mirrorRef = agent ? new RunMirror(agent) : undefined;
    this.runList = [];
    this.changed.fire();
    if (agent) await this.refresh().catch((e) => this.services.log.warn(`listing runs: ${String(e)}`));
  }

  private dropMirror(): void {
    for (const s of this.subs.values()) s.dispose();
    this.subs.clear();
    this.mirrorRef?.dispose();
    this.mirrorRef = undefined;
  }

  private updateSummary(runId: string): void {
    const snap = this.mirrorRef?.snapshot(runId);
    if (!snap) return;
    const i = this.runList.findIndex((r) => r.id === runId);
    if (i >= 0) this.runList[i] = { ...this.runList[i], ...snap.run };
    else this.runList.push(snap.run);
  }
}

const models = new WeakMap<Services, RunsModel>();

/** The one RunsModel of this activation. */
export function runsModel(services: Services): RunsModel {
  let m = models.get(services);
  if (!m) {
    m = new RunsModel(services);
    models.set(services, m);
    services.context.subscriptions.push(m);
  }
  return m;
}

/** A run id from a command argument: a string, a tree node ({ runId }), or undefined. */
export function runIdArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { runId?: unknown }).runId === 'string') return (arg as { runId: string }).runId;
  return undefined;
}

/** An iteration from a command argument ({ iteration } node, or a number). */
export function iterationArg(arg: unknown): number | undefined {
  if (typeof arg === 'number') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { iteration?: unknown }).iteration === 'number') return (arg as { iteration: number }).iteration;
  return undefined;
}
