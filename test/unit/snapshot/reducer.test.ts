import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent, RunEventBody, RunSnapshot } from '../../../remote/protocol';
import { applyEvents } from '../../../remote/snapshot/reducer';
import { stagesOf } from '../../../remote/protocol';

function base(): RunSnapshot {
  return {
    run: { id: 'r', name: 'r', dir: '/x', createdAt: '2026-01-01T00:00:00Z', iterations: 0, status: 'idle', lastSeq: 0 },
    config: {} as RunSnapshot['config'],
    iterations: [],
    models: [],
    rubricVersions: [],
    seq: 0,
  };
}

let seq = 0;
const ev = (body: RunEventBody): RunEvent => ({ seq: ++seq, ts: '2026-01-01T00:00:00Z', ...body }) as RunEvent;

test('applyEvent follows an iteration through its stages without mutating its input', () => {
  seq = 0;
  const s0 = base();
  const frozen = JSON.stringify(s0);
  const events = [
    ev({ type: 'model.registered', iteration: 1, model: { iteration: 1, name: 'm1', madeBy: 'base' } }),
    ev({ type: 'rubric.version', version: 1, hash: 'h1' }),
    ev({ type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1 }),
    ev({ type: 'stage.started', iteration: 1, stage: 'prompts', total: 10 }),
    ev({ type: 'stage.progress', iteration: 1, stage: 'prompts', done: 4, total: 10, failed: 1, ratePerSec: 2, etaSec: 3 }),
  ];
  const s1 = applyEvents(s0, events);
  assert.equal(JSON.stringify(s0), frozen, 'input untouched');
  assert.equal(s1.seq, 5);
  assert.equal(s1.run.lastSeq, 5);
  assert.equal(s1.run.status, 'running');
  assert.equal(s1.run.iterations, 1);
  const prompts = s1.iterations[0].stages.find((s) => s.stage === 'prompts')!;
  assert.deepEqual([prompts.status, prompts.done, prompts.total, prompts.failed], ['running', 4, 10, 1]);
  assert.deepEqual(s1.models.map((m) => m.name), ['m1']);
  assert.deepEqual(s1.rubricVersions, [{ version: 1, hash: 'h1' }]);

  const s2 = applyEvents(s1, [
    ev({ type: 'stage.finished', iteration: 1, stage: 'prompts', counts: { kept: 9 }, durationMs: 5 }),
    ev({ type: 'review.waiting', iteration: 1, pairs: 7 }),
  ]);
  assert.equal(s2.run.status, 'waiting');
  assert.equal(s2.iterations[0].stages.find((s) => s.stage === 'prompts')!.status, 'done');
  assert.equal(s2.iterations[0].stages.find((s) => s.stage === 'review')!.total, 7);
  // Unchanged stages are shared, not copied.
  assert.equal(s2.iterations[0].stages.find((s) => s.stage === 'training'), s1.iterations[0].stages.find((s) => s.stage === 'training'));

  const s3 = applyEvents(s2, [
    ev({ type: 'review.completed', iteration: 1, accepted: 6, rejected: 1 }),
    ev({ type: 'stage.started', iteration: 1, stage: 'training', total: 3 }),
    ev({ type: 'train.metrics', iteration: 1, metrics: { step: 2, loss: 0.6 } }),
    ev({ type: 'train.metrics', iteration: 1, metrics: { step: 1, loss: 0.7 } }),
    ev({ type: 'train.metrics', iteration: 1, metrics: { step: 2, loss: 0.5 } }),
    ev({ type: 'model.registered', iteration: 2, model: { iteration: 2, name: 'm2', madeBy: 'sim-train' } }),
    ev({ type: 'iteration.stopped', iteration: 1, stage: 'training' }),
  ]);
  const it = s3.iterations[0];
  assert.equal(it.status, 'stopped');
  assert.equal(it.modelOut, 'm2');
  assert.deepEqual(it.train.map((m) => [m.step, m.loss]), [[1, 0.7], [2, 0.5]]);
  assert.equal(it.stages.find((s) => s.stage === 'training')!.status, 'stopped');
  assert.equal(it.stages.find((s) => s.stage === 'review')!.status, 'done');
  assert.equal(s3.run.status, 'idle');
});

test('events at or before the snapshot seq are ignored (replaying an overlap is harmless)', () => {
  seq = 0;
  const a = ev({ type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1 });
  const b = ev({ type: 'iteration.failed', iteration: 1, error: 'boom' });
  const once = applyEvents(base(), [a, b]);
  const twice = applyEvents(once, [a, b]);
  assert.equal(twice, once);
  assert.equal(once.run.status, 'failed');
});

test('a finished iteration carries its summary and output model', () => {
  seq = 0;
  const summary = { iteration: 1, promptsKept: 3, promptsDropped: {}, candidates: 12, judgments: 36, parseFailures: 0, parseFailureRate: 0, ties: 0, pairs: 3, pairsDropped: {}, meanChosenScore: 4, meanRejectedScore: 2, meanCandidateChars: 100, failedItems: 0, modelOut: 'M2', modelOutPath: 'm2' };
  const s = applyEvents(base(), [ev({ type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1 }), ev({ type: 'iteration.finished', iteration: 1, summary })]);
  assert.equal(s.iterations[0].status, 'done');
  assert.equal(s.iterations[0].modelOut, 'm2');
  assert.equal(s.iterations[0].summary?.pairs, 3);
});

test('an iteration starts with its kind\'s stages pending; finished stages keep their counts; unplanned stages are added', () => {
  seq = 0;
  const s = applyEvents(base(), [
    ev({ type: 'iteration.started', iteration: 0, modelIn: 'm0', rubricVersion: 1 }),
    ev({ type: 'stage.started', iteration: 0, stage: 'sft', total: 10 }),
    ev({ type: 'stage.finished', iteration: 0, stage: 'sft', counts: { rows: 10, excluded: 0 }, durationMs: 5 }),
    ev({ type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1 }),
    ev({ type: 'stage.started', iteration: 1, stage: 'prompts', total: 4 }),
    ev({ type: 'stage.started', iteration: 1, stage: 'eval' as never, total: 2 }),
  ]);
  const sft = s.iterations[0].stages.find((st) => st.stage === 'sft')!;
  assert.deepEqual([sft.status, sft.counts], ['done', { rows: 10, excluded: 0 }]);
  assert.ok(s.iterations[0].stages.every((st) => st.stage === 'sft' || st.status === 'pending'));
  assert.deepEqual(s.iterations[1].stages.map((st) => [st.stage, st.status]).slice(0, 2), [['prompts', 'running'], ['candidates', 'pending']]);
  assert.equal(s.iterations[1].stages.at(-1)!.stage, 'eval', 'a stage outside the plan is added when it starts');
});

test('models are kept per (iteration, role); only a policy model is the previous iteration\'s output', () => {
  seq = 0;
  const s = applyEvents(base(), [
    ev({ type: 'iteration.started', iteration: 0, modelIn: 'm0', rubricVersion: 1 }),
    ev({ type: 'model.registered', iteration: 1, model: { iteration: 1, name: 'sft-ift', path: '/r/sft-baseline', madeBy: 'sim-sft', role: 'sft-baseline' } }),
    ev({ type: 'model.registered', iteration: 1, model: { iteration: 1, name: 'm1', path: '/r/m1', madeBy: 'sim-sft' } }),
    ev({ type: 'run.renamed', name: 'renamed' }),
  ]);
  assert.deepEqual(s.models.map((m) => [m.name, m.role ?? 'policy']), [['sft-ift', 'sft-baseline'], ['m1', 'policy']]);
  assert.equal(s.iterations[0].modelOut, '/r/m1');
  assert.equal(s.run.name, 'renamed');
});

test('an iteration lists only the stages it will run: no review without the gate, the meta-judge when on; a resume keeps what its stages hold', () => {
  seq = 0;
  const params = (gate: boolean, meta: boolean) => ({ review: { gate }, ...(meta ? { metaJudge: { enabled: true } as never } : {}) });
  assert.deepEqual(stagesOf(1, params(false, false)), ['prompts', 'candidates', 'judgments', 'pairs', 'training']);
  assert.deepEqual(stagesOf(2, params(true, true)), ['prompts', 'candidates', 'judgments', 'meta-judge', 'pairs', 'review', 'training']);
  assert.deepEqual(stagesOf(0, params(true, true)), ['ift', 'sft-baseline', 'eft', 'sft', 'agreement']);
  const s = applyEvents(base(), [
    ev({ type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1, stages: [...stagesOf(1, params(false, false))] }),
    ev({ type: 'stage.started', iteration: 1, stage: 'prompts', total: 4 }),
    ev({ type: 'stage.finished', iteration: 1, stage: 'prompts', counts: { kept: 4, attempts: 5 }, durationMs: 5 }),
    ev({ type: 'stage.started', iteration: 1, stage: 'selection', total: 2 }),
    // resumed: the same plan again
    ev({ type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1, stages: [...stagesOf(1, params(false, false))] }),
  ]);
  const stages = s.iterations[0].stages;
  assert.deepEqual(stages.map((st) => st.stage), ['prompts', 'candidates', 'judgments', 'pairs', 'training', 'selection']);
  assert.deepEqual([stages[0].status, stages[0].counts], ['done', { kept: 4, attempts: 5 }]);
});
