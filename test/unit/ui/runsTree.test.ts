import { stub } from '../../helpers/vscodeStub';
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { runsViewFeature } from '../../../src/runs/feature';
import { runsModel } from '../../../src/runs/runsModel';
import type { RunNode, RunsTree } from '../../../src/runs/runsTree';
import { statusView } from '../../../src/status/statusBar';
import { FakeAgent, FakeConnection, fakeServices, fakeWorld } from './fakes';

let agent: FakeAgent;
let connection: FakeConnection;
let services: ReturnType<typeof fakeServices>;
beforeEach(async () => {
  ({ agent, connection, services } = fakeWorld());
  await runsViewFeature.activate!(services);
});
afterEach(() => services.dispose());

test('runs tree: host → runs → iterations → files; pairs open in the pairs editor, other files as documents', async () => {
  const tree = stub.treeDataProviders.get('selfreward.runs') as RunsTree;
  assert.deepEqual(await tree.getChildren(), [], 'empty while disconnected (the welcome view shows)');
  agent.label = 'gpu-box';
  agent.addRun('r1', 'alpha', [
    { type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1 },
    { type: 'iteration.failed', iteration: 1, error: 'x' },
    { type: 'iteration.started', iteration: 2, modelIn: 'm1', rubricVersion: 1 },
  ]);
  agent.files.set('r1:iterations/2/pairs.jsonl', '{"id":"p1"}\n');
  agent.files.set('r1:iterations/2/candidates.jsonl', 'line one\nline two with ünïcode\n');
  await connection.connectLocal();
  await runsModel(services).refresh();
  const [host] = await tree.getChildren();
  assert.deepEqual(host, { kind: 'host', label: 'gpu-box' });
  const runs = await tree.getChildren(host);
  assert.deepEqual(runs, [{ kind: 'run', runId: 'r1' }]);
  const runItem = tree.getTreeItem(runs[0]);
  assert.equal(runItem.label, 'alpha');
  assert.equal(runItem.contextValue, 'selfreward.run.running', 'running runs get the Stop action');
  assert.deepEqual(runItem.command?.arguments, ['r1']);
  const its = await tree.getChildren(runs[0]);
  assert.deepEqual(its.map((n) => (n as { iteration: number }).iteration), [1, 2]);
  assert.equal(tree.getTreeItem(its[0]).description, 'failed');
  const files = (await tree.getChildren(its[1])) as Extract<RunNode, { kind: 'file' }>[];
  assert.deepEqual(files.map((f) => f.path).sort(), ['iterations/2/candidates.jsonl', 'iterations/2/pairs.jsonl']);
  const pairs = files.find((f) => f.path.endsWith('pairs.jsonl'))!;
  assert.equal(tree.getTreeItem(pairs).contextValue, 'selfreward.file.pairs');

  stub.executed.length = 0;
  await stub.run('selfreward.openRunFile', pairs);
  const openWith = stub.executed.find((e) => e.command === 'vscode.openWith')!;
  const pairsUri = openWith.args[0] as vscode.Uri;
  assert.equal(pairsUri.scheme, 'selfreward-pairs', 'a run\'s pairs open through the agent that owns the run');
  assert.equal(pairsUri.path.split('/').pop(), 'pairs · iteration 2 · alpha', 'the tab says which pairs');
  assert.equal(openWith.args[1], 'selfreward.pairsEditor');

  const cand = files.find((f) => f.path.endsWith('candidates.jsonl'))!;
  await stub.run('selfreward.openRunFile', cand);
  const uri = stub.shownDocuments.at(-1)!.uri as unknown as vscode.Uri;
  assert.equal(uri.scheme, 'selfreward-run');
  const doc = await vscode.workspace.openTextDocument(uri);
  assert.equal(doc.getText(), 'line one\nline two with ünïcode\n', 'read through files/read in pages');
  assert.ok(agent.calls('files/read').length > 3, 'several pages');
});

test('status bar text follows the link and the running stage', () => {
  assert.equal(statusView('offline', undefined, undefined).command, 'selfreward.connect');
  assert.match(statusView('reconnecting', 'gpu', undefined).text, /reconnecting/);
  agent.addRun('r1', 'alpha', [
    { type: 'iteration.started', iteration: 3, modelIn: 'm', rubricVersion: 1 },
    { type: 'stage.started', iteration: 3, stage: 'judgments', total: 200 },
    { type: 'stage.progress', iteration: 3, stage: 'judgments', done: 50, total: 200, failed: 0, ratePerSec: 5, etaSec: 30 },
  ]);
  const v = statusView('connected', 'gpu', agent.snapshotOf('r1'));
  assert.equal(v.text, '$(sync~spin) gpu · it 3 · judgments 25%');
  assert.equal(v.command, 'selfreward.openDashboard');
  agent.emit('r1', [{ type: 'review.waiting', iteration: 3, pairs: 9 }], false);
  assert.equal(statusView('connected', 'gpu', agent.snapshotOf('r1')).command, 'selfreward.reviewPairs');
  agent.emit('r1', [{ type: 'iteration.stopped', iteration: 3 }], false);
  assert.equal(statusView('connected', 'gpu', agent.snapshotOf('r1')).text, '$(remote) gpu');
});

test('the status bar item follows a run from stage to stage and back to idle', async () => {
  const { statusFeature } = await import('../../../src/status/feature');
  await statusFeature.activate!(services);
  const item = stub.statusBarItems.find((i) => i.id === 'selfreward.status')!;
  assert.equal(item.text, '$(debug-disconnect) Self-Rewarding');
  await connection.connectLocal();
  agent.addRun('r1', 'alpha');
  services.setCurrentRun('r1');
  await runsModel(services).track('r1');
  agent.emit('r1', [
    { type: 'iteration.started', iteration: 1, modelIn: 'm', rubricVersion: 1 },
    { type: 'stage.started', iteration: 1, stage: 'training', total: 10 },
    { type: 'stage.progress', iteration: 1, stage: 'training', done: 3, total: 10, failed: 0, ratePerSec: 1, etaSec: 7 },
  ]);
  const { until } = await import('./fakes');
  await until(() => item.text === '$(sync~spin) local · it 1 · training 30%', `running text, got ${item.text}`);
  agent.emit('r1', [{ type: 'iteration.finished', iteration: 1, summary: { iteration: 1 } as never }]);
  await until(() => item.text === '$(remote) local', `idle text, got ${item.text}`);
  assert.equal(item.command, 'selfreward.openDashboard');
});

test('runs tree: files in folders as folders (no duplicate names without a folder); iterations say their outcome in the shared counts', async () => {
  const tree = stub.treeDataProviders.get('selfreward.runs') as RunsTree;
  agent.addRun('r1', 'alpha', [
    { type: 'model.registered', iteration: 1, model: { iteration: 1, name: 'base', madeBy: 'base' } },
    { type: 'iteration.started', iteration: 1, modelIn: 'base', rubricVersion: 1 },
    { type: 'stage.started', iteration: 1, stage: 'training', total: 40 },
    { type: 'stage.finished', iteration: 1, stage: 'training', counts: { rows: 2, excluded: 38 }, durationMs: 1 },
    { type: 'model.registered', iteration: 2, model: { iteration: 2, name: '/runs/r1/iterations/1/train/output', path: '/runs/r1/iterations/1/train/output', madeBy: 'sim-train' } },
    { type: 'iteration.finished', iteration: 1, summary: { iteration: 1, promptsKept: 40, promptsDropped: {}, candidates: 160, judgments: 480, parseFailures: 0, parseFailureRate: 0, ties: 0, pairs: 40, pairsDropped: {}, meanChosenScore: 4, meanRejectedScore: 2, meanCandidateChars: 10, failedItems: 0, trainedPairs: 2, excludedPairs: 38, modelOut: 'M2' } },
    { type: 'iteration.started', iteration: 2, modelIn: '/runs/r1/iterations/1/train/output', rubricVersion: 1 },
    { type: 'stage.started', iteration: 2, stage: 'judgments', total: 160 },
    { type: 'stage.progress', iteration: 2, stage: 'judgments', done: 40, total: 160, failed: 0, ratePerSec: 4, etaSec: 30 },
  ]);
  for (const f of ['train/output/sim-policy.json', 'train/output/trainer_state.json', 'train/output/checkpoint-3/sim-policy.json', 'train/output/checkpoint-3/trainer_state.json', 'train/train.jsonl', 'pairs.jsonl']) agent.files.set(`r1:iterations/1/${f}`, '{}');
  await connection.connectLocal();
  await runsModel(services).refresh();
  const it1 = { kind: 'iteration', runId: 'r1', iteration: 1 } as const;
  const item1 = tree.getTreeItem(it1);
  assert.equal(item1.description, 'done · 40 pairs · 2 trained · 38 excluded');
  assert.match(String(item1.tooltip), /M1: base/);
  assert.match(String(item1.tooltip), /M2: \/runs\/r1\/iterations\/1\/train\/output/);
  assert.equal(tree.getTreeItem({ kind: 'iteration', runId: 'r1', iteration: 2 }).description, 'running · judgments 25%');
  assert.equal(tree.getTreeItem({ kind: 'run', runId: 'r1' }).description, 'it 2 · running · judgments 25%');
  const top = await tree.getChildren(it1);
  assert.deepEqual(top.map((n) => `${n.kind}:${tree.getTreeItem(n).label}`), ['folder:train', 'file:pairs.jsonl']);
  const train = await tree.getChildren(top[0]);
  assert.deepEqual(train.map((n) => `${n.kind}:${tree.getTreeItem(n).label}`), ['folder:output', 'file:train.jsonl']);
  const output = await tree.getChildren(train[0]);
  assert.deepEqual(output.map((n) => `${n.kind}:${tree.getTreeItem(n).label}`), ['folder:checkpoint-3', 'file:sim-policy.json', 'file:trainer_state.json']);
  const cp = await tree.getChildren(output[0]);
  assert.deepEqual(cp.map((n) => (n as { path: string }).path), ['iterations/1/train/output/checkpoint-3/sim-policy.json', 'iterations/1/train/output/checkpoint-3/trainer_state.json']);
});

test('run actions: rename asks a valid name; delete is confirmed, refused while running, and forgets the run', async () => {
  agent.addRun('r1', 'alpha', [{ type: 'iteration.started', iteration: 1, modelIn: 'm', rubricVersion: 1 }, { type: 'iteration.finished', iteration: 1, summary: { iteration: 1 } as never }]);
  agent.addRun('r2', 'busy', [{ type: 'iteration.started', iteration: 1, modelIn: 'm', rubricVersion: 1 }]);
  agent.handlers.set('runs/rename', (p) => {
    const { runId, name } = p as { runId: string; name: string };
    agent.emit(runId, [{ type: 'run.renamed', name }]);
    return { run: agent.snapshotOf(runId).run };
  });
  agent.handlers.set('runs/delete', (p) => {
    agent.runs.delete((p as { runId: string }).runId);
    return { deleted: true };
  });
  for (const [id, factory] of Object.entries(runsViewFeature.commands!)) services.context.subscriptions.push(vscode.commands.registerCommand(`selfreward.${id}`, factory(services)));
  await connection.connectLocal();
  await runsModel(services).refresh();
  stub.answer('inputBox', (p: { options?: { validateInput?: (v: string) => unknown } }) => {
    assert.ok(p.options?.validateInput?.('../etc'), 'a bad name is refused in the box');
    return 'beta';
  });
  await stub.run('selfreward.renameRun', { runId: 'r1' });
  assert.deepEqual(agent.calls('runs/rename'), [{ runId: 'r1', name: 'beta' }]);
  await stub.run('selfreward.deleteRun', { runId: 'r2' });
  assert.match(stub.lastMessage('warning')?.message ?? '', /running iteration 1: stop it before deleting/);
  assert.equal(agent.calls('runs/delete').length, 0);
  stub.answer('message', undefined);
  await stub.run('selfreward.deleteRun', { runId: 'r1' });
  assert.equal(agent.calls('runs/delete').length, 0, 'not confirmed: nothing deleted');
  const confirm = stub.messages.filter((m) => m.modal).at(-1)!;
  assert.match(confirm.message, /Delete run "beta"\? Its 1 iteration .* removed for good/);
  stub.answer('message', 'Delete');
  await stub.run('selfreward.deleteRun', { runId: 'r1' });
  assert.deepEqual(agent.calls('runs/delete'), [{ runId: 'r1' }]);
  assert.deepEqual(runsModel(services).runs.map((r) => r.id), ['r2']);
});
