/**
 * The UI against the real thing: a local agent daemon (dist/agent.js) started by the real ConnectionManager, the
 * simulated model and trainer, and the extension features running on the vscode stub. "Start Demo Run" must connect,
 * create the run, open the dashboard, run iteration 1 to the end under a progress notification, and the dashboard
 * host must hand the webview every event; the runs tree then lists the iteration's files.
 */
import { stub } from '../helpers/vscodeStub';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AgentConnectionManager } from '../../src/connection/manager';
import type { AgentClient } from '../../src/connection/agentClient';
import { runCommandsFeature } from '../../src/commands/runCommands';
import { dashboardFeature } from '../../src/dashboard/feature';
import { DashboardPanel } from '../../src/dashboard/dashboardPanel';
import { runsViewFeature } from '../../src/runs/feature';
import { runsModel } from '../../src/runs/runsModel';
import type { RunNode, RunsTree } from '../../src/runs/runsTree';
import { statusFeature } from '../../src/status/feature';
import type { HostMessage } from '../../webview/dashboard/protocol';
import { agentJs } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';
import { fakeServices, until } from '../unit/ui/fakes';

test('Start Demo Run end to end on a real local agent with the simulated model', async () => {
  assert.ok(fs.existsSync(agentJs), 'run `npm run build` first');
  const dir = tmpDir();
  stub.reset();
  const manager = new AgentConnectionManager({ local: () => ({ agentJs, runsDir: path.join(dir, 'runs'), stateDir: path.join(dir, 'state') }), log: { info: () => undefined, warn: () => undefined } });
  const services = fakeServices(manager);
  let pid: number | undefined;
  after(async () => {
    DashboardPanel.current?.dispose();
    services.dispose();
    try {
      await manager.agent?.request('agent/shutdown', {});
    } catch {
      /* already gone */
    }
    manager.dispose();
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  });
  for (const f of [runCommandsFeature, dashboardFeature, runsViewFeature, statusFeature]) {
    for (const [id, factory] of Object.entries(f.commands ?? {})) services.context.subscriptions.push(vscode.commands.registerCommand(`selfreward.${id}`, factory(services)));
    await f.activate?.(services);
  }
  stub.answer('message', undefined); // dismiss the "finished" notification
  const demo = stub.run('selfreward.startDemo') as Promise<unknown>;
  await until(() => stub.panels.length === 1, 'dashboard opened', 30_000);
  pid = (manager.agent as AgentClient | undefined)?.hello?.pid;
  const panel = stub.panels[0];
  panel.webview.receive({ type: 'ready', afterSeq: 0 });
  assert.equal(await demo, 'finished');
  const finished = stub.messages.find((m) => /demo: iteration 1 finished: \d+ pairs/.test(m.message));
  assert.ok(finished, JSON.stringify(stub.messages));
  assert.ok(stub.progress[0].reports.some((r) => /judgments \d+\/\d+/.test(r.message ?? '')), 'progress showed the judging');
  assert.equal(stub.contexts.get('selfreward.connected'), true);
  assert.equal(stub.contexts.get('selfreward.hasRun'), true);
  assert.equal(stub.contexts.get('selfreward.iterationRunning'), false);

  // the dashboard got every event of the run, in order, once, in few messages
  const runId = services.currentRunId!;
  const lastSeq = runsModel(services).snapshot(runId)!.seq;
  await until(() => (panel.webview.posted as HostMessage[]).some((m) => m.type === 'events' && m.events.at(-1)?.seq === lastSeq), 'last event delivered', 5000);
  const seqs = (panel.webview.posted as HostMessage[]).flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.seq) : []));
  assert.deepEqual(seqs, Array.from({ length: lastSeq }, (_, i) => i + 1), 'gap-free and duplicate-free');
  const types = new Set((panel.webview.posted as HostMessage[]).flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.type) : [])));
  for (const t of ['prompt', 'candidate', 'judgment', 'pair', 'train.metrics', 'iteration.finished']) assert.ok(types.has(t as never), `dashboard got ${t} events`);

  // the tree: local host → the demo run → iteration 1 → its files; a JSONL file opens from disk
  const tree = stub.treeDataProviders.get('selfreward.runs') as RunsTree;
  const [host] = await tree.getChildren();
  const runs = await tree.getChildren(host);
  assert.ok(runs.some((r) => r.kind === 'run' && r.runId === runId));
  const [it1] = await tree.getChildren({ kind: 'run', runId });
  const files = (await tree.getChildren(it1)) as Extract<RunNode, { kind: 'file' }>[];
  const names = files.map((f) => path.basename(f.path));
  for (const n of ['prompts.jsonl', 'candidates.jsonl', 'judgments.jsonl', 'pairs.jsonl']) assert.ok(names.includes(n), `${n} in ${names}`);
  await stub.run('selfreward.openRunFile', files.find((f) => f.path.endsWith('candidates.jsonl')));
  const shown = stub.shownDocuments.at(-1)!.uri as unknown as vscode.Uri;
  assert.equal(shown.scheme, 'file');
  assert.ok(fs.readFileSync(shown.fsPath, 'utf8').split('\n').length > 100);
});
