import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfigFile, validateConfig } from '../../remote/config/config';
import { tmpDir } from '../helpers/tmp';

const minimal = { name: 'r', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] };

test('defaults are filled in from the schema (the paper\'s numbers)', () => {
  const c = validateConfig(minimal);
  assert.equal(c.candidates.n, 4);
  assert.equal(c.candidates.temperature, 0.7);
  assert.equal(c.judge.k, 3);
  assert.equal(c.prompts.fewShot, 8);
  assert.equal(c.prompts.temperature, 0.6);
  assert.equal(c.prompts.rougeThreshold, 0.7);
  assert.equal(c.trainer.beta, 0.1);
  assert.equal(c.pairs.rho, 0);
  assert.equal(c.inference.concurrency, 128);
});

function problems(raw: unknown): { field: string; reason: string }[] {
  try {
    validateConfig(raw, 'cfg.json');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /^cfg\.json: invalid run config/);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

test('config errors name the field and the reason', () => {
  assert.deepEqual(problems({ ...minimal, candidates: { n: 1 } }), [{ field: 'candidates.n', reason: 'must be >= 2' }]);
  assert.deepEqual(problems({ ...minimal, model: { backend: 'gpu', name: 'm' } }), [
    { field: 'model.backend', reason: 'must be one of "sim", "external", "vllm", "openai"' },
  ]);
  assert.deepEqual(problems({ ...minimal, judge: { k: 3, temprature: 1 } }), [{ field: 'judge.temprature', reason: 'unknown field' }]);
  assert.deepEqual(problems({ name: 'r', model: { backend: 'sim', name: 'm' } }), [{ field: 'seedData', reason: 'is required' }]);
  assert.deepEqual(problems({ ...minimal, pairs: { rho: 1.5 } }), [{ field: 'pairs.rho', reason: 'must be <= 1' }]);
  assert.deepEqual(problems({ ...minimal, model: { backend: 'external', name: 'm' }, trainer: { backend: 'trl' } }), [{ field: 'model.baseUrls', reason: 'is required for backend "external"' }]);
  assert.deepEqual(problems({ ...minimal, prompts: { minChars: 50, maxChars: 10 } }), [{ field: 'prompts.minChars', reason: 'must be less than prompts.maxChars (10)' }]);
});

test('loadConfigFile reports JSON syntax errors with line:column and resolves relative paths', () => {
  const dir = tmpDir();
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{\n  "name": "x",\n  "model": oops\n}');
  assert.throws(() => loadConfigFile(bad), (e: Error) => e.message.startsWith(`${bad}:3:`));
  const good = path.join(dir, 'selfreward.run.json');
  fs.writeFileSync(good, JSON.stringify({ ...minimal, seedData: [{ path: 'seeds/a.jsonl' }], judge: { rubricFile: 'rubric.md' } }));
  const c = loadConfigFile(good);
  assert.equal(c.seedData[0].path, path.join(dir, 'seeds/a.jsonl'));
  assert.equal(c.judge.rubricFile, path.join(dir, 'rubric.md'));
});

test('no silent simulation: the trainer defaults to the model backend\'s own; sim trains only sim; mixing is refused naming both fields', () => {
  assert.equal(validateConfig(minimal).trainer.backend, 'sim');
  assert.equal(validateConfig({ ...minimal, model: { backend: 'vllm', name: 'org/m' } }).trainer.backend, 'trl');
  assert.equal(validateConfig({ ...minimal, model: { backend: 'openai', name: 'gpt-4.1-mini' } }).trainer.backend, 'openai');
  const ext = { backend: 'external', name: 'm', baseUrls: ['http://127.0.0.1:8000/v1'] };
  // external: no default at all (the agent does not run that server)
  const [req] = problems({ ...minimal, model: ext });
  assert.equal(req.field, 'trainer.backend');
  assert.match(req.reason, /is required with model\.backend "external"/);
  // the New Run… case of the issue: an external model with the simulated trainer
  const [mix] = problems({ ...minimal, model: ext, trainer: { backend: 'sim' } });
  assert.equal(mix.field, 'trainer.backend');
  assert.match(mix.reason, /"sim" \(the simulated trainer\) cannot train a real model: model\.backend is "external"/);
  const [rev] = problems({ ...minimal, trainer: { backend: 'trl' } });
  assert.match(rev.reason, /"trl" cannot train the simulated model: model\.backend is "sim"/);
  const [oa] = problems({ ...minimal, model: { backend: 'vllm', name: 'org/m' }, trainer: { backend: 'openai' } });
  assert.match(oa.reason, /"openai" needs model\.backend "openai" or "external".*not model\.backend "vllm"/);
  assert.equal(validateConfig({ ...minimal, model: ext, trainer: { backend: 'trl' } }).trainer.backend, 'trl');
});

test('trainer defaults are the paper\'s (global batch 16, 1e-6 → 1e-7, dropout 0.1) and rows are conversational', () => {
  const t = validateConfig({ ...minimal, model: { backend: 'vllm', name: 'org/m' } }).trainer;
  assert.deepEqual([t.batchSize, t.learningRate, t.minLearningRate, t.dropout, t.rowFormat, t.lrScheduler, t.gradientAccumulationSteps], [16, 1e-6, 1e-7, 0.1, 'conversational', 'linear', undefined]);
});

test('trainer cross-field checks: the floor below the rate, processes with a launcher, a global batch the processes divide', () => {
  const vllm = { ...minimal, model: { backend: 'vllm', name: 'org/m' } };
  assert.deepEqual(problems({ ...vllm, trainer: { learningRate: 1e-6, minLearningRate: 1e-6 } }), [{ field: 'trainer.minLearningRate', reason: 'must be less than trainer.learningRate (0.000001)' }]);
  assert.deepEqual(problems({ ...vllm, trainer: { launcherPrefix: ['srun'] } }), [
    { field: 'trainer.processes', reason: 'is required with trainer.launcher and no trainer.accelerateConfig (the agent cannot see the GPUs of the node the job runs on)' },
  ]);
  assert.deepEqual(problems({ ...vllm, trainer: { processes: 3 } }), [{ field: 'trainer.batchSize', reason: '(16, the global batch) must be a multiple of trainer.processes (3)' }]);
  assert.deepEqual(problems({ ...vllm, trainer: { lora: { r: 16, alpha: 32.5 } } }), [{ field: 'trainer.lora.alpha', reason: 'must be integer' }]);
  validateConfig({ ...vllm, trainer: { launcherPrefix: ['srun'], processes: 8 } });
});
