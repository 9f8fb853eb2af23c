import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { connectAgent, isRpcError } from '../../remote/rpc/client';
import { RpcErrors } from '../../remote/protocol';
import { agentJs, simConfig, spawnDaemon, waitFor } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

test('serve --socket: socket and token file 0600 in a 0700 folder; a second daemon on the same socket refuses; shutdown cleans up', async () => {
  const d = await spawnDaemon();
  assert.equal(mode(path.dirname(d.socket)), 0o700);
  assert.equal(mode(d.socket), 0o600);
  assert.equal(mode(d.tokenFile), 0o600);
  const token = fs.readFileSync(d.tokenFile, 'utf8');
  const second = spawnSync(process.execPath, [agentJs, 'serve', '--socket', d.socket, '--runs-dir', d.runsDir], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(second.status, 4, second.stderr);
  assert.match(second.stderr, /already listening/);
  assert.equal(fs.readFileSync(d.tokenFile, 'utf8'), token, 'the live daemon keeps its token');
  const c = await d.connect();
  assert.equal(c.hello.pid, d.proc.pid);
  await c.request('agent/shutdown', {});
  assert.equal(await d.exited, 0);
  assert.ok(!fs.existsSync(d.socket) && !fs.existsSync(d.tokenFile), 'socket and token removed');
  assert.doesNotMatch(d.stderr(), /\[stdout!\]/);
});

test('serve refuses a socket folder other users can enter', () => {
  const dir = tmpDir();
  const open = path.join(dir, 'open');
  fs.mkdirSync(open, { mode: 0o755 });
  fs.chmodSync(open, 0o755);
  const r = spawnSync(process.execPath, [agentJs, 'serve', '--socket', path.join(open, 'a.sock'), '--runs-dir', path.join(dir, 'runs')], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /open to other users \(mode 755\)/);
});

test('serve --stdio speaks JSON-RPC on stdout only and exits when stdin closes', async () => {
  const dir = tmpDir();
  const proc = spawn(process.execPath, [agentJs, 'serve', '--stdio', '--runs-dir', path.join(dir, 'runs')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SELFREWARD_AGENT_TOKEN: 'stdio-secret' },
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  await assert.rejects(connectAgent({ readable: proc.stdout, writable: proc.stdin }, 'wrong'), (e: unknown) => isRpcError(e, RpcErrors.Unauthorized));
  // The wrong-token connection is closed by the agent, which in stdio mode ends it.
  assert.equal(await exited, 0);
  assert.match(stderr, /wrong token/);

  const proc2 = spawn(process.execPath, [agentJs, 'serve', '--stdio', '--runs-dir', path.join(dir, 'runs')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, SELFREWARD_AGENT_TOKEN: 'stdio-secret' },
  });
  const exited2 = new Promise<number | null>((r) => proc2.once('exit', (code) => r(code)));
  const c = await connectAgent({ readable: proc2.stdout, writable: proc2.stdin }, 'stdio-secret');
  const { run } = await c.request('runs/create', { config: simConfig('stdio') });
  assert.equal((await c.request('runs/list', {})).runs[0].id, run.id);
  proc2.stdin.end();
  assert.equal(await exited2, 0);
  // The run's lock was released on the way out.
  assert.ok(!fs.existsSync(path.join(run.dir, 'run.lock')));
  c.dispose();
});

test('attach bridges stdin/stdout to the daemon socket; the daemon outlives the bridge', async () => {
  const d = await spawnDaemon();
  const token = fs.readFileSync(d.tokenFile, 'utf8').trim();
  const bridge = spawn(process.execPath, [agentJs, 'attach', '--socket', d.socket], { stdio: ['pipe', 'pipe', 'pipe'] });
  const bridgeExit = new Promise<number | null>((r) => bridge.once('exit', (code) => r(code)));
  const c = await connectAgent({ readable: bridge.stdout, writable: bridge.stdin }, token, { client: 'via attach' });
  assert.equal(c.hello.pid, d.proc.pid);
  const { run } = await c.request('runs/create', { config: simConfig('attached') });
  const sub = await c.request('events/subscribe', { runId: run.id, afterSeq: 0 });
  assert.equal(sub.events[0].type, 'run.created');
  bridge.stdin.end(); // the SSH channel closes
  assert.equal(await bridgeExit, 0);
  const direct = await d.connect();
  assert.equal((await direct.request('runs/list', {})).runs.length, 1, 'daemon still serving');
  direct.dispose();
  c.dispose();

  const nowhere = spawnSync(process.execPath, [agentJs, 'attach', '--socket', path.join(path.dirname(d.socket), 'none.sock')], { encoding: 'utf8', input: '', timeout: 20_000 });
  assert.equal(nowhere.status, 1);
  assert.match(nowhere.stderr, /none\.sock/);
  await waitFor('daemon alive', () => d.proc.exitCode === null);
});
