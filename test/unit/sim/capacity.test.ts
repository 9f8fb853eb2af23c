/** The capacity model: C sequence slots, FIFO queueing (no overtaking), n-choice requests, aborts, decoding. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CapacityModel } from '../../../remote/backends/sim/capacity';

const tick = () => new Promise((r) => setImmediate(r));

test('requests beyond C wait in FIFO order; a big request at the head is not overtaken by small ones', async () => {
  const cap = new CapacityModel({ maxConcurrency: 2, tokensPerSecond: 100, ttftMs: 0, zeroLatency: false });
  const order: string[] = [];
  assert.equal(await cap.acquire(1), 1);
  assert.equal(await cap.acquire(1), 1);
  const big = cap.acquire(4).then((n) => order.push(`big:${n}`));
  const small = cap.acquire(1).then((n) => order.push(`small:${n}`));
  await tick();
  assert.deepEqual(order, []);
  assert.equal(cap.queued, 2);
  cap.release(1);
  await tick();
  assert.deepEqual(order, [], 'one free slot is not enough for the head (n capped at C = 2), and the next may not overtake');
  cap.release(1);
  await big;
  assert.deepEqual(order, ['big:2']);
  cap.release(2);
  await small;
  assert.deepEqual(order, ['big:2', 'small:1']);
  assert.equal(cap.inUse, 1);
});

test('an aborted waiter leaves the queue and lets the next one through', async () => {
  const cap = new CapacityModel({ maxConcurrency: 1, tokensPerSecond: 100, ttftMs: 0, zeroLatency: false });
  await cap.acquire(1);
  const ctl = new AbortController();
  const a = cap.acquire(1, ctl.signal);
  const b = cap.acquire(1);
  ctl.abort();
  await assert.rejects(a, /aborted/);
  cap.release(1);
  assert.equal(await b, 1);
  assert.equal(cap.queued, 0);
});

test('decode hands out every token once, in order; zero latency emits at once', async () => {
  const cap = new CapacityModel({ maxConcurrency: 1, tokensPerSecond: 2000, ttftMs: 1, zeroLatency: false });
  const ranges: [number, number][] = [];
  await cap.decode(37, (a, b) => ranges.push([a, b]));
  assert.equal(ranges[0][0], 0);
  assert.equal(ranges[ranges.length - 1][1], 37);
  for (let i = 1; i < ranges.length; i++) assert.equal(ranges[i][0], ranges[i - 1][1]);
  const zero = new CapacityModel({ maxConcurrency: 1, tokensPerSecond: 1, ttftMs: 10_000, zeroLatency: true });
  const z: [number, number][] = [];
  await zero.decode(5, (a, b) => z.push([a, b]));
  assert.deepEqual(z, [[0, 5]]);
});
