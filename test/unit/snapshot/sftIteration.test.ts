/** Iteration 0 through the shared reducer and run store: its own stages, two models per iteration (by role), two trainings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunEvent, RunEventBody } from '../../../remote/protocol';
import { SFT_STAGES, STAGES } from '../../../remote/protocol';
import { applyEvents } from '../../../remote/snapshot/reducer';
import { RunStore } from '../../../remote/store/runStore';
import { validateConfig } from '../../../remote/config/config';
import { nextIteration } from '../../../remote/pipeline/iteration';
import { iterationLabel, modelLabel } from '../../../remote/modelNames';
import { tmpDir } from '../../helpers/tmp';
import { baseSnapshot } from '../../fixtures/dashboardEvents';

let seq = 0;
const ev = (body: RunEventBody): RunEvent => ({ seq: ++seq, ts: '2026-01-01T00:00:00Z', ...body }) as RunEvent;

test('iteration 0 shows the SFT stages; the SFT baseline and M1 sit side by side; the curve is the latest training', () => {
  const s = applyEvents(baseSnapshot(), [
    ev({ type: 'model.registered', iteration: 0, model: { iteration: 0, role: 'policy', name: 'm0', madeBy: 'base' } }),
    ev({ type: 'iteration.started', iteration: 0, modelIn: 'm0', rubricVersion: 1 }),
    ev({ type: 'stage.started', iteration: 0, stage: 'ift', total: 10 }),
    ev({ type: 'stage.finished', iteration: 0, stage: 'ift', counts: { kept: 8 }, durationMs: 5 }),
    ev({ type: 'train.metrics', iteration: 0, stage: 'sft-baseline', metrics: { step: 1, loss: 3 } }),
    ev({ type: 'train.metrics', iteration: 0, stage: 'sft-baseline', metrics: { step: 2, loss: 2 } }),
    ev({ type: 'model.registered', iteration: 1, model: { iteration: 1, role: 'sft-baseline', name: 'baseline', madeBy: 'sim-sft' } }),
    ev({ type: 'train.metrics', iteration: 0, stage: 'sft', metrics: { step: 1, loss: 5 } }),
    ev({ type: 'model.registered', iteration: 1, model: { iteration: 1, role: 'policy', name: 'm1', madeBy: 'sim-sft' } }),
  ]);
  const it0 = s.iterations[0];
  assert.deepEqual(it0.stages.map((st) => st.stage), [...SFT_STAGES]);
  assert.equal(it0.stages.find((st) => st.stage === 'ift')!.status, 'done');
  assert.deepEqual(it0.train, [{ step: 1, loss: 5 }], 'the M1 training replaced the baseline curve');
  assert.equal(it0.trainStage, 'sft');
  assert.deepEqual(s.models.map((m) => [m.iteration, m.role, m.name]), [[0, 'policy', 'm0'], [1, 'sft-baseline', 'baseline'], [1, 'policy', 'm1']]);
  assert.equal(it0.modelOut, 'm1', 'only the policy is the model iteration 0 makes');
  assert.deepEqual(s.models.map(modelLabel), ['M0', 'SFT baseline', 'M1']);
  // an AIFT iteration still has the AIFT stages
  const s2 = applyEvents(s, [ev({ type: 'iteration.started', iteration: 1, modelIn: 'm1', rubricVersion: 1 })]);
  assert.deepEqual(s2.iterations[1].stages.map((st) => st.stage), [...STAGES]);
  assert.equal(iterationLabel(0), 'iteration 0 · SFT');
  assert.equal(iterationLabel(2), 'iteration 2');
});

test('models.json: one entry per (iteration, role); modelFor returns the policy; a run with SFT starts at iteration 0', () => {
  const store = new RunStore(tmpDir());
  const config = (sft: boolean) => validateConfig({ name: 'roles', model: { backend: 'sim', name: 'sim-pretrained' }, seedData: [{ path: 'builtin:demo' }], sft: { enabled: sft } });
  const run = store.create(config(true), { agentVersion: 't', rubricText: 'r {{instruction}} {{response}}' });
  const plain = store.create(config(false), { agentVersion: 't', rubricText: 'r {{instruction}} {{response}}' });
  try {
    assert.deepEqual(run.models(), [{ iteration: 0, role: 'policy', name: 'sim-pretrained', madeBy: 'base' }]);
    assert.deepEqual(nextIteration(run), { t: 0, resume: false });
    assert.deepEqual(nextIteration(plain), { t: 1, resume: false }, 'without SFT model.name is M1, as before');
    run.registerModel({ iteration: 1, role: 'sft-baseline', name: 'b', madeBy: 'sim-sft' });
    run.registerModel({ iteration: 1, role: 'policy', name: 'm1', madeBy: 'sim-sft' });
    run.registerModel({ iteration: 1, role: 'policy', name: 'm1-again', madeBy: 'sim-sft' });
    assert.deepEqual(run.models().map((m) => [m.iteration, m.role, m.name]), [[0, 'policy', 'sim-pretrained'], [1, 'sft-baseline', 'b'], [1, 'policy', 'm1-again']]);
    assert.equal(run.modelFor(1)!.name, 'm1-again');
    assert.equal(run.modelFor(1, 'sft-baseline')!.name, 'b');
    assert.equal(run.modelFor(0)!.name, 'sim-pretrained');
    // entries written before roles existed are policies
    plain.registerModel({ iteration: 2, name: 'm2', madeBy: 'sim-train' });
    assert.equal(plain.modelFor(2)!.name, 'm2');
    assert.equal(plain.modelFor(2, 'sft-baseline'), undefined);
  } finally {
    run.close();
    plain.close();
  }
});
