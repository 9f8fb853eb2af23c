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
  assert.deepEqual(problems({ ...minimal, model: { backend: 'external', name: 'm' } }), [{ field: 'model.baseUrls', reason: 'is required for backend "external"' }]);
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
