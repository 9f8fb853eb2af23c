import { stub, type FakeWebviewPanel } from '../../helpers/vscodeStub';
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunEvent, RunEventBody } from '../../../remote/protocol';
import { DashboardPanel, CATCH_UP_PAGE } from '../../../src/dashboard/dashboardPanel';
import { dashboardFeature } from '../../../src/dashboard/feature';
import { Batcher } from '../../../src/dashboard/batcher';
import type { HostMessage } from '../../../webview/dashboard/protocol';
import { FakeAgent, FakeConnection, fakeServices, fakeWorld, until } from './fakes';

let agent: FakeAgent;
let connection: FakeConnection;
let services: ReturnType<typeof fakeServices>;

beforeEach(async () => {
  ({ agent, connection, services } = fakeWorld());
  services.context.subscriptions.push(vscode.commands.registerCommand('selfreward.openDashboard', dashboardFeature.commands!.openDashboard(services)));
  await dashboardFeature.activate!(services);
  await connection.connectLocal();
});
afterEach(() => {
  DashboardPanel.current?.dispose();
  services.dispose();
});

const progress = (i: number): RunEventBody => ({ type: 'stage.progress', iteration: 1, stage: 'candidates', done: i, total: 100000, failed: 0, ratePerSec: 1, etaSec: 1 });
const msgs = (p: FakeWebviewPanel): HostMessage[] => p.webview.posted as HostMessage[];

test('ready → init + every event after the page seq in pages; live events then arrive batched, without duplicates', async () => {
  agent.addRun('r1', 'alpha', Array.from({ length: CATCH_UP_PAGE + 10 }, (_, i) => progress(i)));
  await stub.run('selfreward.openDashboard', 'r1');
  const panel = stub.panels[0];
  assert.equal(panel.viewType, 'selfreward.dashboard');
  panel.webview.receive({ type: 'ready', afterSeq: 3 });
  await until(() => msgs(panel).filter((m) => m.type === 'events').length === 2, 'catch-up pages');
  const [init, p1, p2] = msgs(panel);
  assert.equal(init.type, 'init');
  assert.equal(init.type === 'init' && init.snapshot.seq, CATCH_UP_PAGE + 10);
  assert.ok(p1.type === 'events' && p1.events.length === CATCH_UP_PAGE && p1.more === true && p1.events[0].seq === 4);
  assert.ok(p2.type === 'events' && p2.more === false && p2.events.at(-1)!.seq === CATCH_UP_PAGE + 10);
  assert.equal(panel.title, 'Run: alpha');

  // 200 live pushes within ~100 ms reach the webview as a handful of messages, in order, none repeated
  const before = msgs(panel).length;
  for (let i = 0; i < 200; i++) {
    agent.emit('r1', [progress(i)]);
    if (i % 20 === 0) await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 120));
  const live = msgs(panel).slice(before);
  assert.ok(live.length >= 1 && live.length <= 6, `${live.length} messages for 200 pushes`);
  const seqs = live.flatMap((m) => (m.type === 'events' ? m.events.map((e: RunEvent) => e.seq) : []));
  assert.equal(seqs.length, 200);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, 200);
});

test('hidden panel gets nothing; visible again, the page asks from its seq; reveal waits for the catch-up', async () => {
  agent.addRun('r1', 'alpha', [progress(1)]);
  await stub.run('selfreward.openDashboard', 'r1', 1);
  const panel = stub.panels[0];
  panel.webview.receive({ type: 'ready', afterSeq: 0 });
  await until(() => msgs(panel).some((m) => m.type === 'reveal'), 'reveal after catch-up');
  assert.deepEqual(msgs(panel).map((m) => m.type), ['init', 'events', 'reveal']);
  panel.setVisible(false);
  const n = msgs(panel).length;
  agent.emit('r1', [progress(2), progress(3)]);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(msgs(panel).length, n, 'nothing posted while hidden');
  panel.setVisible(true);
  // Visible again, the page (re)loads: events that arrive before it asks must not reach it ahead of its catch-up
  // (a page that took them would ask only for what follows them, and never get the older ones).
  agent.emit('r1', [progress(4)]);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(msgs(panel).length, n, 'nothing posted before the page asks');
  panel.webview.receive({ type: 'ready', runId: 'r1', afterSeq: 1 });
  await until(() => msgs(panel).length === n + 2, 'catch-up after visible');
  const ev = msgs(panel)[n + 1];
  assert.ok(ev.type === 'events');
  assert.deepEqual(ev.events.map((e) => e.seq), [2, 3, 4]);
});

test('serializer revives a panel for the run in the saved state; no run → an explanatory empty message', async () => {
  agent.addRun('r7', 'gamma', [progress(1)]);
  const serializer = stub.serializers.get('selfreward.dashboard') as vscode.WebviewPanelSerializer;
  const panel = vscode.window.createWebviewPanel('selfreward.dashboard', 'x', vscode.ViewColumn.One) as unknown as FakeWebviewPanel;
  await serializer.deserializeWebviewPanel(panel as unknown as vscode.WebviewPanel, { runId: 'r7', filters: {}, scrollTop: 0 });
  assert.match(panel.webview.html, /dashboard\.js/);
  panel.webview.receive({ type: 'ready', runId: 'r7', afterSeq: 0 });
  await until(() => msgs(panel).length >= 2, 'init');
  assert.ok(msgs(panel)[0].type === 'init' && (msgs(panel)[0] as { runId: string }).runId === 'r7');
  DashboardPanel.current?.dispose();
  await stub.run('selfreward.openDashboard');
  const p2 = stub.panels.at(-1)!;
  p2.webview.receive({ type: 'ready', afterSeq: 0 });
  await until(() => msgs(p2).length === 1, 'empty');
  assert.deepEqual(msgs(p2)[0], { type: 'empty', reason: 'No run yet: create one with "New Run…" or "Start Demo Run".' });
});

test('webview commands run the extension command with the run and iteration', async () => {
  agent.addRun('r1', 'alpha');
  const calls: unknown[][] = [];
  services.context.subscriptions.push(vscode.commands.registerCommand('selfreward.stopIteration', (...a: unknown[]) => calls.push(a)));
  await stub.run('selfreward.openDashboard', 'r1');
  stub.panels[0].webview.receive({ type: 'command', command: 'stopIteration', iteration: 3 });
  await until(() => calls.length === 1, 'command');
  assert.deepEqual(calls[0], ['r1', 3]);
});

test('Batcher: one flush per interval however many pushes; clear drops the backlog', async () => {
  const out: number[][] = [];
  const b = new Batcher<number>((items) => out.push(items), 30);
  for (let i = 0; i < 100; i++) b.push([i]);
  assert.equal(out.length, 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(out, [Array.from({ length: 100 }, (_, i) => i)]);
  b.push([1, 2]);
  b.clear();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(out.length, 1);
  assert.deepEqual(b.stats, { itemsIn: 102, pushes: 101, flushes: 1 });
});

test('a panel opened before any run shows the first run chosen; after a reconnect it catches up from what it sent', async () => {
  await stub.run('selfreward.openDashboard');
  const panel = stub.panels[0];
  panel.webview.receive({ type: 'ready', afterSeq: 0 });
  await until(() => msgs(panel).length === 1, 'empty');
  agent.addRun('r1', 'alpha', [progress(1), progress(2)]);
  services.setCurrentRun('r1');
  await until(() => msgs(panel).some((m) => m.type === 'init'), 'init for the new current run');
  await until(() => msgs(panel).some((m) => m.type === 'events' && m.events.length === 2), 'its events');
  await connection.disconnect();
  agent.emit('r1', [progress(3)], false); // happened while disconnected
  const n = msgs(panel).length;
  await connection.connectLocal();
  await until(() => msgs(panel).slice(n).some((m) => m.type === 'events' && m.events.length), 'resync after reconnect');
  const evs = msgs(panel).slice(n).filter((m) => m.type === 'events');
  // the page was told the link went down and came back (its Start/Stop/Review follow)
  const links = msgs(panel).filter((m) => m.type === 'link').map((m) => (m.type === 'link' ? m.connected : undefined));
  assert.deepEqual([links.includes(false), links.at(-1)], [true, true]);
  assert.deepEqual(evs.flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.seq) : [])), [3]);
});

test('events streamed before the page is ready are not posted ahead of its catch-up (order and completeness)', async () => {
  agent.addRun('r1', 'alpha', [progress(1)]);
  await stub.run('selfreward.openDashboard', 'r1');
  const panel = stub.panels[0];
  for (let i = 0; i < 5; i++) {
    agent.emit('r1', [progress(i), progress(i + 1)]);
    await new Promise((r) => setTimeout(r, 30));
  }
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(msgs(panel), [], 'nothing before the page asked');
  panel.webview.receive({ type: 'ready', afterSeq: 0 });
  // more events while the catch-up is under way
  for (let i = 0; i < 5; i++) agent.emit('r1', [progress(100 + i)]);
  await until(() => msgs(panel).flatMap((m) => (m.type === 'events' ? m.events : [])).at(-1)?.seq === 16, 'all 16 events', 2000);
  assert.equal(msgs(panel)[0].type, 'init');
  const seqs = msgs(panel).flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.seq) : []));
  assert.deepEqual(seqs, Array.from({ length: 16 }, (_, i) => i + 1));
});
