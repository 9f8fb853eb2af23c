import { stub } from '../../helpers/vscodeStub';
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateConfig } from '../../../remote/config/config';
import type { IterationSummary, RunEventBody } from '../../../remote/protocol';
import { sftCommandFeature } from '../../../src/commands/sftCommand';
import { dashboardFeature } from '../../../src/dashboard/feature';
import { DashboardPanel } from '../../../src/dashboard/dashboardPanel';
import type { Services } from '../../../src/services';
import { repoRoot } from '../../helpers/tmp';
import { FakeAgent, FakeConnection, fakeWorld } from './fakes';

let agent: FakeAgent;
let connection: FakeConnection;
let services: Services & { dispose(): void };

/** The command under test, the dashboard it opens, and a stand-in for the log command its errors offer. */
async function activate(): Promise<void> {
  const register = (id: string, handler: (...args: unknown[]) => unknown) => services.context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  register('selfreward.startSft', sftCommandFeature.commands!.startSft(services));
  register('selfreward.openDashboard', dashboardFeature.commands!.openDashboard(services));
  register('selfreward.showAgentLog', () => undefined);
  await dashboardFeature.activate?.(services);
}

beforeEach(() => {
  ({ agent, connection, services } = fakeWorld());
});
afterEach(() => {
  DashboardPanel.current?.dispose();
  services.dispose();
});

const summary0: IterationSummary = { iteration: 0, promptsKept: 0, promptsDropped: {}, candidates: 0, judgments: 0, parseFailures: 0, parseFailureRate: 0, ties: 0, pairs: 0, pairsDropped: {}, meanChosenScore: null, meanRejectedScore: null, meanCandidateChars: null, failedItems: 0 };
const m0: RunEventBody = { type: 'model.registered', iteration: 0, model: { iteration: 0, role: 'policy', name: 'sim-pretrained', madeBy: 'base' } };

/** The agent runs iteration 0 when asked. */
function startsIterationZero(runId: string): void {
  agent.handlers.set('iteration/start', () => {
    setTimeout(() => agent.emit(runId, [{ type: 'iteration.started', iteration: 0, modelIn: 'sim-pretrained', rubricVersion: 1 }, { type: 'stage.started', iteration: 0, stage: 'ift', total: 10 }, { type: 'iteration.finished', iteration: 0, summary: summary0 }]), 5);
    return { iteration: 0 };
  });
}

test('package.json declares "Start SFT (M0 → M1)…" beside the run commands', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { commands: { command: string; title: string }[] } };
  assert.equal(pkg.contributes.commands.find((c) => c.command === 'selfreward.startSft')?.title, 'Start SFT (M0 → M1)…');
});

test('Start SFT without an SFT run: after a confirm, a new run from the simulated pretrained model runs iteration 0', async () => {
  await activate();
  agent.handlers.set('runs/create', (p) => {
    agent.addRun('sft-1', (p as { config: { name: string } }).config.name, [m0]);
    return { run: agent.snapshotOf('sft-1').run };
  });
  startsIterationZero('sft-1');
  stub.answer('message', 'Start SFT Run', undefined);
  assert.equal(await stub.run('selfreward.startSft'), 'finished');
  assert.equal(connection.state, 'connected', 'a local agent was started');
  const cfg = validateConfig((agent.calls('runs/create')[0] as { config: unknown }).config);
  assert.equal(cfg.sft?.enabled, true);
  assert.equal(cfg.model.name, 'sim-pretrained');
  assert.deepEqual(cfg.seedData.map((s) => s.path), ['builtin:demo', 'builtin:ranked']);
  assert.equal(agent.calls('iteration/start').length, 1);
  assert.equal(services.currentRunId, 'sft-1');
  assert.equal(stub.panels.length, 1, 'the dashboard opened');
  assert.equal(stub.pending(), 0);
});

test('Start SFT on the current run that starts from M0 resumes its iteration 0; a declined confirm creates nothing', async () => {
  await activate();
  await connection.connectLocal();
  agent.addRun('r0', 'mine', [m0, { type: 'iteration.started', iteration: 0, modelIn: 'sim-pretrained', rubricVersion: 1 }, { type: 'iteration.stopped', iteration: 0, stage: 'eft' }]);
  services.setCurrentRun('r0');
  startsIterationZero('r0');
  stub.answer('message', undefined);
  assert.equal(await stub.run('selfreward.startSft'), 'finished');
  assert.equal(agent.calls('runs/create').length, 0);
  assert.deepEqual(agent.calls('iteration/start'), [{ runId: 'r0', overrides: undefined }]);

  // a run that starts from an existing M1 is not an SFT run: the command offers a new one, and a "no" does nothing
  agent.addRun('r1', 'plain', [{ type: 'model.registered', iteration: 1, model: { iteration: 1, name: 'm1', madeBy: 'base' } }]);
  services.setCurrentRun('r1');
  stub.answer('message', undefined);
  assert.equal(await stub.run('selfreward.startSft'), undefined);
  assert.equal(agent.calls('runs/create').length, 0);
  assert.match(stub.messages.at(-1)!.message, /new SFT run/);
});
