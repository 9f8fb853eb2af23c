import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../remote/protocol';
import { RpcErrors } from '../../remote/protocol';
import { isRpcError, type AgentRpc } from '../../remote/rpc/client';
import { simConfig, startInProcessDaemon, waitFor } from '../helpers/agent';

/** Collect a run's pushed events on a client and count the push notifications. */
function collect(c: AgentRpc, runId: string): { events: RunEvent[]; pushes: () => number } {
  const events: RunEvent[] = [];
  let pushes = 0;
  c.onNotification('events/push', (p) => {
    if (p.runId !== runId) return;
    pushes++;
    events.push(...p.events);
  });
  return { events, pushes: () => pushes };
}

function assertConsecutive(events: RunEvent[], from: number, to: number): void {
  assert.deepEqual(events.map((e) => e.seq), Array.from({ length: to - from + 1 }, (_, i) => from + i));
}

test('two clients subscribed to one run both receive every event, in order, in batched pushes', async () => {
  const d = await startInProcessDaemon();
  const a = await d.connect('a');
  const b = await d.connect('b');
  const { run } = await a.request('runs/create', { config: simConfig('fan out') });
  const subA = await a.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  await b.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  assert.equal(subA.snapshot.seq, run.lastSeq);
  assert.deepEqual(subA.events, []);
  const ca = collect(a, run.id);
  const cb = collect(b, run.id);
  const r = d.daemon.openRun(run.id);
  const N = 3000;
  // Bursts with pauses, as a pipeline stage emits them.
  for (let i = 0; i < N; i++) {
    r.emit({ type: 'log', level: 'info', message: `event ${i}` });
    if (i % 500 === 499) await new Promise((res) => setTimeout(res, 5));
  }
  const last = run.lastSeq + N;
  await waitFor('all events on both clients', () => ca.events.length >= N && cb.events.length >= N);
  assertConsecutive(ca.events, run.lastSeq + 1, last);
  assertConsecutive(cb.events, run.lastSeq + 1, last);
  assert.ok(ca.pushes() <= N / 50, `${N} events arrived in ${ca.pushes()} pushes (batched)`);
  assert.ok(cb.pushes() <= N / 50, `${N} events arrived in ${cb.pushes()} pushes (batched)`);
  // The daemon's snapshot moved with the events.
  assert.equal((await b.request('runs/snapshot', { runId: run.id })).seq, last);
  a.dispose();
  b.dispose();
});

test('a client that reconnects with afterSeq receives exactly the events it missed while events keep coming', async () => {
  const d = await startInProcessDaemon();
  const first = await d.connect('first');
  const { run } = await first.request('runs/create', { config: simConfig('reconnect') });
  const r = d.daemon.openRun(run.id);
  const seen: RunEvent[] = [];
  const collectInto = (c: AgentRpc): void => {
    c.onNotification('events/push', (p) => seen.push(...p.events));
  };
  collectInto(first);
  await first.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  // A steady producer, independent of the clients.
  let produced = 0;
  const producer = setInterval(() => {
    for (let i = 0; i < 20; i++) r.emit({ type: 'log', level: 'info', message: `tick ${produced++}` });
  }, 2);
  try {
    await waitFor('some events before the drop', () => seen.length > 200);
    first.dispose(); // the link drops
    await new Promise((res) => setTimeout(res, 100)); // events go on while nobody listens
    const lastSeen = seen[seen.length - 1].seq;
    const second = await d.connect('second');
    collectInto(second);
    // Small pages force the client to continue with events/read.
    const sub = await second.request('events/subscribe', { runId: run.id, afterSeq: lastSeen, limit: 100 });
    seen.push(...sub.events);
    let more = sub.more;
    let after = sub.events.length ? sub.events[sub.events.length - 1].seq : lastSeen;
    const pages: RunEvent[] = [];
    while (more) {
      const page = await second.request('events/read', { runId: run.id, afterSeq: after, limit: 100 });
      const upTo = page.events.filter((e) => e.seq <= sub.snapshot.seq);
      pages.push(...upTo);
      after = page.events[page.events.length - 1].seq;
      more = after < sub.snapshot.seq;
    }
    // Pushes (seq > snapshot) may already have arrived; the backlog goes before them.
    const pushed = seen.filter((e) => e.seq > sub.snapshot.seq);
    const backlog = seen.filter((e) => e.seq <= sub.snapshot.seq);
    seen.length = 0;
    seen.push(...backlog, ...pages, ...pushed);
    const target = r.events.lastSeq + 200;
    await waitFor('events after the reconnect', () => seen.length && seen[seen.length - 1].seq >= target);
    clearInterval(producer);
    const end = r.events.lastSeq;
    await waitFor('the tail', () => seen[seen.length - 1].seq === end);
    assertConsecutive(seen, run.lastSeq + 1, end);
    second.dispose();
  } finally {
    clearInterval(producer);
  }
});

test('requests before agent/hello and hellos with a wrong token are refused, and the connection closed', async () => {
  const d = await startInProcessDaemon();
  const net = await import('node:net');
  const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = await import('vscode-jsonrpc/node');
  const rawConnection = async () => {
    const sock = net.connect(d.socket);
    sock.on('error', () => undefined);
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    const raw = createMessageConnection(new StreamMessageReader(sock), new StreamMessageWriter(sock));
    raw.listen();
    return { raw, closed };
  };
  const a = await rawConnection();
  await assert.rejects(a.raw.sendRequest('runs/list', {}), (e: unknown) => isRpcError(e, RpcErrors.Unauthorized) && /agent\/hello/.test((e as { message: string }).message));
  // The refusal arrives, then the daemon hangs up: no second try on that connection.
  await a.closed;
  a.raw.dispose();
  const b = await rawConnection();
  await assert.rejects(b.raw.sendRequest('agent/hello', { token: 'nope', client: 'x', protocolVersion: 1 }), (e: unknown) => isRpcError(e, RpcErrors.Unauthorized));
  // The daemon hangs up on a wrong token.
  await b.closed;
  b.raw.dispose();
  const { connectAgent } = await import('../../remote/rpc/client');
  const sock2 = net.connect(d.socket);
  await new Promise((r) => sock2.once('connect', r));
  await assert.rejects(connectAgent({ readable: sock2, writable: sock2 }, d.token + 'x'), (e: unknown) => isRpcError(e, RpcErrors.Unauthorized));
  sock2.destroy();
  const ok = await d.connect();
  assert.ok(Array.isArray((await ok.request('runs/list', {})).runs));
  ok.dispose();
});

test('errors carry RpcErrors codes: unknown run, bad config, traversal, unknown rubric version', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  await assert.rejects(c.request('runs/snapshot', { runId: 'no-such-run' }), (e: unknown) => isRpcError(e, RpcErrors.RunNotFound));
  await assert.rejects(c.request('events/subscribe', { runId: '../../etc', afterSeq: 0 }), (e: unknown) => isRpcError(e, RpcErrors.RunNotFound) && /invalid run id/.test((e as { message: string }).message));
  await assert.rejects(
    c.request('runs/create', { config: { name: 'x', seed: 1, model: { backend: 'sim', name: 'm' }, seedData: [], candidates: { n: 1 } } }),
    (e: unknown) => isRpcError(e, RpcErrors.InvalidConfig) && /candidates\.n/.test((e as { message: string }).message),
  );
  const { run } = await c.request('runs/create', { config: simConfig('errors') });
  for (const bad of ['../x', '/etc/passwd', 'iterations/../../x', '..']) {
    await assert.rejects(c.request('files/read', { runId: run.id, path: bad, offset: 0, length: 10 }), (e: unknown) => isRpcError(e, RpcErrors.NotFound), bad);
  }
  // A symlink inside the run folder that points outside is refused too.
  const fs = await import('node:fs');
  const path = await import('node:path');
  fs.symlinkSync('/etc', path.join(run.dir, 'escape'));
  await assert.rejects(c.request('files/read', { runId: run.id, path: 'escape/hostname', offset: 0, length: 10 }), /outside the run folder/);
  await assert.rejects(c.request('rubric/get', { runId: run.id, version: 9 }), (e: unknown) => isRpcError(e, RpcErrors.NotFound));
  c.dispose();
});

test('files/read pages a file without splitting UTF-8 characters; rubric/set makes a new version', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  const { run } = await c.request('runs/create', { config: simConfig('files'), rubricText: 'Rate {{instruction}} {{response}} — ok ✓' });
  const listed = await c.request('files/list', { runId: run.id });
  assert.ok(listed.files.some((f) => f.path === 'rubrics/v1.md'));
  let text = '';
  let offset = 0;
  for (let i = 0; i < 100; i++) {
    const r = await c.request('files/read', { runId: run.id, path: 'rubrics/v1.md', offset, length: 7 });
    text += r.data;
    offset += Buffer.byteLength(r.data);
    if (r.eof) break;
  }
  assert.equal(text, 'Rate {{instruction}} {{response}} — ok ✓');
  const v2 = await c.request('rubric/set', { runId: run.id, text: 'Score {{instruction}} {{response}}' });
  assert.equal(v2.version, 2);
  assert.equal((await c.request('rubric/get', { runId: run.id })).text, 'Score {{instruction}} {{response}}');
  assert.equal((await c.request('rubric/get', { runId: run.id, version: 1 })).version, 1);
  const snap = await c.request('runs/snapshot', { runId: run.id });
  assert.deepEqual(snap.rubricVersions.map((v) => v.version), [1, 2]);
  c.dispose();
});

test('the daemon serves the other groups too: preflight/run and secrets/set', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  const { validateConfig } = await import('../../remote/config/config');
  const pre = await c.request('preflight/run', { config: validateConfig(simConfig('pre')) });
  assert.ok(pre.checks.some((k) => k.name === 'node' && k.ok));
  await assert.rejects(c.request('preflight/run', { config: { name: 1 } }), (e: unknown) => isRpcError(e, RpcErrors.InvalidConfig));
  assert.deepEqual(await c.request('secrets/set', { name: 'MY_KEY', value: 'k' }), { ok: true });
  await assert.rejects(c.request('secrets/set', { name: 'bad name', value: 'k' }), (e: unknown) => isRpcError(e, RpcErrors.InvalidConfig));
  c.dispose();
});

test('agent warnings reach connected clients as agent/log; the tail is served by agent/logTail', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  const got: string[] = [];
  c.onNotification('agent/log', (l) => got.push(`${l.level}: ${l.message}`));
  const { warn, info } = await import('../../remote/log');
  info('an info line stays in the log');
  warn('the disk is nearly full');
  await waitFor('agent/log', () => got.length > 0);
  assert.deepEqual(got, ['warn: the disk is nearly full']);
  const tail = (await c.request('agent/logTail', { lines: 5 })).lines;
  assert.match(tail[tail.length - 1], /\[warn\] the disk is nearly full/);
  assert.ok(tail.some((l) => l.includes('an info line stays in the log')));
  c.dispose();
});

test('a subscriber that stops reading is disconnected instead of growing the daemon without end; others go on', async () => {
  const d = await startInProcessDaemon(undefined, { maxUnsentEvents: 8000 });
  const netMod = await import('node:net');
  const { connectAgent } = await import('../../remote/rpc/client');
  const healthy = await d.connect('healthy');
  const { run } = await healthy.request('runs/create', { config: simConfig('stall') });
  const got = collect(healthy, run.id);
  await healthy.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  const sock = netMod.connect(d.socket);
  await new Promise((r) => sock.once('connect', r));
  const stalled = await connectAgent({ readable: sock, writable: sock }, d.token);
  await stalled.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  assert.equal(d.server.clientCount, 2);
  sock.pause(); // stops reading: the kernel buffer fills, then the daemon's writes stall
  const r = d.daemon.openRun(run.id);
  const N = 20_000;
  for (let i = 0; i < N; i++) {
    r.emit({ type: 'log', level: 'info', message: `event ${i} ${'x'.repeat(400)}` });
    if (i % 200 === 199) await new Promise((res) => setTimeout(res, 5));
  }
  await waitFor('stalled client dropped', () => d.server.clientCount === 1, 20_000);
  await waitFor('healthy client has everything', () => got.events.length >= N, 20_000);
  assertConsecutive(got.events, run.lastSeq + 1, run.lastSeq + N);
  sock.destroy();
  stalled.dispose();
  healthy.dispose();
});
