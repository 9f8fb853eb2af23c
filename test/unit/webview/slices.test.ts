import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUntil, SliceQueue } from '../../../webview/components/slices';

/** A clock that advances by `step` every time it is read. */
function tickingClock(step: number): () => number {
  let t = 0;
  return () => (t += step);
}

test('SliceQueue hands items on in order, in slices, stopping at the deadline but always making progress', () => {
  const q = new SliceQueue<number>();
  q.push([0, 1, 2, 3, 4]);
  q.push([]);
  q.push([5, 6, 7, 8, 9, 10, 11]);
  assert.equal(q.pending, 12);
  const seen: number[][] = [];
  // The clock is past the deadline at once: exactly one slice runs.
  assert.equal(q.drain((xs) => seen.push([...xs]), 0, () => 1, 3), 3);
  assert.deepEqual(seen, [[0, 1, 2]]);
  assert.equal(q.pending, 9);
  // A slice never crosses a batch boundary; each clock read costs 1, deadline 2: two slices.
  assert.equal(q.drain((xs) => seen.push([...xs]), 2, tickingClock(1), 3), 5);
  assert.deepEqual(seen.slice(1), [[3, 4], [5, 6, 7]]);
  // Enough time: the rest, in order.
  q.drain((xs) => seen.push([...xs]), Infinity, () => 0, 3);
  assert.deepEqual(seen.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(q.pending, 0);
  assert.equal(q.drain(() => assert.fail('nothing queued'), Infinity, () => 0), 0);
  q.push([1, 2]);
  q.clear();
  assert.equal(q.pending, 0);
});

test('runUntil steps a job until the deadline and returns its result once done', () => {
  let steps = 0;
  function* job(): Generator<void, string> {
    for (let i = 0; i < 100; i++) {
      steps++;
      yield;
    }
    return 'done';
  }
  const j = job();
  // past the deadline from the start: one round of `every` steps
  assert.equal(runUntil(j, 0, () => 1, 10), undefined);
  assert.equal(steps, 10);
  assert.equal(runUntil(j, 3, tickingClock(1), 10), undefined);
  assert.equal(steps, 40, "clock reads 1, 2, 3: three rounds of 10");
  assert.deepEqual(runUntil(j, Infinity, () => 0, 10), { value: 'done' });
  assert.equal(steps, 100);
});
