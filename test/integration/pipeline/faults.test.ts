import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunStore } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';
import { fastConfig } from './files';

setQuiet(true);

test('with the sim server faults on (429, 5xx, cut responses, malformed bodies) the iteration completes; failed items are counted and named', { timeout: 600_000 }, async () => {
  const cfg = fastConfig({
    // No hung responses here: telling a hung request from a slow one takes a timeout, and on a loaded machine any
    // timeout short enough for a test also cuts slow answers (hangs are covered where that is deterministic:
    // test/unit/pipeline/inference.test.ts). A long timeout, so only the injected faults fail requests.
    model: { sim: { faults: { rate429: 0.08, rate500: 0.1, rateCut: 0.08, rateMalformed: 0.08 } } },
    // few retries so some items exhaust them
    inference: { maxRetries: 2, requestTimeoutMs: 120_000, concurrency: 32 },
    // within a generous failure budget the failed items are final and recorded (the budget itself: outage.test.ts)
    failureBudget: { prompts: 0.5, candidates: 0.5, judgments: 0.5 },
  });
  const store = new RunStore(tmpDir());
  const run = store.create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const s = await runIteration(run, { signal: new AbortController().signal, retryBaseDelayMs: 20 });
  const prompts = run.read(1, 'prompts');
  const cands = run.read(1, 'candidates');
  const judgments = run.read(1, 'judgments');
  const failed = [...prompts, ...cands, ...judgments].filter((r) => r.error);
  // ~34 % of attempts fault; with 2 retries about 4 % of items fail for good
  assert.ok(failed.length > 0, 'some items failed after every retry');
  assert.equal(s.failedItems, failed.length);
  for (const r of failed) assert.match(r.error!, /HTTP (429|500)|timed out|malformed|terminated|Connection error|JSON|socket|other side closed/i, `named reason: ${r.error}`);
  // failed records are not silently dropped, and do not poison the data
  for (const p of prompts.filter((x) => x.error)) assert.equal(p.dropReason, 'failed');
  for (const c of cands.filter((x) => x.error)) assert.equal(c.text, '');
  for (const j of judgments.filter((x) => x.error)) assert.equal(j.score, null);
  assert.equal(judgments.length, cands.filter((c) => !c.error).length * cfg.judge.k, 'failed candidates are not judged');
  assert.equal(s.promptsKept, cfg.prompts.perIteration);
  for (const p of run.read(1, 'pairs')) assert.ok(p.chosen.score > p.rejected.score);
  const m = run.readManifest(1)!;
  assert.equal(m.status, 'done');
  const stageFailed = (m.stages.prompts!.counts.failed ?? 0) + (m.stages.candidates!.counts.failed ?? 0) + (m.stages.judgments!.counts.failed ?? 0);
  assert.equal(stageFailed, failed.length, 'the manifest counts them per stage');
  run.close();
});
