/**
 * Run commands: New Run…, Start Next Iteration, Stop Iteration, Start Demo Run. Each reports failures with actions
 * ("Show Log", "Retry") instead of failing silently, and long work runs under a cancellable progress notification.
 */
import * as vscode from 'vscode';
import type { DeepPartial, IterationManifest, RunConfig, RunEvent } from '../../remote/protocol';
import type { Feature, Services } from '../services';
import { openDashboard } from '../dashboard/feature';
import { runIdArg, runsModel, type RunsModel } from '../runs/runsModel';
import { watchedIterations } from '../status/watched';
import { askIterationOverrides, askResume, describeOverrides } from './iterationParams';
import { askModelAndTrainer, modelTrainerConfig, type ModelTrainerAnswers } from './newRunBackend';
import { readRunFile } from '../runs/runFiles';
import { stageCountText, summaryLine } from '../../remote/counts';
import { runNameProblem } from '../../remote/runName';

const errText = (e: unknown): string => (e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String((e as { message: unknown }).message) : String(e));

/** The run a command acts on: its argument, the current run, the only run, or the user's pick. */
export async function pickRun(services: Services, model: RunsModel, arg: unknown): Promise<string | undefined> {
  const explicit = runIdArg(arg);
  if (explicit) return explicit;
  if (services.currentRunId) return services.currentRunId;
  const runs = model.runs.length ? model.runs : await model.refresh();
  if (!runs.length) throw new Error('There is no run yet: create one with "Self-Rewarding: New Run…" or "Start Demo Run".');
  if (runs.length === 1) return runs[0].id;
  const pick = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.name, description: `${r.iterations} iteration${r.iterations === 1 ? '' : 's'} · ${r.status}`, detail: r.id, runId: r.id })),
    { title: 'Which run?' },
  );
  return pick?.runId;
}

/** Show an error with Show Log / Retry; resolves once the chosen action ran. */
export async function reportError(services: Services, message: string, retry?: () => Promise<unknown>): Promise<void> {
  services.log.error(message);
  const actions = retry ? ['Show Log', 'Retry'] : ['Show Log'];
  const choice = await vscode.window.showErrorMessage(message, ...actions);
  if (choice === 'Show Log') {
    services.log.show(true);
    await vscode.commands.executeCommand('selfreward.showAgentLog');
  } else if (choice === 'Retry' && retry) await retry();
}

export type IterationOutcome = 'finished' | 'failed' | 'stopped' | 'waiting';

/**
 * Start an iteration and follow it under a cancellable progress notification (cancel = stop the iteration).
 * Resolves with how it ended; errors are reported with Show Log / Retry.
 */
export async function runIteration(services: Services, runId: string, overrides: DeepPartial<RunConfig> | undefined): Promise<IterationOutcome | undefined> {
  const model = runsModel(services);
  try {
    const agent = model.requireAgent();
    const snapshot = await model.track(runId);
    const runName = snapshot.run.name;
    const ended = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${runName}: iteration`, cancellable: true },
      async (progress, token) => {
        // Listen before starting: with a fast model the iteration can end before iteration/start answers.
        const seen: RunEvent[] = [];
        let onEvent: ((e: RunEvent) => void) | undefined;
        const sub = model.onEvents((id, events) => {
          if (id !== runId) return;
          for (const e of events) onEvent ? onEvent(e) : seen.push(e);
        });
        // An end the run's log could not record (its disk is full) arrives on its own, without a seq.
        const unrecorded = agent.onNotification('events/unrecorded', (p) => {
          if (p.runId !== runId) return;
          const e = { ...p.event, seq: 0, ts: new Date().toISOString() } as RunEvent;
          onEvent ? onEvent(e) : seen.push(e);
        });
        let iteration = -1;
        try {
          const res = await agent.request('iteration/start', { runId, overrides });
          iteration = res.iteration;
          watchedIterations.add(runId, iteration);
          progress.report({ message: `iteration ${iteration} started` });
          const cancel = token.onCancellationRequested(() => {
            progress.report({ message: 'stopping…' });
            model.stop(runId).catch((e) => services.log.warn(`stop: ${errText(e)}`));
          });
          // A stop asked elsewhere (dashboard, tree, palette) shows here too.
          const stopping = model.onDidStartStopping((s) => s.runId === runId && s.iteration === iteration && progress.report({ message: `iteration ${iteration} · stopping…` }));
          try {
            const outcome = await new Promise<{ kind: IterationOutcome; error?: string }>((resolve) => {
              onEvent = (e) => {
                if (!('iteration' in e) || e.iteration !== iteration) return;
                if (model.stoppingIteration(runId) === iteration) return;
                if (e.type === 'stage.progress' && e.total > 0) progress.report({ message: `iteration ${iteration} · ${e.stage} ${stageCountText({ ...e, status: 'running' }).text}` });
                else if (e.type === 'stage.started') progress.report({ message: `iteration ${iteration} · ${e.stage}…` });
                else if (e.type === 'iteration.finished') resolve({ kind: 'finished' });
                else if (e.type === 'iteration.failed') resolve({ kind: 'failed', error: e.error });
                else if (e.type === 'iteration.stopped') resolve({ kind: 'stopped' });
                else if (e.type === 'review.waiting') resolve({ kind: 'waiting' });
              };
              for (const e of seen.splice(0)) onEvent(e);
            });
            return { iteration, outcome };
          } finally {
            cancel.dispose();
            stopping.dispose();
          }
        } finally {
          sub.dispose();
          unrecorded.dispose();
          if (iteration >= 0) watchedIterations.delete(runId, iteration);
        }
      },
    );
    // The progress notification closes first; the outcome message stays until the user acts on it.
    await afterIteration(services, runId, runName, ended.iteration, ended.outcome, overrides);
    return ended.outcome.kind;
  } catch (e) {
    await reportError(services, `Self-Rewarding: could not start the iteration: ${errText(e)}`, () => runIteration(services, runId, overrides));
    return undefined;
  }
}

async function afterIteration(services: Services, runId: string, runName: string, t: number, outcome: { kind: IterationOutcome; error?: string }, overrides: DeepPartial<RunConfig> | undefined): Promise<void> {
  const open = (): unknown => openDashboard(services, runId, t);
  switch (outcome.kind) {
    case 'finished': {
      const s = runsModel(services).snapshot(runId)?.iterations.find((it) => it.iteration === t)?.summary;
      const detail = s ? `: ${summaryLine(s)}` : '';
      if ((await vscode.window.showInformationMessage(`${runName}: iteration ${t} finished${detail}.`, 'Open Dashboard')) === 'Open Dashboard') open();
      break;
    }
    case 'waiting':
      if ((await vscode.window.showInformationMessage(`${runName}: iteration ${t} waits for the pair review before training.`, 'Review Pairs', 'Open Dashboard')) === 'Review Pairs')
        await vscode.commands.executeCommand('selfreward.reviewPairs', runId, t);
      else open();
      break;
    case 'stopped':
      void vscode.window.showInformationMessage(`${runName}: iteration ${t} stopped. Starting it again resumes where it stopped.`);
      break;
    case 'failed': {
      const choice = await vscode.window.showErrorMessage(`${runName}: iteration ${t} failed: ${outcome.error ?? 'unknown error'}`, 'Show Log', 'Retry', 'Open Dashboard');
      if (choice === 'Show Log') await vscode.commands.executeCommand('selfreward.showAgentLog');
      else if (choice === 'Retry') await runIteration(services, runId, overrides);
      else if (choice === 'Open Dashboard') open();
      break;
    }
  }
}

async function startNextIteration(services: Services, arg: unknown): Promise<IterationOutcome | undefined> {
  const model = runsModel(services);
  let runId: string | undefined;
  let overrides: DeepPartial<RunConfig> | undefined;
  try {
    runId = await pickRun(services, model, arg);
    if (!runId) return undefined;
    services.setCurrentRun(runId);
    const snap = await model.track(runId);
    const running = snap.iterations.find((it) => it.status === 'running');
    if (running) throw new Error(`iteration ${running.iteration} of "${snap.run.name}" is still running: stop it first or wait for it.`);
    // A failed/stopped last iteration is resumed with the parameters frozen in its manifest; otherwise the next one
    // starts with the settings the user picks.
    const last = snap.iterations[snap.iterations.length - 1];
    if (last && last.status !== 'done') {
      const manifest = await readRunFile(model.requireAgent(), runId, `iterations/${last.iteration}/manifest.json`)
        .then((f) => JSON.parse(f.text) as IterationManifest)
        .catch((e: unknown) => void services.log.warn(`reading the manifest of iteration ${last.iteration}: ${errText(e)}`));
      if (!(await askResume(manifest?.params, last.iteration, snap.run.name, last.status))) return undefined;
      services.log.info(`resuming iteration ${last.iteration} of ${runId}`);
      overrides = undefined;
    } else {
      const next = (last?.iteration ?? 0) + 1;
      overrides = await askIterationOverrides(snap.config, next, snap.run.name);
      if (!overrides) return undefined;
      services.log.info(`starting iteration ${next} of ${runId} with ${describeOverrides(overrides)}`);
    }
  } catch (e) {
    const id = runId;
    await reportError(services, `Self-Rewarding: ${errText(e)}`, id ? () => startNextIteration(services, id) : undefined);
    return undefined;
  }
  return runIteration(services, runId, overrides);
}

async function stopIteration(services: Services, arg: unknown): Promise<boolean> {
  const model = runsModel(services);
  try {
    const runId = await pickRun(services, model, arg);
    if (!runId) return false;
    // The model shows "stopping…" in the tree, the status bar and the dashboard at once; the agent answers once
    // every request in flight is aborted.
    const t = model.snapshot(runId)?.iterations.find((x) => x.status === 'running' || x.status === 'waiting')?.iteration;
    const done = vscode.window.setStatusBarMessage('$(loading~spin) Self-Rewarding: stopping the iteration…');
    let stopped: boolean;
    try {
      stopped = await model.stop(runId);
    } finally {
      done.dispose();
    }
    if (!stopped) void vscode.window.showInformationMessage('Self-Rewarding: no iteration was running.');
    // An iteration started by a command says "stopped" itself; one started elsewhere is confirmed here.
    else if (t !== undefined && !watchedIterations.has(runId, t)) void vscode.window.showInformationMessage(`Self-Rewarding: iteration ${t} stopped. Starting it again resumes where it stopped.`);
    return stopped;
  } catch (e) {
    await reportError(services, `Self-Rewarding: could not stop the iteration: ${errText(e)}`);
    return false;
  }
}

/** Config of a new run as the run-config schema wants it (the agent fills in defaults). */
export interface NewRunAnswers {
  name: string;
  /** model and trainer (newRunBackend.ts) */
  backend: ModelTrainerAnswers;
  seedPath: string;
}

export function newRunConfig(a: NewRunAnswers): Record<string, unknown> {
  const { model, trainer } = modelTrainerConfig(a.backend);
  return { name: a.name, model, seedData: [{ path: a.seedPath, format: 'auto' }], trainer };
}

async function newRun(services: Services): Promise<string | undefined> {
  const model = runsModel(services);
  const name = await vscode.window.showInputBox({
    title: 'New Run (1/4): name',
    prompt: 'A name for the run (letters, digits, space . _ -)',
    value: 'my-run',
    validateInput: runNameProblem,
  });
  if (name === undefined) return undefined;
  const backend = await askModelAndTrainer('New Run (2/4): model backend');
  if (!backend) return undefined;
  const answers: NewRunAnswers = { name: name.trim(), backend, seedPath: 'builtin:demo' };
  const seed = await vscode.window.showQuickPick(
    [
      { label: 'Built-in demo seed set', description: 'builtin:demo', path: 'builtin:demo' },
      { label: 'A seed file…', description: 'JSONL: oasst, alpaca, sharegpt, chat or plain prompts', path: '' },
    ],
    { title: 'New Run (3/4): seed data' },
  );
  if (!seed) return undefined;
  if (!seed.path) {
    const file = await vscode.window.showInputBox({ title: 'Seed file path (on the agent host for remote runs)', validateInput: (v) => (v.trim() ? undefined : 'Enter a path') });
    if (file === undefined) return undefined;
    answers.seedPath = file.trim();
  }
  const config = newRunConfig(answers);
  const folder = vscode.workspace.workspaceFolders?.[0];
  const where = await vscode.window.showQuickPick(
    [
      ...(model.agent ? [{ label: `Create it on the agent now (${model.agent.label})`, target: 'agent' as const }] : []),
      ...(folder ? [{ label: 'Write selfreward.run.json to the workspace', description: folder.name, target: 'file' as const }] : []),
    ],
    { title: 'New Run (4/4): where' },
  );
  if (!where) {
    if (!model.agent && !folder) await reportError(services, 'Self-Rewarding: connect to an agent or open a folder to create a run.');
    return undefined;
  }
  if (where.target === 'file') {
    const uri = vscode.Uri.joinPath(folder!.uri, 'selfreward.run.json');
    try {
      await vscode.workspace.fs.stat(uri);
      const ok = await vscode.window.showWarningMessage(`${uri.fsPath} exists. Overwrite it?`, { modal: true }, 'Overwrite');
      if (ok !== 'Overwrite') return undefined;
    } catch {
      /* does not exist yet */
    }
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    return uri.fsPath;
  }
  try {
    const { run } = await model.requireAgent().request('runs/create', { config });
    services.setCurrentRun(run.id);
    await model.refresh();
    const next = await vscode.window.showInformationMessage(`Run "${run.name}" created.`, 'Start Next Iteration', 'Open Dashboard');
    if (next === 'Start Next Iteration') await vscode.commands.executeCommand('selfreward.startIteration', run.id);
    else if (next === 'Open Dashboard') openDashboard(services, run.id);
    return run.id;
  } catch (e) {
    await reportError(services, `Self-Rewarding: could not create the run: ${errText(e)}`, () => newRun(services));
    return undefined;
  }
}

/** Demo: local agent, simulated model and trainer, the built-in seeds, one iteration, the dashboard open. */
export const DEMO_CONFIG = {
  name: 'demo',
  // the capacity of the CLI demo's simulated server (remote/cli/demo.ts DEMO_SIM): a batching server, but quick
  model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 128, tokensPerSecond: 1500, ttftMs: 20 } },
  seedData: [{ path: 'builtin:demo', format: 'auto' }],
  prompts: { perIteration: 40 },
  trainer: { backend: 'sim' },
  // as the CLI demo (remote/cli/demo.ts DEMO_EVAL): every model evaluated after each iteration, the sim judging
  eval: { afterIteration: true, judge: { kind: 'self' } },
};

async function startDemo(services: Services): Promise<IterationOutcome | undefined> {
  let runId: string | undefined;
  try {
    await services.connection.connectLocal();
    const model = runsModel(services);
    const { run } = await model.requireAgent().request('runs/create', { config: DEMO_CONFIG });
    runId = run.id;
    services.setCurrentRun(run.id);
    await model.refresh();
    openDashboard(services, run.id);
  } catch (e) {
    await reportError(services, `Self-Rewarding: could not start the demo: ${errText(e)}`, () => startDemo(services));
    return undefined;
  }
  return runIteration(services, runId, undefined);
}

export const runCommandsFeature: Feature = {
  commands: {
    newRun: (s) => () => newRun(s),
    startIteration: (s) => (arg?: unknown) => startNextIteration(s, arg),
    stopIteration: (s) => (arg?: unknown) => stopIteration(s, arg),
    startDemo: (s) => () => startDemo(s),
    refreshRuns: (s) => () => runsModel(s).refresh(),
  },
};
