/** The pairs requests through the real agent bundle (dist/agent.js serve --stdio) and the typed client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectAgent } from '../../../remote/rpc/client';
import { RunStore } from '../../../remote/store/runStore';
import { validateConfig } from '../../../remote/config/config';
import { readJsonl } from '../../../remote/store/jsonl';
import { setQuiet } from '../../../remote/log';
import type { PairDecision } from '../../../remote/protocol';
import { repoRoot, tmpDir } from '../../helpers/tmp';
import { writePairsFile } from '../../helpers/pairsFixture';

setQuiet(true);

test('agent daemon serves pairs/read, pairs/ids, pairs/decide (idempotent by id), review/state and review/complete', async () => {
  const dir = tmpDir();
  const runsDir = path.join(dir, 'runs');
  const store = new RunStore(runsDir);
  const run = store.create(validateConfig({ name: 'agent pairs', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }], review: { gate: true } }), { agentVersion: 't', rubricText: 'r' });
  fs.mkdirSync(run.iterationDir(1), { recursive: true });
  writePairsFile(run.filePath(1, 'pairs'), 30);
  const judgment = (candidateId: string, sample: number) => ({ id: `${candidateId}-${sample}`, candidateId, promptId: 'q', iteration: 1, sample, text: `why ${sample}`, score: 3, parseOk: true, rubricHash: 'h' });
  fs.writeFileSync(run.filePath(1, 'judgments'), [judgment('c1a', 1), judgment('x', 0), judgment('c1a', 0), judgment('c1b', 0)].map((x) => JSON.stringify(x)).join('\n') + '\n');
  const runId = run.id;
  run.close();
  // Gate off in the run's config, turned on for iteration 1 by Start Next Iteration: its manifest decides.
  const run2 = store.create(validateConfig({ name: 'gate override', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 't', rubricText: 'r' });
  run2.writeManifest({ iteration: 1, modelIn: 'sim-base', rubric: { version: 1, hash: 'h', text: 'r' }, seed: 1, params: { ...run2.config, review: { ...run2.config.review, gate: true } }, stages: {}, status: 'waiting', startedAt: new Date().toISOString() } as unknown as Parameters<typeof run2.writeManifest>[0]);
  const run2Id = run2.id;
  run2.close();

  const token = 'test-token-' + Date.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'agent.js'), 'serve', '--stdio', '--runs-dir', runsDir], { env: { ...process.env, SELFREWARD_AGENT_TOKEN: token }, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const rpc = await connectAgent({ readable: child.stdout, writable: child.stdin }, token, { client: 'pairs-test' });
    const page = await rpc.request('pairs/read', { runId, iteration: 1, offset: 25, limit: 10, filter: { withParseFailures: true } });
    assert.deepEqual({ total: page.total, matched: page.matched, ids: page.pairs.map((p) => p.id) }, { total: 30, matched: 3, ids: [] });
    const first = await rpc.request('pairs/read', { runId, iteration: 1, offset: 0, limit: 2 });
    assert.deepEqual(first.pairs.map((p) => [p.id, p.review?.state]), [['p0', 'unreviewed'], ['p1', 'unreviewed']]);
    const decisions: PairDecision[] = [
      { pairId: 'p0', kind: 'accept', ts: new Date().toISOString(), id: 'd1' },
      { pairId: 'p1', kind: 'flip', ts: new Date().toISOString(), id: 'd2' },
    ];
    assert.deepEqual(await rpc.request('pairs/decide', { runId, iteration: 1, decisions }), { applied: 2 });
    assert.deepEqual(await rpc.request('pairs/decide', { runId, iteration: 1, decisions }), { applied: 0 }, 're-sent ids are not applied twice');
    await assert.rejects(rpc.request('pairs/decide', { runId, iteration: 1, decisions: [{ pairId: 'p2', kind: 'nope', ts: 'x' } as unknown as PairDecision] }), /field "kind"/);
    await assert.rejects(rpc.request('pairs/read', { runId, iteration: 9, offset: 0, limit: 1 }), /no pairs yet/);
    const ids = await rpc.request('pairs/ids', { runId, iteration: 1, filter: { unreviewedOnly: true } });
    assert.equal(ids.pairs.length, 28);
    const js = await rpc.request('pairs/judgments', { runId, iteration: 1, candidateIds: ['c1a', 'c1b'] });
    assert.deepEqual(js.judgments.map((j) => j.id), ['c1a-0', 'c1a-1', 'c1b-0']);
    assert.deepEqual(await rpc.request('review/state', { runId, iteration: 1 }), { gate: true, complete: false });
    assert.deepEqual(await rpc.request('review/state', { runId: run2Id, iteration: 1 }), { gate: true, complete: false }, "the iteration's own gate, not the run config's");
    assert.deepEqual(await rpc.request('review/complete', { runId, iteration: 1 }), { accepted: 2, rejected: 0 });
    assert.deepEqual(await rpc.request('review/state', { runId, iteration: 1 }), { gate: true, complete: true });
    const events = await rpc.request('events/read', { runId, afterSeq: 0, limit: 1000 });
    assert.deepEqual(events.events.filter((e) => e.type === 'review.decision' || e.type === 'review.completed').map((e) => e.type), ['review.decision', 'review.decision', 'review.completed']);
    rpc.dispose();
  } finally {
    child.stdin.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
  const onDisk = readJsonl<PairDecision>(path.join(runsDir, runId, 'iterations', '1', 'decisions.jsonl'));
  assert.deepEqual(onDisk.map((d) => d.id), ['d1', 'd2']);
  assert.ok(fs.existsSync(path.join(runsDir, runId, 'iterations', '1', 'review-complete.json')));
});
