import { stub, fakeContext, fakeLog } from '../helpers/vscodeStub';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createConnectionManager, showAgentLog } from '../../src/connection/feature';
import { localAgentPaths } from '../../src/connection/localAgent';
import type { Services } from '../../src/services';
import { agentJs } from '../helpers/agent';

test('Show Agent Log: the connection log when offline; the agent\'s own log tail from a local daemon; no token in any log', async () => {
  stub.reset();
  // The extension root holds the test's private copy of dist/agent.js (see helpers/agent.ts).
  const context = fakeContext({ root: path.dirname(path.dirname(agentJs)), packageJSON: {} });
  const log = fakeLog();
  const runsDir = path.join(context.globalStorageUri.fsPath, 'my-runs');
  stub.configuration.set('selfreward.local.runsDir', runsDir);
  const manager = createConnectionManager(context as never, log as never);
  const services = { context, log, connection: manager } as unknown as Services;
  after(() => context.dispose());

  await showAgentLog(services);
  assert.match(stub.messages[stub.messages.length - 1].message, /not connected/);

  const agent = await manager.connectLocal();
  const hello = (agent as unknown as { hello: { pid: number; runsDir: string } }).hello;
  after(() => {
    try { process.kill(hello.pid, 'SIGKILL'); } catch { /* gone */ }
  });
  assert.equal(hello.runsDir, runsDir, 'the runs folder setting is used');
  await showAgentLog(services);
  const ch = stub.outputChannels.find((c) => c.name === 'Self-Rewarding Agent')!;
  assert.equal(ch.shown, 1);
  assert.match(ch.lines.join('\n'), /listening on .*agent\.sock/);
  const token = fs.readFileSync(localAgentPaths(path.join(context.globalStorageUri.fsPath, 'agent')).tokenFile, 'utf8').trim();
  const connectionLog = stub.outputChannels.find((c) => c.name === 'Self-Rewarding')!.lines;
  assert.ok(stub.outputChannels.flatMap((c) => c.lines).every((l) => !l.includes(token)), 'no token in any channel');
  assert.ok(connectionLog.some((l) => /connected to the agent \(local\)/.test(l)), connectionLog.join('\n'));
  await agent.request('agent/shutdown', {});
  await manager.disconnect();
  assert.equal(manager.state, 'offline');
});
