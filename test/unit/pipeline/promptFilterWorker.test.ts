/** The prompt filter on its worker thread gives the in-line filter's verdicts, in attempt order, whatever flags the agent was started with. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { repoRoot, tmpDir } from '../../helpers/tmp';
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

test('the worker takes none of the process\'s flags: a bundled agent started with a preload (--import) still filters', async () => {
  // a preload that must not run in the worker; before, the worker inherited it (and a .ts preload failed there).
  // Bundled as the agent is, so the worker loads the bundle file (from source, tsx's eval worker differs).
  const dir = tmpDir();
  const preload = path.join(dir, 'mainOnly.mjs');
  fs.writeFileSync(preload, `import { isMainThread } from 'node:worker_threads';\nif (!isMainThread) throw new Error('preload ran in the filter worker');\n`);
  const params = validateConfig({ name: 'x', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }).prompts;
  const source = path.join(dir, 'check.ts');
  fs.writeFileSync(source, [
    `import { isMainThread } from 'node:worker_threads';`,
    `import { PromptFilterWorker } from ${JSON.stringify(path.join(repoRoot, 'remote', 'pipeline', 'promptFilterWorker'))};`,
    `if (isMainThread) {`,
    `  const w = new PromptFilterWorker({ params: ${JSON.stringify(params)}, seeds: ['How do I fix a squeaky door hinge?'], earlier: [], kept: [] });`,
    `  w.check(0, 'Plan a picnic for four friends in the park.', 'stop', []).then((v) => { console.log(JSON.stringify(v)); return w.close(); });`,
    `}`,
  ].join('\n'));
  const bundle = path.join(dir, 'check.js');
  await esbuild.build({ entryPoints: [source], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'warning' });
  const r = spawnSync(process.execPath, ['--import', preload, bundle], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { text: 'Plan a picnic for four friends in the park.' });
});
