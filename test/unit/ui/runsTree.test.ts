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
  assert.equal((openWith.args[0] as vscode.Uri).scheme, 'selfreward-run', 'remote run files use the read-only scheme');
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
