/**
 * The review gate end to end: an iteration with the gate on stops before training; the pairs are reviewed through
 * the editor's document model against the agent's pairs handlers; completing the review releases training, whose
 * input train.jsonl holds exactly the accepted pairs (flips and edits applied) — the same rows the export writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunStore } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { PairsService, exportPairs } from '../../../remote/review/pairsService';
import { readJsonl } from '../../../remote/store/jsonl';
import { setQuiet } from '../../../remote/log';
import { AgentPairsBackend } from '../../../src/pairs/backend';
import { PairsEditModel } from '../../../src/pairs/model';
import { tmpDir } from '../../helpers/tmp';
import { inProcessAgent } from '../../helpers/inProcessAgent';
import { fastConfig } from '../pipeline/files';
import { trlRow } from '../../../remote/backends/rows';

setQuiet(true);

test('gate on: training waits for the review and trains on exactly the accepted set', async () => {
  const dir = tmpDir();
  const store = new RunStore(path.join(dir, 'runs'));
  const run = store.create(fastConfig({ review: { gate: true } }), { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const agent = inProcessAgent(run, store);
  let reviewed: Promise<void> | undefined;
  let expected: { prompt: string; chosen: string; rejected: string }[] = [];
  run.events.onEvent((e) => {
    if (e.type !== 'review.waiting') return;
    reviewed = (async () => {
      const backend = new AgentPairsBackend(() => agent, run.id, 1, path.join(dir, 'queue.jsonl'));
      assert.deepEqual(await backend.gate(), { gate: true, complete: false });
      const model = new PairsEditModel(backend);
      const page = await model.page(0, 1000);
      assert.ok(page.total >= 8, `enough pairs to review (${page.total})`);
      const ps = page.pairs;
      // accept 0,1 · reject 2 · flip 3 · edit 4 (then accept) · 5 rejected then accepted · 6 accepted then undone · rest unreviewed
      model.apply('a', [{ pairId: ps[0].id, kind: 'accept' }]);
      model.apply('a', [{ pairId: ps[1].id, kind: 'accept' }]);
      model.apply('r', [{ pairId: ps[2].id, kind: 'reject' }]);
      model.apply('f', [{ pairId: ps[3].id, kind: 'flip' }]);
      model.apply('e', [{ pairId: ps[4].id, kind: 'edit', chosenText: 'an edited, better answer' }]);
      model.apply('a', [{ pairId: ps[4].id, kind: 'accept' }]);
      model.apply('r', [{ pairId: ps[5].id, kind: 'reject' }]);
      model.apply('a', [{ pairId: ps[5].id, kind: 'accept' }]);
      model.apply('a', [{ pairId: ps[6].id, kind: 'accept' }]);
      model.undo();
      await model.save();
      expected = [
        { prompt: ps[0].prompt, chosen: ps[0].chosen.text, rejected: ps[0].rejected.text },
        { prompt: ps[1].prompt, chosen: ps[1].chosen.text, rejected: ps[1].rejected.text },
        { prompt: ps[3].prompt, chosen: ps[3].rejected.text, rejected: ps[3].chosen.text },
        { prompt: ps[4].prompt, chosen: 'an edited, better answer', rejected: ps[4].rejected.text },
        { prompt: ps[5].prompt, chosen: ps[5].chosen.text, rejected: ps[5].rejected.text },
      ];
      // Not released before the review is completed.
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(fs.existsSync(path.join(run.iterationDir(1), 'train', 'train.jsonl')), false, 'training waits');
      assert.deepEqual(await backend.completeReview(), { accepted: 5, rejected: 1 });
    })();
  });
  await runIteration(run, { signal: new AbortController().signal });
  assert.ok(reviewed, 'the iteration waited for review');
  await reviewed;
  const trainInput = readJsonl<Record<string, unknown>>(path.join(run.iterationDir(1), 'train', 'train.jsonl'));
  assert.equal(trainInput.length, 5, 'count: exactly the accepted pairs');
  // conversational rows, the default rowFormat
  assert.deepEqual(trainInput, expected.map((t) => trlRow(t, 'conversational')), 'content: flips and edits applied, rejected and unreviewed left out');

  // The export of the same review (TRL conversational, reviewed only) is the same dataset.
  const service = new PairsService(run.filePath(1, 'pairs'), run.filePath(1, 'decisions'));
  const out = path.join(dir, 'export.jsonl');
  await exportPairs(service.entries(), 'trl-conversational', out, { reviewedOnly: true, provenance: { run: run.id } });
  assert.deepEqual(readJsonl(out), trainInput);
  service.close();
  run.close();
});
