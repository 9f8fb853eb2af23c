/**
 * What the agent daemon owns while it lives: the run store, one writable Run per run it touches (with its snapshot
 * kept current by the shared reducer), the background iterations (one AbortController each; they keep running when
 * clients disconnect), the event fan-out, and a tail of its own log for `agent/logTail`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RpcErrors } from '../protocol';
import type { RunEvent, RunSnapshot } from '../protocol';
import { Run, RunStore } from '../store/runStore';
import { addLogSink, info, warn, error as logError } from '../log';
import { applyEvent } from '../snapshot/reducer';
import { cutOff, replaySnapshot, settle, writeCheckpoint } from './snapshot';
import { EventFanout } from './fanout';
import { AgentError } from './types';
import type { AgentContext, HandlerMap } from './types';

const LOG_TAIL = 2000;
const CHECKPOINT_EVERY = 2000;
const MILESTONES = new Set<RunEvent['type']>(['stage.finished', 'iteration.finished', 'iteration.stopped', 'iteration.failed', 'review.waiting']);
/** How long shutdown waits for stopped iterations to write their last records. */
const STOP_GRACE_MS = 10_000;

interface OpenRun {
  run: Run;
  snapshot: RunSnapshot;
  unlisten: () => void;
  unlistenUnrecorded?: () => void;
}

export interface BackgroundTask {
  iteration: number;
  controller: AbortController;
  done: Promise<void>;
}

export interface DaemonOptions {
  runsDir: string;
  agentVersion: string;
  bundleHash: string;
  /** unsent events after which a stalled subscriber is disconnected (tests lower it) */
  maxUnsentEvents?: number;
}

export class Daemon implements AgentContext {
  readonly store: RunStore;
  readonly agentVersion: string;
  readonly bundleHash: string;
  readonly fanout: EventFanout;
  private runs = new Map<string, OpenRun>();
  private tasks = new Map<string, BackgroundTask>();
  private logLines: string[] = [];
  private unsink: () => void;
  private shuttingDown: Promise<void> | undefined;
  /** called once shutdown is complete (the CLI exits the process) */
  onShutdown: () => void = () => undefined;

  constructor(opts: DaemonOptions) {
    this.store = new RunStore(opts.runsDir);
    this.agentVersion = opts.agentVersion;
    this.bundleHash = opts.bundleHash;
    this.fanout = new EventFanout(opts.maxUnsentEvents);
    this.unsink = addLogSink((level, message) => {
      this.logLines.push(`${new Date().toISOString()} [${level}] ${message}`);
      if (this.logLines.length > LOG_TAIL) this.logLines.splice(0, this.logLines.length - LOG_TAIL);
    });
  }

  get runsDir(): string {
    return this.store.runsDir;
  }

  openRun(runId: string): Run {
    return this.open(runId).run;
  }

  /** Keep a freshly created (already writable) run. */
  adopt(run: Run): void {
    if (!this.runs.has(run.id)) this.track(run);
  }

  snapshot(runId: string): RunSnapshot {
    return this.open(runId).snapshot;
  }

  /** Open runs are served from memory; others are summarised from their files (read-only). */
  isOpen(runId: string): boolean {
    return this.runs.has(runId);
  }

  private open(runId: string): OpenRun {
    const known = this.runs.get(runId);
    if (known) return known;
    let dir: string;
    try {
      dir = this.store.runDir(runId);
    } catch (e) {
      throw new AgentError(RpcErrors.RunNotFound, (e as Error).message);
    }
    if (!fs.existsSync(path.join(dir, 'run.json'))) throw new AgentError(RpcErrors.RunNotFound, `run ${runId} not found in ${this.runsDir}`);
    return this.track(this.store.open(runId, { write: true }));
  }

  private track(run: Run): OpenRun {
    const entry: OpenRun = { run, snapshot: replaySnapshot(run), unlisten: () => undefined };
    // Snapshot first, then fan-out: a subscriber's snapshot seq and its first pushed event always meet.
    let sinceCheckpoint = 0;
    entry.unlisten = run.events.onEvent((ev) => {
      entry.snapshot = applyEvent(entry.snapshot, ev);
      this.fanout.publish(run.id, ev);
      // Checkpoint at milestones and every so many events, so reopening replays little of the log.
      if (++sinceCheckpoint >= CHECKPOINT_EVERY || MILESTONES.has(ev.type)) {
        sinceCheckpoint = 0;
        this.checkpoint(entry);
      }
    });
    // The log itself failed to take an event (a full disk): its subscribers still hear of it, and the snapshot no
    // longer shows as running what has ended.
    entry.unlistenUnrecorded = run.events.onUnrecorded((event, err) => {
      this.fanout.notify(run.id, 'events/unrecorded', { runId: run.id, event, error: err.message });
      if (event.type === 'iteration.failed' || event.type === 'iteration.stopped') entry.snapshot = settle(entry.snapshot);
    });
    this.runs.set(run.id, entry);
    // We hold the run's lock and run nothing in it yet: an iteration the log calls running was cut off (kill -9,
    // power loss). Say so in the log itself, so every client's reducer shows it stopped; iteration/start resumes it.
    if (!this.tasks.has(run.id)) {
      for (const c of cutOff(entry.snapshot)) {
        info(`run ${run.id}: iteration ${c.iteration} was cut off${c.stage ? ` in stage ${c.stage}` : ''} (agent killed?); start it again to resume`);
        run.emit({ type: 'iteration.stopped', iteration: c.iteration, ...(c.stage ? { stage: c.stage } : {}) });
      }
    }
    return entry;
  }

  private checkpoint(entry: OpenRun): void {
    try {
      writeCheckpoint(entry.run, entry.snapshot);
    } catch (e) {
      warn(`${entry.run.dir}: could not write the snapshot checkpoint: ${(e as Error).message}`);
    }
  }

  // --- background iterations ---------------------------------------------------------------------------------

  task(runId: string): BackgroundTask | undefined {
    return this.tasks.get(runId);
  }

  /**
   * Run `work` in the background for `runId` (one at a time per run). The promise of `work` is observed here: an
   * error is logged (the pipeline records it in the run as well), never left unhandled.
   */
  runInBackground(runId: string, iteration: number, work: (signal: AbortSignal) => Promise<unknown>): BackgroundTask {
    if (this.shuttingDown) throw new Error('the agent is shutting down');
    const controller = new AbortController();
    const task: BackgroundTask = {
      iteration,
      controller,
      done: Promise.resolve()
        .then(() => work(controller.signal))
        .then(
          () => info(`run ${runId}: iteration ${iteration} ended`),
          (e: unknown) =>
            controller.signal.aborted
              ? info(`run ${runId}: iteration ${iteration} stopped`)
              : logError(`run ${runId}: iteration ${iteration} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`),
        )
        .finally(() => {
          if (this.tasks.get(runId) === task) this.tasks.delete(runId);
        }),
    };
    this.tasks.set(runId, task);
    return task;
  }

  /** Abort the run's iteration and wait until it has stopped. */
  async stop(runId: string): Promise<boolean> {
    const t = this.tasks.get(runId);
    if (!t) return false;
    t.controller.abort(new Error('stopped by request'));
    await t.done;
    return true;
  }

  /** Close an open run (its lock released) that no iteration is running; false when one is. */
  close(runId: string): boolean {
    if (this.tasks.has(runId)) return false;
    const entry = this.runs.get(runId);
    if (entry) {
      entry.unlisten();
      entry.unlistenUnrecorded?.();
      entry.run.close();
      this.runs.delete(runId);
    }
    return true;
  }

  logTail(lines: number): string[] {
    return this.logLines.slice(-Math.max(0, Math.min(lines, LOG_TAIL)));
  }

  /** Stop every iteration (bounded wait), close every run (locks released). Idempotent. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      info(`agent shutting down (${this.tasks.size} iteration(s) running)`);
      const all = [...this.tasks.values()];
      for (const t of all) t.controller.abort(new Error('agent shutting down'));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(all.map((t) => t.done)),
        new Promise<void>((r) => (timer = setTimeout(r, STOP_GRACE_MS))),
      ]);
      clearTimeout(timer);
      this.fanout.close();
      for (const entry of this.runs.values()) {
        entry.unlisten();
        entry.unlistenUnrecorded?.();
        this.checkpoint(entry);
        entry.run.close();
      }
      this.runs.clear();
      this.unsink();
      this.onShutdown();
    })();
    return this.shuttingDown;
  }
}

/** Handlers of the daemon's own groups get the Daemon; other groups' HandlerMaps (AgentContext) fit as well. */
export type DaemonHandlerMap = HandlerMap<Daemon>;
