import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simConfig, startInProcessDaemon, waitFor } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';
import { CHECKPOINT_FILE } from '../../remote/server/snapshot';

test('a reopened run has the same snapshot as the live one: from the checkpoint, and from the log alone', async () => {
  const dir = tmpDir();
  const d1 = await startInProcessDaemon(dir);
  const c1 = await d1.connect();
  const { run } = await c1.request('runs/create', {
    config: simConfig('snap', { model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 64, tokensPerSecond: 50000, ttftMs: 1 } }, prompts: { perIteration: 12 } }),
  });
  await c1.request('iteration/start', { runId: run.id });
  const live = await waitFor('iteration done', async () => {
    const s = await c1.request('runs/snapshot', { runId: run.id });
    return s.iterations[0]?.status === 'done' && s;
  }, 60_000);
  assert.ok(live.iterations[0].train.length > 0, 'training metrics are part of the snapshot');
  assert.ok(live.iterations[0].stages.every((s) => s.status === 'done' || s.stage === 'review'));
  assert.ok(live.iterations[0].stages.find((s) => s.stage === 'judgments')!.done > 0);
  c1.dispose();
  await d1.close();
  assert.ok(fs.existsSync(path.join(run.dir, CHECKPOINT_FILE)), 'checkpoint written');

  const d2 = await startInProcessDaemon(dir);
  const c2 = await d2.connect();
  const fromCheckpoint = await c2.request('runs/snapshot', { runId: run.id });
  assert.deepEqual(fromCheckpoint, live);
  c2.dispose();
  await d2.close();

  fs.rmSync(path.join(run.dir, CHECKPOINT_FILE));
  const d3 = await startInProcessDaemon(dir);
  const c3 = await d3.connect();
  assert.deepEqual(await c3.request('runs/snapshot', { runId: run.id }), live);
  const listed = (await c3.request('runs/list', {})).runs;
  assert.deepEqual(listed[0], live.run);
  c3.dispose();
});
