/** runs/rename and runs/delete on a real daemon: the name reaches every subscriber; a running run is not deleted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { RpcErrors, type RunEvent } from '../../remote/protocol';
import { isRpcError } from '../../remote/rpc/client';
import { simConfig, startInProcessDaemon, waitFor } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';

test('rename: run.json and every view of the run take the new name; bad names are refused naming the field', async () => {
  const d = await startInProcessDaemon(tmpDir('selfreward-admin-'));
  const c = await d.connect();
  try {
    const { run } = await c.request('runs/create', { config: simConfig('first name') });
    const pushed: RunEvent[] = [];
    c.onNotification('events/push', (p) => pushed.push(...p.events));
    await c.request('events/subscribe', { runId: run.id, afterSeq: 0 });
    const r = await c.request('runs/rename', { runId: run.id, name: '  second name ' });
    assert.equal(r.run.name, 'second name');
    assert.equal(JSON.parse(fs.readFileSync(`${run.dir}/run.json`, 'utf8')).name, 'second name');
    await waitFor('the rename pushed', () => pushed.some((e) => e.type === 'run.renamed'));
    assert.equal((await c.request('runs/snapshot', { runId: run.id })).run.name, 'second name');
    assert.equal((await c.request('runs/list', {})).runs.find((x) => x.id === run.id)?.name, 'second name');
    await assert.rejects(c.request('runs/rename', { runId: run.id, name: '../x' }), (e: unknown) => isRpcError(e) && e.code === RpcErrors.InvalidConfig && /"name"/.test(e.message));
  } finally {
    c.dispose();
  }
});

test('delete: refused while an iteration runs; afterwards the folder is gone and the run is no longer listed', async () => {
  const d = await startInProcessDaemon(tmpDir('selfreward-admin-'));
  const c = await d.connect();
  try {
    const slow = simConfig('slow', { model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 2, tokensPerSecond: 50, ttftMs: 50 } }, prompts: { perIteration: 50 } });
    const { run } = await c.request('runs/create', { config: slow });
    await c.request('iteration/start', { runId: run.id });
    await assert.rejects(c.request('runs/delete', { runId: run.id }), (e: unknown) => isRpcError(e) && e.code === RpcErrors.RunBusy && /stop it/.test(e.message));
    assert.ok(fs.existsSync(run.dir));
    await c.request('iteration/stop', { runId: run.id });
    assert.deepEqual(await c.request('runs/delete', { runId: run.id }), { deleted: true });
    assert.equal(fs.existsSync(run.dir), false);
    assert.equal((await c.request('runs/list', {})).runs.some((x) => x.id === run.id), false);
    await assert.rejects(c.request('runs/delete', { runId: run.id }), (e: unknown) => isRpcError(e) && e.code === RpcErrors.RunNotFound);
  } finally {
    c.dispose();
  }
});
