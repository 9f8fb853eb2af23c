import { stub } from '../../helpers/vscodeStub';
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { validateConfig } from '../../../remote/config/config';
import type { IterationSummary, RunEventBody } from '../../../remote/protocol';
import { runCommandsFeature } from '../../../src/commands/runCommands';
import { START_LABEL } from '../../../src/commands/iterationParams';
import { dashboardFeature } from '../../../src/dashboard/feature';
import { DashboardPanel } from '../../../src/dashboard/dashboardPanel';
import { statusFeature } from '../../../src/status/feature';
import { runsModel } from '../../../src/runs/runsModel';
import type { Feature, Services } from '../../../src/services';
import { tmpDir } from '../../helpers/tmp';
import { FakeAgent, FakeConnection, fakeWorld, until } from './fakes';

const summary = (t: number): IterationSummary => ({ iteration: t, promptsKept: 20, promptsDropped: {}, candidates: 80, judgments: 240, parseFailures: 3, parseFailureRate: 0.0125, ties: 4, pairs: 16, pairsDropped: {}, meanChosenScore: 4.2, meanRejectedScore: 2.1, meanCandidateChars: 300, failedItems: 0 });
const finishedIteration = (t: number): RunEventBody[] => [
  { type: 'iteration.started', iteration: t, modelIn: `m${t}`, rubricVersion: 1 },
  { type: 'iteration.finished', iteration: t, summary: summary(t) },
];

let agent: FakeAgent;
let connection: FakeConnection;
let services: Services & { dispose(): void };

async function activate(...features: Feature[]): Promise<void> {
  for (const f of features) for (const [id, factory] of Object.entries(f.commands ?? {})) services.context.subscriptions.push(vscode.commands.registerCommand(`selfreward.${id}`, factory(services)));
  for (const f of features) await f.activate?.(services);
  // commands other features own, so actions that call them are observable
  for (const id of ['showAgentLog', 'reviewPairs']) if (!stub.commands.has(`selfreward.${id}`)) services.context.subscriptions.push(vscode.commands.registerCommand(`selfreward.${id}`, () => undefined));
}

beforeEach(() => {
  ({ agent, connection, services } = fakeWorld());
});
afterEach(() => {
  DashboardPanel.current?.dispose();
  services.dispose();
});

/** The agent answers iteration/start and then streams the iteration's events. */
function startsAndFinishes(runId: string, t: number, end: RunEventBody = { type: 'iteration.finished', iteration: t, summary: summary(t) }): void {
  agent.handlers.set('iteration/start', () => {
    setTimeout(() => {
      agent.emit(runId, [{ type: 'iteration.started', iteration: t, modelIn: 'm', rubricVersion: 1 }, { type: 'stage.started', iteration: t, stage: 'candidates', total: 80 }]);
      agent.emit(runId, [{ type: 'stage.progress', iteration: t, stage: 'candidates', done: 40, total: 80, failed: 0, ratePerSec: 10, etaSec: 4 }]);
      agent.emit(runId, [end]);
    }, 5);
    return { iteration: t };
  });
}

test('Start Next Iteration: prefilled settings, scripted edits become exactly the changed overrides; progress and a finish message follow', async () => {
  await activate(runCommandsFeature, dashboardFeature, statusFeature);
  await connection.connectLocal();
  agent.addRun('r1', 'alpha', finishedIteration(1));
  services.setCurrentRun('r1');
  startsAndFinishes('r1', 2);
  stub.answer('quickPick', 'Candidates per prompt (N)');
  stub.answer('inputBox', (p) => {
    assert.equal(p.options?.value, '4', 'N is prefilled from the run config');
    return '8';
  });
  stub.answer('quickPick', 'Judge temperature', 'Review gate (wait for pair review before training)', 'On', 'Length control ρ');
  stub.answer('inputBox', (p) => {
    assert.equal(p.options?.value, '0.7');
    return '0.3';
  });
  stub.answer('inputBox', undefined); // Escape on ρ: back to the list, nothing changed
  stub.answer('quickPick', (p) => {
    const items = p.items as { label: string; description?: string }[];
    assert.equal(items.find((i) => i.label.startsWith('Candidates'))?.description, '8 (changed)');
    assert.equal(items.find((i) => i.label.startsWith('Length'))?.description, '0');
    return `${START_LABEL} iteration 2`;
  });
  stub.answer('message', (p) => {
    assert.match(p.message ?? '', /Start iteration 2 of "alpha" with Candidates per prompt \(N\) = 8, Judge temperature = 0.3, Review gate .* = on\?/);
    return 'Start';
  });
  stub.answer('message', () => {
    assert.equal(stub.progress[0].done, true, 'the progress notification is gone before the outcome message');
    return undefined; // the finish notification is dismissed
  });
  const outcome = await stub.run('selfreward.startIteration');
  assert.equal(outcome, 'finished');
  assert.deepEqual(agent.calls('iteration/start'), [{ runId: 'r1', overrides: { candidates: { n: 8 }, judge: { temperature: 0.3 }, review: { gate: true } } }]);
  assert.equal(stub.progress.length, 1);
  assert.equal(stub.progress[0].options.cancellable, true);
  assert.ok(stub.progress[0].reports.some((r) => r.message === 'iteration 2 · candidates 40/80 prompts answered'), JSON.stringify(stub.progress[0].reports));
  const done = stub.messages.find((m) => m.message.includes('iteration 2 finished'));
  assert.ok(done, 'finish message');
  assert.match(done.message, /16 pairs, 4 ties, parse failures 1.3 %/);
  assert.deepEqual(done.items, ['Open Dashboard']);
  // the background notifier did not announce the same iteration a second time
  assert.equal(stub.messages.filter((m) => m.message.includes('iteration 2 finished')).length, 1);
  assert.equal(stub.pending(), 0);
});

test('Start Next Iteration cancelled in the settings list starts nothing; cancelling the progress stops the iteration', async () => {
  await activate(runCommandsFeature);
  await connection.connectLocal();
  agent.addRun('r1', 'alpha');
  services.setCurrentRun('r1');
  stub.answer('quickPick', undefined);
  assert.equal(await stub.run('selfreward.startIteration'), undefined);
  assert.equal(agent.calls('iteration/start').length, 0);

  agent.handlers.set('iteration/start', () => {
    setTimeout(() => stub.progress[0].cancel(), 10);
    return { iteration: 1 };
  });
  agent.handlers.set('iteration/stop', () => {
    setTimeout(() => agent.emit('r1', [{ type: 'iteration.stopped', iteration: 1, stage: 'candidates' }]), 5);
    return { stopped: true };
  });
  stub.answer('quickPick', `${START_LABEL} iteration 1`);
  stub.answer('message', 'Start');
  assert.equal(await stub.run('selfreward.startIteration', 'r1'), 'stopped');
  assert.deepEqual(agent.calls('iteration/stop'), [{ runId: 'r1' }]);
  assert.match(stub.lastMessage('info')?.message ?? '', /iteration 1 stopped/);
});

test('errors offer Show Log and Retry: Retry starts again, Show Log opens the agent log', async () => {
  await activate(runCommandsFeature);
  await connection.connectLocal();
  agent.addRun('r1', 'alpha');
  services.setCurrentRun('r1');
  let attempts = 0;
  agent.handlers.set('iteration/start', () => {
    if (++attempts === 1) throw Object.assign(new Error('run r1 is busy'), { code: -32003 });
    setTimeout(() => agent.emit('r1', [{ type: 'iteration.started', iteration: 1, modelIn: 'm', rubricVersion: 1 }, { type: 'iteration.failed', iteration: 1, stage: 'judgments', error: 'judge server unreachable' }]), 5);
    return { iteration: 1 };
  });
  stub.answer('quickPick', `${START_LABEL} iteration 1`);
  stub.answer('message', 'Start', 'Retry', 'Show Log');
  const outcome = await stub.run('selfreward.startIteration');
  assert.equal(attempts, 2, 'Retry started it again');
  assert.equal(outcome, undefined);
  const errors = stub.messages.filter((m) => m.severity === 'error');
  assert.equal(errors.length, 2);
  assert.match(errors[0].message, /could not start the iteration: run r1 is busy/);
  assert.deepEqual(errors[0].items, ['Show Log', 'Retry']);
  assert.match(errors[1].message, /iteration 1 failed: judge server unreachable/);
  assert.deepEqual(errors[1].items, ['Show Log', 'Retry', 'Open Dashboard']);
  assert.ok(stub.executed.some((e) => e.command === 'selfreward.showAgentLog'));
  assert.equal(stub.pending(), 0);
});

test('not connected: the error says how to connect', async () => {
  await activate(runCommandsFeature);
  stub.answer('message', undefined);
  await stub.run('selfreward.stopIteration', 'r1');
  assert.match(stub.lastMessage('error')?.message ?? '', /Not connected to an agent: run "Self-Rewarding: Connect to GPU Host…"/);
});

test('context keys follow the connection, the current run and its iteration state', async () => {
  await activate(statusFeature);
  const keys = (): Record<string, unknown> => Object.fromEntries(['selfreward.connected', 'selfreward.hasRun', 'selfreward.iterationRunning'].map((k) => [k, stub.contexts.get(k)]));
  assert.deepEqual(keys(), { 'selfreward.connected': false, 'selfreward.hasRun': false, 'selfreward.iterationRunning': false });
  await connection.connectLocal();
  agent.addRun('r1', 'alpha', finishedIteration(1));
  assert.equal(stub.contexts.get('selfreward.connected'), true);
  services.setCurrentRun('r1');
  await until(() => stub.contexts.get('selfreward.hasRun') === true, 'hasRun');
  agent.emit('r1', [{ type: 'iteration.started', iteration: 2, modelIn: 'm2', rubricVersion: 1 }]);
  await until(() => stub.contexts.get('selfreward.iterationRunning') === true, 'iterationRunning');
  agent.emit('r1', [{ type: 'review.waiting', iteration: 2, pairs: 10 }]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(stub.contexts.get('selfreward.iterationRunning'), true, 'waiting for review still counts as running');
  agent.emit('r1', [{ type: 'iteration.finished', iteration: 2, summary: summary(2) }]);
  await until(() => stub.contexts.get('selfreward.iterationRunning') === false, 'iteration done');
  await connection.disconnect();
  assert.equal(stub.contexts.get('selfreward.connected'), false);
  // setContext is only called on changes
  const connectedCalls = stub.contextLog.filter((c) => c.key === 'selfreward.connected').map((c) => c.value);
  assert.deepEqual(connectedCalls, [false, true, false]);
});

test('a background iteration failure notifies with Open Dashboard, which opens the dashboard at that iteration', async () => {
  await activate(dashboardFeature, statusFeature);
  await connection.connectLocal();
  agent.addRun('r9', 'beta', finishedIteration(1));
  await runsModel(services).refresh(); // tracks the current and the running runs
  await runsModel(services).track('r9');
  stub.answer('message', 'Open Dashboard');
  agent.emit('r9', [{ type: 'iteration.started', iteration: 2, modelIn: 'm', rubricVersion: 1 }, { type: 'iteration.failed', iteration: 2, stage: 'training', error: 'CUDA out of memory' }]);
  await until(() => stub.panels.length === 1, 'dashboard panel');
  const err = stub.lastMessage('error');
  assert.equal(err?.message, 'beta: iteration 2 failed in training: CUDA out of memory');
  assert.deepEqual(err?.items, ['Open Dashboard', 'Show Log']);
  const panel = stub.panels[0];
  assert.match(panel.webview.html, /Content-Security-Policy/);
  panel.webview.receive({ type: 'ready', afterSeq: 0 });
  await until(() => panel.webview.posted.some((m) => (m as { type: string }).type === 'reveal'), 'reveal');
  const types = panel.webview.posted.map((m) => (m as { type: string }).type);
  assert.deepEqual(types, ['init', 'events', 'reveal']);
  assert.deepEqual(panel.webview.posted[2], { type: 'reveal', iteration: 2 });
});

test('New Run… writes a valid selfreward.run.json into the workspace, or creates the run on the agent', async () => {
  await activate(runCommandsFeature);
  const dir = tmpDir();
  stub.workspaceFolders = [{ uri: vscode.Uri.file(dir) as unknown as never, name: 'ws', index: 0 }];
  stub.answer('inputBox', '  bad/name', 'external run');
  stub.answer('quickPick', 'External OpenAI-compatible server');
  stub.answer('inputBox', 'http://127.0.0.1:8000/v1', 'llama-3-8b');
  stub.answer('quickPick', 'TRL on the agent host');
  stub.answer('inputBox', '', '');
  stub.answer('quickPick', 'Built-in demo seed set', 'Write selfreward.run.json to the workspace');
  await assert.rejects(stub.run('selfreward.newRun') as Promise<unknown>, /fails validation/); // the bad name is refused by validateInput
  stub.reset();
  stub.workspaceFolders = [{ uri: vscode.Uri.file(dir) as unknown as never, name: 'ws', index: 0 }];
  await activate(runCommandsFeature).catch(() => undefined);
  stub.answer('inputBox', 'external run');
  stub.answer('quickPick', 'External OpenAI-compatible server');
  stub.answer('inputBox', 'http://127.0.0.1:8000/v1', 'llama-3-8b');
  stub.answer('quickPick', 'TRL on the agent host');
  stub.answer('inputBox', '/home/me/zero3.yaml', '/opt/venvs/trl/bin/python');
  stub.answer('quickPick', 'Built-in demo seed set', 'Write selfreward.run.json to the workspace');
  const file = (await stub.run('selfreward.newRun')) as string;
  const fs = await import('node:fs');
  const written = JSON.parse(fs.readFileSync(file, 'utf8'));
  const cfg = validateConfig(written);
  assert.equal(cfg.model.backend, 'external');
  assert.deepEqual(cfg.model.baseUrls, ['http://127.0.0.1:8000/v1']);
  // the trainer was asked, never the simulation's by default
  assert.deepEqual(written.trainer, { backend: 'trl', accelerateConfig: '/home/me/zero3.yaml', trl: { python: '/opt/venvs/trl/bin/python' } });
  assert.equal(stub.shownDocuments.length, 1);

  await connection.connectLocal();
  agent.handlers.set('runs/create', (p) => {
    agent.addRun('new-1', (p as { config: { name: string } }).config.name);
    return { run: agent.snapshotOf('new-1').run };
  });
  stub.answer('inputBox', 'sim run');
  stub.answer('quickPick', 'Simulated model', 'Built-in demo seed set', 'Create it on the agent now (local)');
  stub.answer('message', undefined);
  assert.equal(await stub.run('selfreward.newRun'), 'new-1');
  const created = agent.calls('runs/create')[0] as { config: unknown };
  assert.equal(validateConfig(created.config).model.backend, 'sim');
  assert.equal(services.currentRunId, 'new-1');
  assert.equal(stub.pending(), 0);
});

test('New Run… offers managed vLLM (model, venv python, tensor parallel size) trained by TRL, and OpenAI trained by OpenAI', async () => {
  await activate(runCommandsFeature);
  const dir = tmpDir();
  const fs = await import('node:fs');
  stub.workspaceFolders = [{ uri: vscode.Uri.file(dir) as unknown as never, name: 'ws', index: 0 }];
  stub.answer('inputBox', 'vllm run');
  stub.answer('quickPick', 'Managed vLLM server');
  stub.answer('inputBox', 'meta-llama/Llama-3.1-8B-Instruct', '/opt/venvs/vllm/bin/python', '2', '', '');
  stub.answer('quickPick', 'Built-in demo seed set', 'Write selfreward.run.json to the workspace');
  let written = JSON.parse(fs.readFileSync((await stub.run('selfreward.newRun')) as string, 'utf8'));
  let cfg = validateConfig(written);
  assert.deepEqual(written.model, { backend: 'vllm', name: 'meta-llama/Llama-3.1-8B-Instruct', vllm: { python: '/opt/venvs/vllm/bin/python', tensorParallelSize: 2 } });
  assert.equal(cfg.trainer.backend, 'trl');
  stub.answer('inputBox', 'openai run');
  stub.answer('quickPick', 'OpenAI API');
  stub.answer('inputBox', 'gpt-4.1-mini-2025-04-14');
  stub.answer('quickPick', 'Built-in demo seed set', 'Write selfreward.run.json to the workspace');
  stub.answer('message', 'Overwrite');
  written = JSON.parse(fs.readFileSync((await stub.run('selfreward.newRun')) as string, 'utf8'));
  cfg = validateConfig(written);
  assert.equal(cfg.model.backend, 'openai');
  assert.equal(cfg.trainer.backend, 'openai');
  assert.equal(stub.pending(), 0);
});

test('Start Demo Run connects locally, creates the demo run, opens the dashboard and starts iteration 1', async () => {
  await activate(runCommandsFeature, dashboardFeature);
  agent.handlers.set('runs/create', (p) => {
    agent.addRun('demo-1', (p as { config: { name: string } }).config.name);
    return { run: agent.snapshotOf('demo-1').run };
  });
  startsAndFinishes('demo-1', 1);
  stub.answer('message', undefined);
  assert.equal(await stub.run('selfreward.startDemo'), 'finished');
  assert.equal(connection.state, 'connected');
  const cfg = validateConfig((agent.calls('runs/create')[0] as { config: unknown }).config);
  assert.equal(cfg.model.backend, 'sim');
  assert.equal(cfg.seedData[0].path, 'builtin:demo');
  assert.equal(stub.panels.length, 1);
  assert.equal(agent.calls('iteration/start').length, 1);
});

test('resuming a stopped iteration shows the parameters frozen in its manifest, offers no edits and sends no overrides', async () => {
  await activate(runCommandsFeature);
  await connection.connectLocal();
  agent.addRun('r1', 'alpha', [...finishedIteration(1), { type: 'iteration.started', iteration: 2, modelIn: 'm2', rubricVersion: 1 }, { type: 'iteration.stopped', iteration: 2, stage: 'judgments' }]);
  // the run config says 200 prompts; the stopped iteration froze 1,000
  agent.files.set('r1:iterations/2/manifest.json', JSON.stringify({ iteration: 2, params: { prompts: { perIteration: 1000, temperature: 0.6 }, candidates: { n: 4, temperature: 0.7 }, judge: { k: 3, temperature: 0.7 }, pairs: { rho: 0 }, review: { gate: true } } }));
  services.setCurrentRun('r1');
  startsAndFinishes('r1', 2);
  stub.answer('quickPick', '$(lock) Prompts per iteration', '$(debug-continue) Resume iteration 2');
  stub.answer('message', undefined, undefined);
  assert.equal(await stub.run('selfreward.startIteration'), 'finished');
  const pick = stub.prompts.find((p) => p.kind === 'quickPick')!;
  const items = (pick as { items: { label: string; description?: string }[] }).items;
  assert.deepEqual(items.find((i) => i.label === '$(lock) Prompts per iteration')?.description, '1000', 'the frozen value, not the config\'s 200');
  assert.equal(items.find((i) => i.label === '$(lock) Review gate (wait for pair review before training)')?.description, 'on');
  assert.ok(!items.some((i) => i.label.startsWith(START_LABEL)), 'no "Start" with edits');
  assert.match(stub.messages.find((m) => m.message.includes('frozen'))?.message ?? '', /Prompts per iteration is frozen at 1000 for iteration 2/);
  assert.deepEqual(agent.calls('iteration/start'), [{ runId: 'r1', overrides: undefined }]);
});

test('Stop: "stopping…" shows in the status bar and the tree at once, before the agent answers; it ends with the iteration', async () => {
  const { runsViewFeature } = await import('../../../src/runs/feature');
  await activate(runCommandsFeature, statusFeature, runsViewFeature);
  await connection.connectLocal();
  agent.addRun('r1', 'alpha', [{ type: 'iteration.started', iteration: 1, modelIn: 'm', rubricVersion: 1 }, { type: 'stage.started', iteration: 1, stage: 'judgments', total: 100 }]);
  services.setCurrentRun('r1');
  await runsModel(services).track('r1');
  let answer: (v: { stopped: boolean }) => void = () => undefined;
  agent.handlers.set('iteration/stop', () => new Promise((r) => (answer = r)));
  const stopped = stub.run('selfreward.stopIteration', 'r1');
  const item = stub.statusBarItems.find((i) => i.id === 'selfreward.status')!;
  await until(() => /stopping…/.test(item.text), `status bar says stopping, got ${item.text}`, 15_000);
  const { RunsTree } = await import('../../../src/runs/runsTree');
  const tree = stub.treeDataProviders.get('selfreward.runs') as InstanceType<typeof RunsTree>;
  assert.equal(tree.getTreeItem({ kind: 'run', runId: 'r1' }).description, 'it 1 · stopping…');
  assert.equal(tree.getTreeItem({ kind: 'iteration', runId: 'r1', iteration: 1 }).description, 'stopping…');
  agent.emit('r1', [{ type: 'iteration.stopped', iteration: 1, stage: 'judgments' }]);
  answer({ stopped: true });
  assert.equal(await stopped, true);
  await until(() => !/stopping/.test(item.text), 'stopping cleared', 15_000);
  assert.equal(runsModel(services).stoppingIteration('r1'), undefined);
  assert.match(stub.lastMessage('info')?.message ?? '', /iteration 1 stopped. Starting it again resumes/);
});
