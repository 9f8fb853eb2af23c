import '../../helpers/vscodeStub';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ITERATION_PARAMS, describeOverrides, overridesFrom } from '../../../src/commands/iterationParams';
import { validateConfig } from '../../../remote/config/config';
import { deepMerge } from '../../../remote/pipeline/iteration';
import type { RunConfig } from '../../../remote/protocol';

test('Start Next Iteration can turn the meta-judge on for one iteration; the agent fills the rest from the defaults', () => {
  assert.ok(ITERATION_PARAMS.some((p) => p.section === 'metaJudge' && p.field === 'enabled'));
  const config = validateConfig({ name: 'x', seed: 1, model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });
  assert.equal(config.metaJudge?.enabled, false, 'off by default');
  const o = overridesFrom(config, { 'metaJudge.enabled': true, 'metaJudge.maxJudgeShare': 0.25 });
  assert.deepEqual(o, { metaJudge: { enabled: true, maxJudgeShare: 0.25 } });
  assert.match(describeOverrides(o), /Meta-judge .* = on, Judge pairs: at most this share of training rows = 0.25/);
  const merged = validateConfig(deepMerge(config, o), 'overrides');
  assert.equal(merged.metaJudge?.enabled, true);
  assert.equal(merged.metaJudge?.candidatesPerPrompt, 1);
  // a run made before the meta-judge existed has no metaJudge section: the same override turns it on
  const { metaJudge: _m, ...old } = config;
  const mergedOld = validateConfig(deepMerge(old as RunConfig, o), 'overrides');
  assert.equal(mergedOld.metaJudge?.enabled, true);
  assert.equal(mergedOld.metaJudge?.maxJudgeShare, 0.25);
  // and it needs K ≥ 2
  assert.throws(() => validateConfig({ ...config, judge: { ...config.judge, k: 1 }, metaJudge: { enabled: true } }), /metaJudge.enabled.*judge.k of at least 2/);
});
