import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Feed, Limiter } from '../../../remote/inference/limiter';

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
