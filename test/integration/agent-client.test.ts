import { test, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunEvent } from '../../remote/protocol';
import { connectSocket, type AgentRpc } from '../../remote/rpc/client';
import { AgentClient } from '../../src/connection/agentClient';
import { AgentConnectionManager } from '../../src/connection/manager';
import { localAgentPaths } from '../../src/connection/localAgent';
import { RunMirror } from '../../src/runs/runMirror';
import type { LinkState } from '../../src/connection/agentApi';
import { agentJs, simConfig, spawnDaemon, waitFor } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';

const cfg = (name: string) =>
  simConfig(name, {
    model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 16, tokensPerSecond: 3000, ttftMs: 5 } },
    prompts: { perIteration: 24 },
    inference: { concurrency: 16 },
  });

const quiet = { info: () => undefined, warn: () => undefined };

/** After a local-mode test: stop whatever daemon answers on its state folder's socket (by its pid). */
function cleanupLocalDaemon(t: TestContext, stateDir: string): void {
  // t.after runs when the test ends, before the file's tmpDir cleanup removes the socket.
  t.after(async () => {
    const p = localAgentPaths(stateDir);
    try {
      const c = await connectSocket(p.socket, p.tokenFile);
      process.kill(c.hello.pid, 'SIGKILL');
      c.dispose();
    } catch {
      /* none left */
    }
  });
}


test('AgentClient + RunMirror: links cut mid-iteration reconnect, and the mirror sees every event once, in order', async () => {
  const d = await spawnDaemon();
  let link: AgentRpc | undefined;
  let links = 0;
  const client = await AgentClient.connect({
    label: 'test',
    connect: async () => {
      link = await connectSocket(d.socket, d.tokenFile, { client: 'mirror-test' });
      links++;
      return link;
    },
    log: quiet,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  const states: LinkState[] = [];
  client.onDidChangeState((s) => states.push(s));
  const mirror = new RunMirror(client);
  const { run } = await client.request('runs/create', { config: cfg('mirror') });
  await mirror.track(run.id);
  assert.equal(mirror.lastSeq(run.id), run.lastSeq);
  const seen: RunEvent[] = [];
  mirror.onEvents(run.id, (evs) => seen.push(...evs));
  await client.request('iteration/start', { runId: run.id });
  for (let cut = 0; cut < 3; cut++) {
    const mark = seen.length;
    await waitFor('events flowing', () => seen.length > mark + 40, 30_000);
    link!.dispose(); // the link drops; the daemon and the iteration go on
    await waitFor('reconnected', () => client.state === 'connected' && links === cut + 2, 10_000);
  }
  await waitFor('iteration end', () => seen.some((e) => e.type === 'iteration.finished' || e.type === 'iteration.failed'), 60_000);
  const end = await client.request('runs/snapshot', { runId: run.id });
  await waitFor('mirror caught up', () => mirror.lastSeq(run.id) === end.seq);
  seen.forEach((e, i) => assert.equal(e.seq, run.lastSeq + 1 + i, `event #${i}`));
  assert.ok(states.filter((s) => s === 'reconnecting').length >= 3, states.join(','));
  // The mirror's snapshot (built by the shared reducer from the stream) matches the daemon's.
  const mine = mirror.snapshot(run.id)!;
  assert.equal(mine.iterations[0].status, 'done');
  assert.deepEqual(mine.iterations.map((i) => i.stages.map((s) => [s.stage, s.status])), end.iterations.map((i) => i.stages.map((s) => [s.stage, s.status])));
  assert.deepEqual(mine.models, end.models);
  // Old events: from the window, and from the agent once they are older than the window.
  const small = new RunMirror(client, 100);
  await small.track(run.id);
  assert.equal((await small.eventsAfter(run.id, 0, 5)).map((e) => e.seq).join(), '1,2,3,4,5');
  const tail = await mirror.eventsAfter(run.id, end.seq - 10);
  assert.deepEqual(tail.map((e) => e.seq), seen.slice(-10).map((e) => e.seq));
  small.dispose();
  mirror.dispose();
  client.dispose();
  assert.equal(client.state, 'offline');
  await assert.rejects(client.request('runs/list', {}), /disconnected/);
});

test('AgentClient goes offline instead of looping when the agent refuses the token', async () => {
  const d = await spawnDaemon();
  let calls = 0;
  let link: AgentRpc | undefined;
  const client = await AgentClient.connect({
    label: 'test',
    connect: async () => {
      calls++;
      if (calls > 1) fs.writeFileSync(d.tokenFile + '.bad', 'wrong');
      link = await connectSocket(d.socket, calls > 1 ? d.tokenFile + '.bad' : d.tokenFile);
      return link;
    },
    log: quiet,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  link!.dispose();
  await waitFor('offline', () => client.state === 'offline');
  assert.equal(calls, 2);
});

test('local mode: connectLocal starts a detached daemon, a second window reuses it, disconnect leaves it running', async (t) => {
  const dir = tmpDir();
  const stateDir = path.join(dir, 'state');
  const runsDir = path.join(dir, 'runs');
  const paths = localAgentPaths(stateDir);
  cleanupLocalDaemon(t, stateDir);
  let pid: number | undefined;
  after(() => {
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  });
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
  const w1 = new AgentConnectionManager({ local: () => ({ agentJs, runsDir, stateDir }), log });
  const states: LinkState[] = [];
  w1.onDidChangeState((s) => states.push(s));
  const a1 = await w1.connectLocal();
  assert.equal(w1.state, 'connected');
  assert.deepEqual(states, ['connecting', 'connected']);
  pid = (a1 as AgentClient).hello!.pid;
  assert.notEqual(pid, process.pid);
  assert.equal(await w1.connectLocal(), a1, 'connectLocal again keeps the link');
  assert.equal(fs.statSync(paths.socket).mode & 0o777, 0o600);
  assert.equal(fs.statSync(stateDir).mode & 0o777, 0o700);
  const token = fs.readFileSync(paths.tokenFile, 'utf8').trim();
  assert.ok(!logs.some((l) => l.includes(token)), 'the token never reaches the log');

  const w2 = new AgentConnectionManager({ local: () => ({ agentJs, runsDir, stateDir }), log });
  const a2 = await w2.connectLocal();
  assert.equal((a2 as AgentClient).hello!.pid, pid, 'the second window reuses the running daemon');
  const { run } = await a2.request('runs/create', { config: cfg('local') });
  assert.equal((await a1.request('runs/list', {})).runs[0].id, run.id);
  await w1.disconnect();
  assert.equal(w1.state, 'offline');
  assert.equal(w1.agent, undefined);
  process.kill(pid, 0); // still alive
  await a2.request('agent/shutdown', {});
  await waitFor('daemon gone', () => {
    try {
      process.kill(pid!, 0);
      return false;
    } catch {
      return true;
    }
  });
  w2.dispose();
});

test('localAgentPaths keeps Unix socket paths short', () => {
  const long = path.join('/tmp', 'x'.repeat(120));
  const p = localAgentPaths(long);
  assert.ok(Buffer.byteLength(p.socket) <= 100, p.socket);
  assert.equal(localAgentPaths('/short').socket, '/short/agent.sock');
});

test('local mode survives kill -9 of the daemon: the link restarts it, the mirror shows the cut-off iteration stopped, a restart resumes it', async (t) => {
  const dir = tmpDir();
  const stateDir = path.join(dir, 'state');
  cleanupLocalDaemon(t, stateDir);
  const pids = new Set<number>();
  after(() => {
    for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  });
  const m = new AgentConnectionManager({ local: () => ({ agentJs, runsDir: path.join(dir, 'runs'), stateDir }), log: quiet });
  const agent = (await m.connectLocal()) as AgentClient;
  const pid1 = agent.hello!.pid;
  pids.add(pid1);
  const mirror = new RunMirror(agent);
  const { run } = await agent.request('runs/create', { config: cfg('local crash') });
  await mirror.track(run.id);
  const seen: RunEvent[] = [];
  mirror.onEvents(run.id, (evs) => seen.push(...evs));
  await agent.request('iteration/start', { runId: run.id });
  await waitFor('candidates under way', () => seen.some((e) => e.type === 'candidate'), 30_000);
  process.kill(pid1, 'SIGKILL');
  await waitFor('a new daemon', () => agent.state === 'connected' && agent.hello!.pid !== pid1, 20_000);
  pids.add(agent.hello!.pid);
  // The mirror needs nothing but its events to see what happened.
  await mirror.track(run.id);
  await waitFor('stopped in the mirror', () => mirror.snapshot(run.id)!.iterations[0]?.status === 'stopped', 10_000);
  assert.equal(mirror.snapshot(run.id)!.run.status, 'idle');
  assert.equal((await agent.request('iteration/start', { runId: run.id })).iteration, 1);
  await waitFor('resumed to the end', () => mirror.snapshot(run.id)!.iterations[0]?.status === 'done', 60_000);
  seen.forEach((e, i) => assert.equal(e.seq, run.lastSeq + 1 + i, `event #${i}`));
  await agent.request('agent/shutdown', {});
  mirror.dispose();
  m.dispose();
});

test('local mode replaces an idle daemon of another build, but keeps one that is running an iteration', async (t) => {
  const dir = tmpDir();
  const stateDir = path.join(dir, 'state');
  const runsDir = path.join(dir, 'runs');
  cleanupLocalDaemon(t, stateDir);
  const pids = new Set<number>();
  after(() => {
    for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  });
  // "Another build": the same agent with one more line.
  const otherJs = path.join(dir, 'other-agent.js');
  fs.writeFileSync(otherJs, fs.readFileSync(agentJs, 'utf8') + '\n// another build\n');
  const old = new AgentConnectionManager({ local: () => ({ agentJs: otherJs, runsDir, stateDir }), log: quiet });
  const a0 = (await old.connectLocal()) as AgentClient;
  const oldPid = a0.hello!.pid;
  pids.add(oldPid);
  const { run } = await a0.request('runs/create', { config: cfg('busy') });
  await a0.request('iteration/start', { runId: run.id });
  await old.disconnect();

  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
  const ours = new AgentConnectionManager({ local: () => ({ agentJs, runsDir, stateDir }), log });
  const a1 = (await ours.connectLocal()) as AgentClient;
  assert.equal(a1.hello!.pid, oldPid, 'busy: reused');
  assert.ok(logs.some((l) => /another version .* runs /.test(l)), logs.join('\n'));
  await a1.request('iteration/stop', { runId: run.id });
  await ours.disconnect();

  const a2 = (await ours.connectLocal()) as AgentClient;
  pids.add(a2.hello!.pid);
  assert.notEqual(a2.hello!.pid, oldPid, 'idle: replaced');
  assert.ok(logs.some((l) => /replacing pid/.test(l)));
  assert.equal((await a2.request('runs/list', {})).runs[0].id, run.id, 'same runs folder');
  await a2.request('agent/shutdown', {});
  ours.dispose();
  old.dispose();
});
