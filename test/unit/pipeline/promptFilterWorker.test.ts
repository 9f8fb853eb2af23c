/** The prompt filter on its worker thread gives the in-line filter's verdicts, in attempt order. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromptFilter, type PromptFilterInit } from '../../../remote/pipeline/promptFilter';
import { PromptFilterWorker } from '../../../remote/pipeline/promptFilterWorker';
import { validateConfig } from '../../../remote/config/config';
import { writeInstruction } from '../../../remote/backends/sim/instructions';
import { Rng, hashSeed } from '../../../remote/backends/sim/rng';
import { DEMO_SEED } from '../../../remote/seed/builtin/demo';

test('worker verdicts equal the in-line filter\'s for 1,500 attempts sent at once; after close, checks fail', async () => {
  const params = validateConfig({ name: 'x', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }).prompts;
  const seeds = DEMO_SEED.map((d) => d.instruction);
  const init: PromptFilterInit = { params, seeds, earlier: [], kept: [] };
  const attempts = Array.from({ length: 1500 }, (_, n) => {
    const rng = new Rng(hashSeed('worker', n));
    const shots = rng.sample(seeds, 8);
    // repeats of earlier attempts too, so later verdicts depend on what was kept before
    return { raw: n % 7 === 3 ? `${writeInstruction(shots, new Rng(hashSeed('worker', n - 3)))}` : writeInstruction(shots, rng), shots };
  });
  const inline = new PromptFilter(init);
  const want = attempts.map((a) => inline.check(a.raw, 'stop', a.shots));
  const worker = new PromptFilterWorker(init);
  const got = await Promise.all(attempts.map((a, n) => worker.check(n, a.raw, 'stop', a.shots)));
  assert.deepEqual(got, want);
  assert.ok(want.some((v) => v.drop === 'near_duplicate') && want.some((v) => !v.drop));
  await worker.close();
  await assert.rejects(worker.check(1500, 'Plan a picnic for four friends.', 'stop', []), /closed/);
});
