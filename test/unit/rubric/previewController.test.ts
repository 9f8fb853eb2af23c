import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PreviewResult, PreviewSample, RequestParams } from '../../../remote/protocol';
import { PreviewController, type PreviewClock, type PreviewEvent } from '../../../src/rubric/previewController';

/** A clock whose time only moves when the test says so. */
class FakeClock implements PreviewClock {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

const samples: PreviewSample[] = [
  { id: 's1', prompt: 'p1', answer: 'a1', baselineScore: 3 },
  { id: 's2', prompt: 'p2', answer: 'a2', baselineScore: 4 },
];

function setup(debounceMs = 700) {
  const clock = new FakeClock();
  const calls: RequestParams<'preview/judge'>[] = [];
  const cancels: string[] = [];
  const events: PreviewEvent[] = [];
  let n = 0;
  const ctl = new PreviewController({
    agent: {
      judge: async (p) => {
        calls.push(p);
        return { previewId: p.previewId, accepted: p.samples.length };
      },
      cancel: async (id) => {
        cancels.push(id);
        return { cancelled: true };
      },
    },
    debounceMs,
    k: 3,
    runId: 'run-1',
    clock,
    newId: () => `p${++n}`,
    onEvent: (e) => events.push(e),
  });
  ctl.setSamples(samples, undefined);
  const result = (previewId: string, sampleId: string, score: number): PreviewResult => ({ previewId, sampleId, sample: 0, score, parseOk: true, text: `Score: ${score}` });
  return { clock, calls, cancels, events, ctl, result };
}

test('a burst of edits yields one preview for the settled text, after the debounce', () => {
  const { clock, calls, ctl } = setup();
  for (const [i, t] of ['a', 'ab', 'abc', 'abcd'].entries()) {
    ctl.textChanged(t);
    clock.advance(i < 3 ? 200 : 0);
  }
  clock.advance(699);
  assert.equal(calls.length, 0, 'nothing sent before the text is still for 700 ms');
  clock.advance(1);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].rubric, 'abcd');
  assert.equal(calls[0].k, 3);
  assert.equal(calls[0].runId, 'run-1');
  assert.deepEqual(calls[0].samples.map((s) => s.id), ['s1', 's2']);
  clock.advance(5000);
  assert.equal(calls.length, 1, 'no further preview without a further edit');
});

test('a newer text cancels the older run and its late results are dropped', () => {
  const { clock, calls, cancels, events, ctl, result } = setup();
  ctl.textChanged('first');
  clock.advance(700);
  const first = calls[0].previewId;
  assert.equal(ctl.handleResult(result(first, 's1', 2)), true, 'the current run shows its results');
  ctl.textChanged('second');
  clock.advance(700);
  const second = calls[1].previewId;
  assert.notEqual(first, second);
  assert.deepEqual(cancels, [first], 'the unfinished older run is cancelled');
  // The agent was slow: results of the first text arrive after the second run started.
  assert.equal(ctl.handleResult(result(first, 's2', 5)), false);
  ctl.handleDone({ previewId: first, cancelled: true });
  assert.equal(ctl.handleResult(result(second, 's1', 4)), true);
  const shown = events.filter((e): e is Extract<PreviewEvent, { kind: 'result' }> => e.kind === 'result');
  assert.deepEqual(shown.map((e) => [e.result.previewId, e.result.sampleId, e.result.score]), [[first, 's1', 2], [second, 's1', 4]]);
  assert.equal(events.filter((e) => e.kind === 'done').length, 0, 'the older run\'s done is not shown either');
});

test('save runs at once, folds the pending debounce, and the same text is not judged twice', () => {
  const { clock, calls, cancels, ctl } = setup();
  ctl.textChanged('draft');
  clock.advance(100);
  ctl.saved('draft');
  assert.equal(calls.length, 1);
  clock.advance(2000);
  assert.equal(calls.length, 1, 'the pending debounce was folded into the save');
  ctl.saved('draft');
  ctl.textChanged('draft');
  clock.advance(700);
  assert.equal(calls.length, 1, 'one preview per settled text');
  assert.deepEqual(cancels, []);
  ctl.handleDone({ previewId: calls[0].previewId, cancelled: false });
  ctl.textChanged('draft 2');
  clock.advance(700);
  assert.equal(calls.length, 2);
  assert.deepEqual(cancels, [], 'a finished run is not cancelled');
});

test('randomised edit bursts: every settled text previewed once, no stale result ever shown', () => {
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const { clock, calls, events, ctl, result } = setup(700);
  const textOf = new Map<string, string>();
  const settled: string[] = [];
  const inflight: { id: string; at: number; sampleId: string }[] = [];
  let text = '';
  let lastEdit = 0;
  for (let step = 0; step < 400; step++) {
    const dt = Math.floor(rand() * (rand() < 0.8 ? 300 : 1500));
    // deliver results that are due during this interval, in time order, interleaved with the clock
    const end = clock.t + dt;
    for (;;) {
      inflight.sort((a, b) => a.at - b.at);
      const due = inflight[0];
      if (!due || due.at > end) break;
      inflight.shift();
      clock.advance(due.at - clock.t);
      ctl.handleResult(result(due.id, due.sampleId, 3));
    }
    clock.advance(end - clock.t);
    for (const c of calls.slice(textOf.size)) {
      textOf.set(c.previewId, c.rubric);
      // each sample's result arrives 50..2000 ms after the request
      for (const s of c.samples) inflight.push({ id: c.previewId, at: clock.t + 50 + Math.floor(rand() * 1950), sampleId: s.id });
    }
    if (clock.t - lastEdit >= 700 && text && settled[settled.length - 1] !== text) settled.push(text);
    text += String.fromCharCode(97 + Math.floor(rand() * 26));
    ctl.textChanged(text);
    lastEdit = clock.t;
  }
  clock.advance(700);
  settled.push(text);
  for (const c of calls.slice(textOf.size)) textOf.set(c.previewId, c.rubric);
  assert.deepEqual(calls.map((c) => c.rubric), settled, 'exactly one preview per settled text, in order');
  let current: string | undefined;
  let shownResults = 0;
  for (const e of events) {
    if (e.kind === 'start' && e.role === 'draft') current = e.previewId;
    if (e.kind === 'result') {
      shownResults++;
      assert.equal(e.result.previewId, current, 'a shown result belongs to the newest preview');
    }
  }
  assert.ok(shownResults > 0 && calls.length > 10, `the scenario exercised the controller (${calls.length} previews, ${shownResults} results)`);
});

test('a baseline run judges labelled samples under the rubric in use, once per set', () => {
  const { calls, ctl, events, result } = setup();
  const labelled: PreviewSample[] = [
    { id: 'l1', prompt: 'q', answer: 'x', humanRank: 1, group: 'g' },
    { id: 'l2', prompt: 'q', answer: 'y', humanRank: 2, group: 'g' },
    { id: 'pin', prompt: 'q2', answer: 'z', baselineScore: 2 },
  ];
  ctl.setSamples(labelled, 'RUBRIC IN USE', 'DRAFT');
  assert.deepEqual(calls.map((c) => [c.rubric, c.samples.map((s) => s.id).join(',')]), [
    ['RUBRIC IN USE', 'l1,l2'],
    ['DRAFT', 'l1,l2,pin'],
  ]);
  assert.equal(ctl.handleResult(result(calls[0].previewId, 'l1', 4)), true);
  const roles = events.filter((e) => e.kind === 'result').map((e) => e.role);
  assert.deepEqual(roles, ['baseline']);
});

test('a failed request ends the run with its error', async () => {
  const events: PreviewEvent[] = [];
  const clock = new FakeClock();
  const ctl = new PreviewController({
    agent: { judge: async () => { throw new Error('agent offline'); }, cancel: async () => undefined },
    debounceMs: 10, k: 1, clock, onEvent: (e) => events.push(e),
  });
  ctl.setSamples(samples, undefined, 'text');
  await new Promise((r) => setImmediate(r));
  const done = events.find((e) => e.kind === 'done');
  assert.ok(done && done.kind === 'done');
  assert.equal(done.error, 'agent offline');
});
