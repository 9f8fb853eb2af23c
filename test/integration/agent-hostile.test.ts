/**
 * Issue #15 (4, 5): a hostile client on the daemon socket. Before hello it gets a few KB and a few seconds: a long
 * header-less line, a huge Content-Length, a framed body larger than a hello, a notification or request before
 * hello, and idle connections are all closed (idle ones after the deadline, or when newer ones push them out), and
 * legitimate clients are served meanwhile. Client-given ids and paths cannot leave the run folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { RpcErrors } from '../../remote/protocol';
import { isRpcError } from '../../remote/rpc/client';
import { simConfig, startInProcessDaemon, waitFor } from '../helpers/agent';

/** A raw connection: what it was sent and whether the daemon closed it. */
async function raw(socket: string): Promise<{ sock: net.Socket; closed: Promise<void>; isClosed: () => boolean; received: () => string }> {
  const sock = net.connect(socket);
  sock.on('error', () => undefined);
  let data = '';
  sock.on('data', (d) => (data += d));
  let closedFlag = false;
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  void closed.then(() => (closedFlag = true));
  await new Promise((r) => sock.once('connect', r));
  return { sock, closed, isClosed: () => closedFlag, received: () => data };
}

/** Write `total` bytes of `chunk` as fast as the socket takes them, until it closes. Returns bytes accepted. */
async function flood(sock: net.Socket, chunk: Buffer, total: number): Promise<number> {
  let sent = 0;
  while (sent < total && !sock.destroyed && sock.writable) {
    const ok = sock.write(chunk);
    sent += chunk.length;
    if (!ok) await new Promise<void>((r) => { sock.once('drain', r); sock.once('close', r); });
  }
  return sent;
}

const frame = (body: string, extra = ''): string => `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

test('before hello: a header-less flood, a 4 GiB Content-Length and a 1 MB framed body are refused at once, without reading them', async () => {
  const d = await startInProcessDaemon();
  // 1. 64 MB of one header-less line: closed after the first KB (no quadratic rescans, no buffering)
  const a = await raw(d.socket);
  const sent = await flood(a.sock, Buffer.alloc(64 * 1024, 0x61), 64 * 1024 * 1024);
  await a.closed;
  assert.ok(sent < 64 * 1024 * 1024, `the daemon stopped reading (client could write ${sent} bytes)`);
  // 2. a 4 GiB Content-Length
  const b = await raw(d.socket);
  b.sock.write('Content-Length: 4294967296\r\n\r\n{"jsonrpc":"2.0"');
  await b.closed;
  // 3. a well-framed 1 MB body before hello
  const c = await raw(d.socket);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agent/hello', params: { token: 'x'.repeat(1 << 20), client: 'big', protocolVersion: 1 } });
  void flood(c.sock, Buffer.from(frame(body)), Buffer.byteLength(frame(body)));
  await c.closed;
  // 4. a malformed header
  const e = await raw(d.socket);
  e.sock.write('Content-Type: application/json\r\n\r\n{}');
  await e.closed;
  assert.ok(d.server.refused >= 4, `refused ${d.server.refused}`);
  // the daemon is fine
  const ok = await d.connect();
  assert.ok(Array.isArray((await ok.request('runs/list', {})).runs));
  ok.dispose();
});

test('before hello: a request or a notification gets the connection closed (a request is answered first)', async () => {
  const d = await startInProcessDaemon();
  const a = await raw(d.socket);
  a.sock.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'runs/list', params: {} })));
  await a.closed;
  assert.match(a.received(), /"id":7.*"code":-32001.*call agent\/hello/s);
  const b = await raw(d.socket);
  b.sock.write(frame(JSON.stringify({ jsonrpc: '2.0', method: 'events/unsubscribe', params: { runId: 'x' } })));
  await b.closed;
});

test('idle unauthenticated connections: the oldest are pushed out past the cap, the rest closed at the hello deadline; clients that say hello are served', async () => {
  const d = await startInProcessDaemon(undefined, { limits: { maxUnauthenticated: 8, helloDeadlineMs: 1500 } });
  // a real client (connected first, so no margin of the deadline matters) stays past the deadline
  const ok = await d.connect();
  const idle: Awaited<ReturnType<typeof raw>>[] = [];
  for (let i = 0; i < 50; i++) idle.push(await raw(d.socket));
  await waitFor('at most 8 waiting for hello', () => d.server.unauthenticatedCount <= 8);
  await waitFor('the oldest 42 closed', () => idle.slice(0, 42).every((c) => c.isClosed()));
  await waitFor('every idle one closed by the deadline', () => idle.every((c) => c.isClosed()), 30_000);
  assert.equal(d.server.unauthenticatedCount, 0);
  assert.ok(Array.isArray((await ok.request('runs/list', {})).runs), 'the authenticated client is not subject to the deadline');
  ok.dispose();
});

test('after hello the limits are larger but still there: a 1 MB request is served, a header-less line still closes', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  const rubricText = `Rate {{instruction}} against {{response}}.\n${'Criterion: be helpful.\n'.repeat(40_000)}Score: <points>`;
  assert.ok(rubricText.length > 900_000);
  const { run } = await c.request('runs/create', { config: simConfig('big rubric'), rubricText });
  assert.equal((await c.request('rubric/get', { runId: run.id })).text, rubricText);
  c.dispose();
  // an authenticated raw connection that then floods without headers
  const { connectAgent } = await import('../../remote/rpc/client');
  const sock = net.connect(d.socket);
  sock.on('error', () => undefined);
  await new Promise((r) => sock.once('connect', r));
  const closed = new Promise((r) => sock.once('close', r));
  const authed = await connectAgent({ readable: sock, writable: sock }, d.token);
  assert.ok(authed.hello.pid > 0);
  await flood(sock, Buffer.alloc(64 * 1024, 0x62), 16 * 1024 * 1024);
  await closed;
  authed.dispose();
});

test('client-given ids and paths stay inside the run folder: iteration traversal, non-integer numbers, folders answer NotFound', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  const { run } = await c.request('runs/create', { config: simConfig('traversal') });
  const notFound = (e: unknown) => isRpcError(e, RpcErrors.NotFound);
  // the case: files/list with a path for an iteration listed /etc/ssh
  for (const iteration of ['../../../../../../../etc/ssh', '1/../../..', -1, 1.5, '1', null] as unknown[]) {
    await assert.rejects(c.request('files/list', { runId: run.id, iteration: iteration as number }), (e: unknown) => notFound(e) || (iteration === null && isRpcError(e)), String(iteration));
  }
  await assert.rejects(c.request('pairs/read', { runId: run.id, iteration: '../..' as unknown as number, offset: 0, limit: 10 }), notFound);
  await assert.rejects(c.request('report/write', { runId: run.id, iteration: '../../x' as unknown as number }), notFound);
  await assert.rejects(c.request('files/read', { runId: run.id, path: 'rubrics/v1.md', offset: -5, length: 10 }), (e: unknown) => isRpcError(e, -32602));
  // a folder is not a file: NotFound, not an internal EISDIR
  for (const folder of ['rubrics', 'iterations', '.']) {
    await assert.rejects(c.request('files/read', { runId: run.id, path: folder, offset: 0, length: 10 }), (e: unknown) => notFound(e) && !/EISDIR/.test((e as { message: string }).message), folder);
  }
  // an iteration folder that is a symlink out of the run is not listed
  fs.mkdirSync(path.join(run.dir, 'iterations'), { recursive: true });
  fs.symlinkSync('/etc', path.join(run.dir, 'iterations', '7'));
  await assert.rejects(c.request('files/list', { runId: run.id, iteration: 7 }), notFound);
  assert.ok((await c.request('files/list', { runId: run.id })).files.every((f) => !f.path.startsWith('iterations/7/')));
  assert.ok((await c.request('files/list', { runId: run.id })).files.some((f) => f.path === 'rubrics/v1.md'));
  c.dispose();
});
