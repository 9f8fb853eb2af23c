import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PlanError, accelerateNumProcesses, batchPlan, dropoutPlan, findModelConfig, schedulePlan } from '../../../remote/backends/trainingPlan';
import { tmpDir } from '../../helpers/tmp';

test('global batch → per-device × accumulation for 1, 2 and 8 processes; pinned per-device or accumulation; refusals name the fields', () => {
  assert.deepEqual(batchPlan({ batchSize: 16 }, 1, 'visible GPUs'), { processes: 1, processesFrom: 'visible GPUs', perDevice: 2, gradientAccumulation: 8, effective: 16 });
  assert.deepEqual(batchPlan({ batchSize: 16 }, 2, 'visible GPUs').gradientAccumulation, 4);
  assert.deepEqual(batchPlan({ batchSize: 16 }, 8, 'visible GPUs').gradientAccumulation, 1);
  assert.deepEqual(batchPlan({ batchSize: 16 }, 16, 'trainer.processes'), { processes: 16, processesFrom: 'trainer.processes', perDevice: 1, gradientAccumulation: 1, effective: 16 });
  assert.equal(batchPlan({ batchSize: 16, perDeviceBatchSize: 4 }, 2, 'visible GPUs').gradientAccumulation, 2);
  assert.equal(batchPlan({ batchSize: 16, gradientAccumulationSteps: 8 }, 2, 'visible GPUs').perDevice, 1);
  assert.throws(() => batchPlan({ batchSize: 16, perDeviceBatchSize: 3 }, 2, 'visible GPUs'), (e: Error) => e instanceof PlanError && /trainer\.perDeviceBatchSize \(3\) does not divide 8/.test(e.message));
  assert.throws(() => batchPlan({ batchSize: 16, perDeviceBatchSize: 2, gradientAccumulationSteps: 2 }, 2, 'visible GPUs'), /× 2 processes = 8, not trainer\.batchSize \(16\)/);
  assert.throws(() => batchPlan({ batchSize: 16 }, 3, 'accelerate config'), /not a multiple of the 3 training processes \(accelerate config\)/);
});

test('the LR floor: linear → polynomial power 1 to lr_end; cosine → cosine_with_min_lr; 0 → the plain schedule', () => {
  assert.deepEqual(schedulePlan({ lrScheduler: 'linear', learningRate: 1e-6, minLearningRate: 1e-7 }), { type: 'polynomial', kwargs: { lr_end: 1e-7, power: 1 }, from: 1e-6, to: 1e-7 });
  assert.deepEqual(schedulePlan({ lrScheduler: 'cosine', learningRate: 5.5e-6, minLearningRate: 1.1e-6 }), { type: 'cosine_with_min_lr', kwargs: { min_lr: 1.1e-6 }, from: 5.5e-6, to: 1.1e-6 });
  assert.deepEqual(schedulePlan({ lrScheduler: 'linear', learningRate: 1e-6, minLearningRate: 0 }), { type: 'linear', from: 1e-6, to: 0 });
  assert.deepEqual(schedulePlan({ lrScheduler: 'constant', learningRate: 1e-6, minLearningRate: 1e-7 }), { type: 'constant', from: 1e-6, to: 1e-6 });
});

test('accelerate num_processes and the model config (folder or Hugging Face cache) for dropout attributes', () => {
  const dir = tmpDir();
  const acc = path.join(dir, 'a.yaml');
  fs.writeFileSync(acc, 'compute_environment: LOCAL_MACHINE\nnum_processes: 8\nnum_machines: 1\n');
  assert.equal(accelerateNumProcesses(acc), 8);
  fs.writeFileSync(acc, 'num_processes: -1\n');
  assert.equal(accelerateNumProcesses(acc), undefined);
  assert.throws(() => accelerateNumProcesses(path.join(dir, 'missing.yaml')), /trainer\.accelerateConfig: cannot read/);
  const hub = path.join(dir, 'hub', 'models--org--gpt', 'snapshots', 'abc');
  fs.mkdirSync(hub, { recursive: true });
  fs.writeFileSync(path.join(hub, 'config.json'), JSON.stringify({ resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1, summary_first_dropout: 0.1, n_embd: 8 }));
  const env = { HF_HUB_CACHE: path.join(dir, 'hub') };
  assert.equal(findModelConfig('org/gpt', env), path.join(hub, 'config.json'));
  assert.deepEqual(dropoutPlan(0.1, 'org/gpt', env).attributes, ['attn_pdrop', 'embd_pdrop', 'resid_pdrop']);
  assert.deepEqual(dropoutPlan(0.1, 'org/unknown', env).attributes, []);
  assert.match(dropoutPlan(0.1, 'org/unknown', env).source, /trained without dropout/);
});
