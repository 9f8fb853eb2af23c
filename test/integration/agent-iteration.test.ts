import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent } from '../../remote/protocol';
import { RpcErrors } from '../../remote/protocol';
import { isRpcError, type AgentRpc } from '../../remote/rpc/client';
import { simConfig, spawnDaemon, waitFor } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';

/** A sim run small enough for a test, slow enough to interrupt. */
const cfg = (name: string) =>
  simConfig(name, {
    model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 16, tokensPerSecond: 3000, ttftMs: 5 } },
    prompts: { perIteration: 24 },
    inference: { concurrency: 16 },
  });

/** Everything a client saw of a run's stream: backlog pages + pushes, in arrival order. */
class Stream {
  events: RunEvent[] = [];
  constructor(readonly runId: string) {}
  attach(c: AgentRpc): void {
    c.onNotification('events/push', (p) => p.runId === this.runId && this.events.push(...p.events));
  }
  get last(): number {
    return this.events.length ? this.events[this.events.length - 1].seq : 0;
  }
  /** subscribe after the last seen seq, paging the backlog, the way the extension's client does */
  async resubscribe(c: AgentRpc): Promise<void> {
    const pushed: RunEvent[] = [];
    c.onNotification('events/push', (p) => p.runId === this.runId && pushed.push(...p.events));
    const from = this.last;
    const sub = await c.request('events/subscribe', { runId: this.runId, afterSeq: from, limit: 50 });
    const backlog = [...sub.events];
    let after = backlog.length ? backlog[backlog.length - 1].seq : from;
    let more = sub.more;
    while (more) {
      const r = await c.request('events/read', { runId: this.runId, afterSeq: after, limit: 50 });
      backlog.push(...r.events.filter((e) => e.seq <= sub.snapshot.seq));
      after = r.events[r.events.length - 1].seq;
      more = after < sub.snapshot.seq;
    }
    this.events.push(...backlog);
    // From now on live pushes land directly; the ones that came while paging go after the backlog.
    this.events.push(...pushed.splice(0));
    this.attach(c);
    c.onNotification('events/push', () => pushed.splice(0));
  }
}

function assertGapFree(events: RunEvent[], from: number): void {
  events.forEach((e, i) => assert.equal(e.seq, from + i, `event #${i} has seq ${e.seq}, expected ${from + i}`));
}

test('an iteration runs in the daemon while clients come and go; every client sees every event exactly once', async () => {
  const d = await spawnDaemon();
  const a = await d.connect('a');
  const { run } = await a.request('runs/create', { config: cfg('live') });
  const sa = new Stream(run.id);
  sa.attach(a);
  await a.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  let b = await d.connect('b');
  const sb = new Stream(run.id);
  sb.attach(b);
  await b.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  const { iteration } = await a.request('iteration/start', { runId: run.id });
  assert.equal(iteration, 1);
  await assert.rejects(b.request('iteration/start', { runId: run.id }), (e: unknown) => isRpcError(e, RpcErrors.RunBusy));
  // b drops twice mid-iteration and comes back with afterSeq.
  for (let drop = 0; drop < 2; drop++) {
    const mark = sb.last;
    await waitFor('more events for b', () => sb.last > mark + 30, 30_000);
    b.dispose();
    await new Promise((r) => setTimeout(r, 150));
    b = await d.connect('b again');
    await sb.resubscribe(b);
  }
  const done = (s: Stream) => s.events.find((e) => e.type === 'iteration.finished' || e.type === 'iteration.failed');
  const fin = await waitFor('iteration end on a', () => done(sa), 60_000);
  assert.equal(fin.type, 'iteration.finished', JSON.stringify(fin));
  await waitFor('iteration end on b', () => done(sb), 10_000);
  await waitFor('b caught up', () => sb.last >= sa.last);
  assertGapFree(sa.events, run.lastSeq + 1);
  assertGapFree(sb.events, run.lastSeq + 1);
  assert.deepEqual(sb.events.map((e) => e.seq), sa.events.map((e) => e.seq));
  const snap = await a.request('runs/snapshot', { runId: run.id });
  assert.equal(snap.iterations[0].status, 'done');
  assert.equal(snap.seq, sa.last);
  assert.ok(sa.events.some((e) => e.type === 'judgment'));
  // The pairs group is served by the same daemon, on the same open run.
  const page = await b.request('pairs/read', { runId: run.id, iteration: 1, offset: 0, limit: 10 });
  assert.equal(page.total, snap.iterations[0].summary!.pairs);
  assert.equal(page.pairs.length, Math.min(10, page.total));
  a.dispose();
  b.dispose();
});

test('kill -9 of the daemon mid-iteration: a restarted daemon resumes the iteration to the end', async () => {
  const dir = tmpDir();
  const d1 = await spawnDaemon(dir);
  const c1 = await d1.connect();
  const { run } = await c1.request('runs/create', { config: cfg('crash') });
  const s = new Stream(run.id);
  s.attach(c1);
  await c1.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  await c1.request('iteration/start', { runId: run.id });
  await waitFor('judgments under way', () => s.events.some((e) => e.type === 'judgment'), 30_000);
  d1.proc.kill('SIGKILL');
  await d1.exited;
  c1.dispose();

  const d2 = await spawnDaemon(dir);
  const c2 = await d2.connect();
  const before = await c2.request('runs/snapshot', { runId: run.id });
  assert.equal(before.iterations[0].status, 'stopped', 'the cut-off iteration shows as stopped, not running');
  // ... because the restarted daemon wrote it into the log, so every client's reducer agrees.
  const tail = await c2.request('events/read', { runId: run.id, afterSeq: before.seq - 1, limit: 1 });
  assert.equal(tail.events[0].type, 'iteration.stopped');
  const s2 = new Stream(run.id);
  s2.attach(c2);
  await c2.request('events/subscribe', { runId: run.id, afterSeq: before.seq });
  const { iteration } = await c2.request('iteration/start', { runId: run.id });
  assert.equal(iteration, 1, 'the unfinished iteration is resumed, not a new one started');
  const fin = await waitFor('resumed iteration end', () => s2.events.find((e) => e.type === 'iteration.finished' || e.type === 'iteration.failed'), 60_000);
  assert.equal(fin.type, 'iteration.finished', JSON.stringify(fin));
  assertGapFree(s2.events, before.seq + 1);
  // Judgments made before the kill are not made again.
  const judged = new Set(s.events.filter((e) => e.type === 'judgment').map((e) => (e as { record: { id: string } }).record.id));
  const again = s2.events.filter((e) => e.type === 'judgment' && judged.has((e as { record: { id: string } }).record.id));
  assert.equal(again.length, 0, 'no judgment repeated after the restart');
  c2.dispose();
});

test('preview/judge streams K results per sample and a done; a newer preview supersedes; cancel stops one', async () => {
  const d = await spawnDaemon();
  const c = await d.connect();
  const { run } = await c.request('runs/create', { config: cfg('preview') });
  const results = new Map<string, number>();
  const done = new Map<string, { cancelled: boolean; error?: string }>();
  c.onNotification('preview/result', (r) => results.set(r.previewId, (results.get(r.previewId) ?? 0) + 1));
  c.onNotification('preview/done', (r) => done.set(r.previewId, r));
  const samples = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, prompt: `Explain topic ${i} briefly.`, answer: `Topic ${i} is explained here in a few words.` }));
  const rubric = (await c.request('rubric/get', { runId: run.id })).text;
  const r1 = await c.request('preview/judge', { previewId: 'p1', runId: run.id, rubric, samples, k: 3 });
  assert.equal(r1.accepted, 18);
  await waitFor('p1 done', () => done.get('p1'), 30_000);
  assert.deepEqual(done.get('p1'), { previewId: 'p1', cancelled: false });
  assert.equal(results.get('p1'), 18);

  const many = Array.from({ length: 200 }, (_, i) => ({ id: `m${i}`, prompt: `Write a long essay on subject ${i}.`, answer: `An essay ${i}. `.repeat(40) }));
  await c.request('preview/judge', { previewId: 'p2', runId: run.id, rubric, samples: many, k: 3 });
  await c.request('preview/judge', { previewId: 'p3', runId: run.id, rubric: rubric + '\n', samples: many, k: 3 });
  const p2 = await waitFor('p2 superseded', () => done.get('p2'), 30_000);
  assert.equal(p2.cancelled, true);
  assert.deepEqual(await c.request('preview/cancel', { previewId: 'p3' }), { cancelled: true });
  const p3 = await waitFor('p3 cancelled', () => done.get('p3'), 30_000);
  assert.equal(p3.cancelled, true);
  assert.ok((results.get('p3') ?? 0) < 600, 'cancelled before finishing');

  // Different slots (the rubric preview's baseline and draft) run side by side: neither supersedes the other.
  await c.request('preview/judge', { previewId: 'base', runId: run.id, rubric, samples, k: 3, slot: 'baseline' });
  await c.request('preview/judge', { previewId: 'draft', runId: run.id, rubric: rubric + '\n', samples, k: 3, slot: 'draft' });
  for (const id of ['base', 'draft']) {
    assert.deepEqual(await waitFor(`${id} done`, () => done.get(id), 30_000), { previewId: id, cancelled: false });
    assert.equal(results.get(id), 18);
  }
  c.dispose();
});

test('agent/shutdown mid-iteration stops it cleanly (stopped in the log and manifest, lock released) and exits; iteration/stop likewise', async () => {
  const d = await spawnDaemon();
  const c = await d.connect();
  const { run } = await c.request('runs/create', { config: cfg('shutdown') });
  const s = new Stream(run.id);
  s.attach(c);
  await c.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  await c.request('iteration/start', { runId: run.id });
  await waitFor('under way', () => s.events.some((e) => e.type === 'candidate'), 30_000);
  assert.deepEqual(await c.request('iteration/stop', { runId: run.id }), { stopped: true });
  // iteration/stop answers once the iteration has stopped: the daemon's state says so already.
  assert.equal((await c.request('runs/snapshot', { runId: run.id })).iterations[0].status, 'stopped');
  assert.deepEqual(await c.request('iteration/stop', { runId: run.id }), { stopped: false });
  await c.request('iteration/start', { runId: run.id });
  await waitFor('under way again', () => s.events.filter((e) => e.type === 'iteration.started').length === 2, 30_000);
  await c.request('agent/shutdown', {});
  assert.equal(await d.exited, 0);
  const fs = await import('node:fs');
  const path = await import('node:path');
  const manifest = JSON.parse(fs.readFileSync(path.join(run.dir, 'iterations', '1', 'manifest.json'), 'utf8')) as { status: string };
  assert.equal(manifest.status, 'stopped');
  assert.ok(!fs.existsSync(path.join(run.dir, 'run.lock')), 'lock released');
  const lines = fs.readFileSync(path.join(run.dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
  assert.equal(lines.filter((e) => e.type === 'iteration.stopped').length, 2);
  c.dispose();
});
