import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Feed, Limiter } from '../../../remote/inference/limiter';
import { fanOut, feedHighWater } from '../../../remote/pipeline/fanOut';

const never = new AbortController().signal;
const tick = () => new Promise((r) => setImmediate(r));

test('Limiter: at most max holders; priority 0 waiters are served before priority 1, each in arrival order', async () => {
  const l = new Limiter(2);
  await l.acquire(1, never);
  await l.acquire(1, never);
  const order: string[] = [];
  void l.acquire(1, never).then(() => order.push('judge-a'));
  void l.acquire(0, never).then(() => order.push('cand-a'));
  void l.acquire(1, never).then(() => order.push('judge-b'));
  void l.acquire(0, never).then(() => order.push('cand-b'));
  await tick();
  assert.deepEqual(order, [], 'nobody gets a slot while two are held');
  l.release();
  await tick();
  assert.deepEqual(order, ['cand-a']);
  l.release();
  l.release();
  l.release();
  await tick();
  assert.deepEqual(order, ['cand-a', 'cand-b', 'judge-a', 'judge-b']);
});

test('Limiter: an aborted waiter leaves the queue and does not take a slot', async () => {
  const l = new Limiter(1);
  await l.acquire(0, never);
  const ac = new AbortController();
  const waiting = l.acquire(0, ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  let got = false;
  void l.acquire(1, never).then(() => (got = true));
  l.release();
  await tick();
  assert.equal(got, true, 'the slot went to the live waiter');
});

test('Feed: takers wait for pushes; close releases them with undefined after the queue drains', async () => {
  const f = new Feed<number>();
  const first = f.take();
  f.push(1, 2);
  assert.equal(await first, 1);
  assert.equal(await f.take(), 2);
  const pending = f.take();
  f.push(3);
  f.close();
  assert.equal(await pending, 3);
  assert.equal(await f.take(), undefined);
  assert.equal(f.pushed, 3);
});

test('Limiter: while a favour condition holds its priority is served first', async () => {
  const l = new Limiter(1);
  await l.acquire(0, never);
  const order: string[] = [];
  let backlog = true;
  const undo = l.favour(1, () => backlog);
  void l.acquire(0, never).then(() => order.push('cand'));
  void l.acquire(1, never).then(() => order.push('judge'));
  l.release();
  await tick();
  assert.deepEqual(order, ['judge'], 'a backlog: the consumer goes first');
  backlog = false;
  l.release();
  await tick();
  assert.deepEqual(order, ['judge', 'cand']);
  undo();
});

test('Feed: the backlog counts what waits; a long queue is taken in order', async () => {
  const f = new Feed<number>();
  f.push(...Array.from({ length: 5000 }, (_, i) => i));
  assert.equal(f.backlog, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(await f.take(), i);
  assert.equal(f.backlog, 0);
  f.push(7);
  assert.equal(f.backlog, 1);
  assert.equal(await f.take(), 7);
});

test('fanOut: a consumer fed by a faster producer keeps the feed near its high-water mark, not the whole stage', async () => {
  // producer: 2,000 items, each request answers at once; consumer: each fed item takes a little longer
  const feed = new Feed<{ id: string }>();
  const limiter = new Limiter(8);
  let maxBacklog = 0;
  const answer = (n: number, ms: number) => ({
    chat: async () => {
      await new Promise((r) => setTimeout(r, ms));
      return { choices: Array.from({ length: n }, () => ({ text: 'x' })) };
    },
  });
  const progress = { add() {}, flush() {}, total: 0 } as never;
  const ac = new AbortController();
  const producer = fanOut<number, { id: string }>({
    items: Array.from({ length: 2000 }, (_, i) => i), n: 1, recordIds: (i) => [`p${i}`], durable: new Set(),
    request: () => ({ prompt: '', temperature: 0, topP: 1, maxTokens: 1, seed: 0 }), records: (i) => [{ id: `p${i}` }],
    write: (rs) => {
      feed.push(...rs);
      maxBacklog = Math.max(maxBacklog, feed.backlog);
    },
    client: answer(1, 0) as never, concurrency: 8, limiter: { limiter, priority: 0 }, progress, signal: ac.signal,
  }).finally(() => feed.close());
  const consumer = fanOut<{ id: string }, { id: string }>({
    items: feed, n: 1, recordIds: (c) => [`${c.id}-j`], durable: new Set(),
    request: () => ({ prompt: '', temperature: 0, topP: 1, maxTokens: 1, seed: 0 }), records: (c) => [{ id: `${c.id}-j` }],
    write: () => undefined, client: answer(1, 1) as never, concurrency: 8, limiter: { limiter, priority: 1 }, progress, signal: ac.signal,
  });
  await Promise.all([producer, consumer]);
  assert.equal(feed.pushed, 2000);
  assert.ok(maxBacklog <= feedHighWater(8) + 8 + 1, `backlog peaked at ${maxBacklog} (high-water ${feedHighWater(8)})`);
});
