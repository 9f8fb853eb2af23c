/**
 * The per-iteration evaluation on the simulated model (the demo's setting, with the sim as judge): after iteration 1
 * every model has its files under eval/ — win rate (winRate, lcWinRate, unreadable), multi-turn, judge agreement —
 * and M2 vs M1 its head-to-head; each is announced by an eval.finished event that the snapshot carries with the
 * file's own numbers; iteration 2 evaluates only what is new.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../../remote/config/config';
import { setQuiet } from '../../../remote/log';
import type { RunEvent } from '../../../remote/protocol';
import { RunStore } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { selectBackends } from '../../../remote/backends';
import { buildSnapshot } from '../../../remote/server/snapshot';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import type { WinRateRecord } from '../../../remote/eval/results';
import { tmpDir } from '../../helpers/tmp';

setQuiet(true);

test('eval.afterIteration: every model evaluated into eval/*.json, announced, carried by the snapshot', { timeout: 180_000 }, async () => {
  const store = new RunStore(tmpDir());
  const config = validateConfig({
    name: 'eval after iteration', seed: 3,
    model: { backend: 'sim', name: 'sim-base', sim: { zeroLatency: true } },
    seedData: [{ path: 'builtin:demo' }], prompts: { perIteration: 10 }, trainer: { backend: 'sim' },
    eval: {
      afterIteration: true, judge: { kind: 'self' },
      winRate: { maxPrompts: 8 }, multiTurn: { maxQuestions: 4 }, judgeAgreement: { maxGroups: 4, k: 1 }, headToHead: { maxPrompts: 8 },
    },
  });
  const run = store.create(config, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const events: RunEvent[] = [];
  run.events.onEvent((e) => events.push(e));
  const backends = selectBackends(config, run.dir);
  try {
    await runIteration(run, { signal: new AbortController().signal, backends, retryBaseDelayMs: 10 });
    const evalDir = path.join(run.dir, 'eval');
    const files = fs.readdirSync(evalDir).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(files, ['h2h-m2-vs-m1.json', 'judge-m1.json', 'judge-m2.json', 'mt-m1.json', 'mt-m2.json', 'winrate-m1.json', 'winrate-m2.json']);
    for (const m of ['m1', 'm2']) {
      const w = JSON.parse(fs.readFileSync(path.join(evalDir, `winrate-${m}.json`), 'utf8')) as WinRateRecord;
      assert.ok('winRate' in w.summary && 'lcWinRate' in w.summary && 'unreadable' in w.summary, 'the interface fields');
      assert.equal(w.summary.n, 8);
      assert.equal(w.summary.wins + w.summary.ties + w.summary.losses + w.summary.unreadable, 8);
      assert.equal(typeof w.summary.lcWinRate, 'number');
      assert.match(w.judgeLabel, /^self: M2/, 'the current model (M2) judged');
    }
    const m = run.readManifest(1)!;
    assert.equal(m.status, 'done');
    assert.equal(m.stages.evaluation?.status, 'done');
    assert.deepEqual(m.stages.evaluation?.counts, { evaluations: 7, failed: 0 });
    const finished = events.filter((e): e is Extract<RunEvent, { type: 'eval.finished' }> => e.type === 'eval.finished');
    assert.equal(finished.length, 7);
    assert.ok(events.findIndex((e) => e.type === 'iteration.finished') > events.findIndex((e) => e.type === 'eval.finished'), 'evaluated before the iteration is done');

    // the snapshot carries the files' own numbers
    const snap = buildSnapshot(run);
    assert.equal(snap.evals?.length, 7);
    for (const r of snap.evals!) {
      const onDisk = JSON.parse(fs.readFileSync(path.join(run.dir, r.file), 'utf8')) as { summary?: unknown; agreement?: unknown };
      const numbers = r.winRate ?? r.multiTurn ?? r.headToHead ?? r.judgeAgreement;
      assert.deepEqual(numbers, onDisk.summary ?? onDisk.agreement, r.file);
    }

    // iteration 2 evaluates M3 and M3 vs M2 only
    await runIteration(run, { signal: new AbortController().signal, backends, retryBaseDelayMs: 10 });
    const added = fs.readdirSync(evalDir).filter((f) => f.endsWith('.json') && !files.includes(f)).sort();
    assert.deepEqual(added, ['h2h-m3-vs-m2.json', 'judge-m3.json', 'mt-m3.json', 'winrate-m3.json']);
    assert.deepEqual(run.readManifest(2)!.stages.evaluation?.counts, { evaluations: 4, failed: 0 });
  } finally {
    await backends.inference.stop();
    run.close();
  }
});
