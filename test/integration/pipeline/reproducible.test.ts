/**
 * Issue #15 (7): the same config and seed give the same records in any run folder. The sim used to mix the model
 * id — for a trained checkpoint an absolute folder holding the run's timestamp — into its sampling seed, so two
 * runs in different folders parted from iteration 2 on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunStore } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';
import { diffIteration, fastConfig } from './files';

setQuiet(true);

test('two complete 2-iteration sim runs in different folders have identical records (ids, texts, scores, pairs, training rows)', { timeout: 180_000 }, async () => {
  const cfg = fastConfig();
  const a = new RunStore(tmpDir()).create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC, now: new Date('2030-01-01T00:00:00Z') });
  const b = new RunStore(tmpDir()).create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC, now: new Date('2031-06-15T12:34:56Z') });
  try {
    for (const run of [a, b]) {
      for (let t = 1; t <= 2; t++) assert.equal((await runIteration(run, { signal: new AbortController().signal })).iteration, t);
    }
    // The trap is there: the model iteration 2 runs is named by a different absolute folder in each run.
    assert.notEqual(a.modelFor(2)!.name, b.modelFor(2)!.name);
    for (const t of [1, 2]) {
      assert.ok(a.read(t, 'pairs').length > 0);
      assert.deepEqual(diffIteration(a.dir, b.dir, t), [], `iteration ${t}`);
    }
    // and the models trained from them are the same model
    const weights = (dir: string, t: number) => JSON.parse(fs.readFileSync(path.join(dir, 'iterations', String(t), 'train', 'output', 'sim-policy.json'), 'utf8')).weights;
    for (const t of [1, 2]) assert.deepEqual(weights(a.dir, t), weights(b.dir, t));
  } finally {
    a.close();
    b.close();
  }
});
