/**
 * The sim's judge is trainable by judge pairs, and measurably so: from the same M1 and seed, two iterations with
 * the meta-judge raise the judge's agreement with the human rankings (the EFT eval split, the same groups, the same
 * K as the loop, repeated measurements) more than two without — which leave the judge as it was. The demo runs the
 * same functions at full size (`agent.js demo --meta-rewarding`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../remote/config/config';
import { RunStore } from '../../remote/store/runStore';
import { runIterations } from '../../remote/cli/run';
import { DEMO_SIM } from '../../remote/cli/demo';
import { measureJudges, metaLabel, runMetaArm } from '../../remote/cli/demoMeta';
import { readAgreements } from '../../remote/pipeline/agreement';
import { selectBackends } from '../../remote/backends/index';
import { loadPolicy, judgeParamsOf } from '../../remote/backends/sim/policy';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { setQuiet } from '../../remote/log';
import type { ModelEntry } from '../../remote/protocol';
import * as path from 'node:path';
import { tmpDir } from '../helpers/tmp';

setQuiet(true);

test('two iterations with meta-rewarding raise sim-judge agreement with people more than two without (same M1, same seed)', { timeout: 600_000 }, async (t) => {
  const store = new RunStore(tmpDir());
  const config = validateConfig({
    name: 'meta-claim',
    seed: 1,
    model: { backend: 'sim', name: 'sim-pretrained', sim: DEMO_SIM },
    seedData: [{ path: 'builtin:demo' }, { path: 'builtin:ranked' }],
    prompts: { perIteration: 100 },
    trainer: { backend: 'sim' },
    sft: { enabled: true, ift: { maxExamples: 200 } },
  });
  const run = store.create(config, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const signal = new AbortController().signal;
  const rows = await runIterations(run, { iterations: 3, signal });
  const backends = selectBackends(run.config, run.dir);
  try {
    const ours = [run.modelFor(1)!, ...rows.filter((r) => r.iteration > 0).map((r) => run.modelFor(r.iteration + 1)!)];
    await measureJudges(run, backends.inference, ours.map((model) => ({ model })), { repeats: 6, signal });
    const arm = await runMetaArm(run, store, { iterations: 2, agentVersion: 't', rubricText: DEFAULT_RUBRIC, signal });
    assert.ok(arm.rows.every((r) => (r.judgePairs ?? 0) > 0 && (r.judgeRows ?? 0) > 0), 'the meta arm made and trained on judge pairs');
    assert.equal(arm.run.modelFor(1)!.name, path.resolve(run.dir, run.modelFor(1)!.path!), 'the meta arm starts from the same M1');
    assert.equal(arm.run.config.seed, run.config.seed);
    const theirs = arm.rows.map((r) => arm.run.modelFor(r.iteration + 1)!) as ModelEntry[];
    await measureJudges(run, backends.inference, theirs.map((model) => ({ model, label: metaLabel(model) })), { repeats: 6, signal });
    const acc = new Map(readAgreements(run).map((r) => [r.label, r.agreement.pairwiseAccuracy!]));
    const without = acc.get('M3')! - acc.get('M1')!;
    const withMeta = acc.get('M3 · meta')! - acc.get('M1')!;
    t.diagnostic(`pairwise accuracy M1 ${acc.get('M1')}; M3 without ${acc.get('M3')}; M2/M3 with ${acc.get('M2 · meta')} / ${acc.get('M3 · meta')}`);
    // without a meta-judge the judge is passed on unchanged (and judged with the same draws): no change at all
    assert.equal(without, 0, `without meta-rewarding: ${acc.get('M1')} → ${acc.get('M3')}`);
    assert.deepEqual(judgeParamsOf(loadPolicy(path.resolve(run.dir, run.modelFor(3)!.path!))), judgeParamsOf(loadPolicy(path.resolve(run.dir, run.modelFor(1)!.path!))));
    assert.ok(withMeta > without, `with meta-rewarding: ${acc.get('M1')} → ${acc.get('M3 · meta')} (${withMeta}); without: ${without}`);
    // what changed: the judge collapses less and assesses less noisily (its perception is not trained by judge pairs)
    const j1 = judgeParamsOf(loadPolicy(path.resolve(run.dir, run.modelFor(1)!.path!)));
    const j3 = judgeParamsOf(loadPolicy(theirs[theirs.length - 1].path!));
    assert.ok(j3.collapse < j1.collapse && j3.noise < j1.noise, JSON.stringify({ j1: [j1.collapse, j1.noise], j3: [j3.collapse, j3.noise] }));
    assert.deepEqual(j3.perception, j1.perception);
  } finally {
    await backends.inference.stop();
    run.close();
  }
});
