import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { trlRow } from '../../../remote/backends/rows';
import { RunStore } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { DEFAULT_RUBRIC, rubricHash } from '../../../remote/rubric/template';
import { setQuiet } from '../../../remote/log';
import { completeReview } from '../../../remote/review/gate';
import { previewJudge } from '../../../remote/pipeline/preview';
import { loadSeed } from '../../../remote/seed/index';
import { startSimServer } from '../../../remote/backends/sim/server';
import type { RunEvent } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';
import { diffIteration, fastConfig } from './files';

setQuiet(true);
const never = () => new AbortController().signal;

test('a full iteration against the sim server writes consistent files', async () => {
  const store = new RunStore(tmpDir());
  const cfg = fastConfig();
  const run = store.create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const events: RunEvent[] = [];
  run.events.onEvent((e) => events.push(e));
  const s = await runIteration(run, { signal: never() });
  const t = 1;
  const prompts = run.read(t, 'prompts');
  const cands = run.read(t, 'candidates');
  const judgments = run.read(t, 'judgments');
  const pairs = run.read(t, 'pairs');
  const m = run.readManifest(t)!;

  // prompts: every attempt recorded; counts add up with the drop reasons
  const kept = prompts.filter((p) => p.kept);
  assert.equal(kept.length, cfg.prompts.perIteration);
  assert.equal(s.promptsKept, kept.length);
  const dropped = Object.values(s.promptsDropped).reduce((a, b) => a + b, 0);
  assert.equal(kept.length + dropped, prompts.length);
  assert.equal(m.stages.prompts!.counts.attempts, prompts.length);
  for (const p of prompts) {
    assert.equal(p.fewShot.length, cfg.prompts.fewShot);
    if (!p.kept) assert.ok(p.dropReason, `${p.id} has a drop reason`);
  }
  // candidates: N per kept prompt; judgments: K per answered candidate
  assert.equal(cands.length, kept.length * cfg.candidates.n);
  assert.equal(new Set(cands.map((c) => c.id)).size, cands.length);
  assert.equal(judgments.length, cands.filter((c) => !c.error).length * cfg.judge.k);
  assert.equal(s.parseFailures, judgments.filter((j) => !j.parseOk).length);
  assert.ok(s.parseFailures > 0, 'the sim emits some unparseable judgments (malformedJudgmentRate 5 %)');
  for (const j of judgments) {
    assert.equal(j.rubricHash, rubricHash(DEFAULT_RUBRIC));
    assert.equal(j.parseOk, j.score !== null);
  }
  // pairs: chosen beats rejected, scores are the means of valid samples, pairs + drops = kept prompts
  assert.ok(pairs.length > 0);
  for (const p of pairs) {
    assert.ok(p.chosen.score > p.rejected.score, `${p.id}: ${p.chosen.score} > ${p.rejected.score}`);
    const valid = p.chosen.scores.filter((x): x is number => x !== null);
    assert.ok(Math.abs(p.chosen.score - valid.reduce((a, b) => a + b, 0) / valid.length) < 1e-9);
    assert.ok(Math.abs(p.margin - (p.chosen.score - p.rejected.score)) < 1e-9);
  }
  const pairDrops = Object.values(s.pairsDropped).reduce((a, b) => a + b, 0);
  assert.equal(pairs.length + pairDrops, kept.length);
  assert.equal(s.ties, s.pairsDropped.tie ?? 0);
  // training: one row per pair, the next model registered, metrics forwarded
  const rows = fs.readFileSync(path.join(run.iterationDir(t), 'train', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, pairs.length);
  assert.deepEqual([s.trainedPairs, s.excludedPairs], [rows.length, 0], 'pairs trained = lines of train.jsonl');
  assert.equal(s.candidatesJudged, new Set(judgments.map((j) => j.candidateId)).size);
  assert.deepEqual(Object.keys(rows[0]).sort(), ['chosen', 'prompt', 'rejected']);
  assert.deepEqual([s.modelIn, s.modelInPath, s.modelOut], ['M1', 'sim-base', 'M2'], 'models by name, paths beside');
  assert.equal(run.modelFor(2)?.path ?? run.modelFor(2)?.name, s.modelOutPath);
  assert.equal(typeof s.trainLoss, 'number');
  // manifest: provenance and every stage done
  assert.equal(m.status, 'done');
  assert.equal(m.rubric.hash, rubricHash(m.rubric.text));
  assert.equal(m.modelIn, 'sim-base');
  assert.equal(m.modelOut, s.modelOutPath);
  assert.equal(m.seed, 7);
  assert.deepEqual(m.params.pairs, cfg.pairs);
  for (const st of ['prompts', 'candidates', 'judgments', 'pairs', 'training', 'selection'] as const) {
    assert.equal(m.stages[st]!.status, 'done', st);
    assert.ok(m.stages[st]!.durationMs! >= 0);
  }
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(run.iterationDir(t), 'metrics.json'), 'utf8')), s);
  // events mirror every append
  const count = (type: string) => events.filter((e) => e.type === type).length;
  assert.equal(count('prompt'), prompts.length);
  assert.equal(count('candidate'), cands.length);
  assert.equal(count('judgment'), judgments.length);
  assert.equal(count('pair'), pairs.length);
  // …then checkpoint selection (one sim checkpoint: nothing to choose, recorded); no evaluation stage (off by default)
  assert.equal(count('stage.started'), 6);
  assert.equal(count('stage.finished'), 6);
  assert.equal((m.stages.selection!.params as { reason?: string }).reason, 'one checkpoint: nothing to choose');
  assert.equal(m.stages.evaluation, undefined);
  assert.ok(count('train.metrics') > 0);
  assert.equal(events.at(-1)?.type, 'iteration.finished');
  const last = events.filter((e) => e.type === 'stage.progress' && e.stage === 'judgments').at(-1);
  assert.ok(last && last.type === 'stage.progress' && last.done === last.total);

  // a second call starts iteration 2 from the trained model
  const s2 = await runIteration(run, { signal: never(), overrides: { pairs: { rho: 0.3 } } });
  assert.equal(s2.iteration, 2);
  assert.equal(run.readManifest(2)!.modelIn, s.modelOutPath);
  assert.equal(run.readManifest(2)!.params.pairs.rho, 0.3);
  run.close();
});

test('previewJudge streams K parsed samples per item through the current model, and stops on cancel', async () => {
  const server = await startSimServer({ maxConcurrency: 64, tokensPerSecond: 20000, ttftMs: 2 });
  try {
    const endpoint = { baseUrls: [server.baseUrl], model: 'sim-base' };
    const judge = fastConfig().judge;
    const samples = loadSeed([{ path: 'builtin:labelled', format: 'auto' }]).labelled.slice(0, 5).flatMap((g) =>
      g.answers.map((a) => ({ id: `${g.group}-${a.rank}`, prompt: g.prompt, answer: a.text, humanRank: a.rank, group: g.group })),
    );
    const got: { sampleId: string; sample: number; score: number | null; parseOk: boolean; text: string }[] = [];
    await previewJudge({ rubric: DEFAULT_RUBRIC, samples, k: 3, endpoint, judge, signal: never(), onResult: (r) => got.push(r) });
    assert.equal(got.length, samples.length * 3);
    for (const s of samples) assert.deepEqual(got.filter((r) => r.sampleId === s.id).map((r) => r.sample).sort(), [0, 1, 2]);
    for (const r of got) {
      assert.equal(r.parseOk, r.score !== null);
      if (r.parseOk) assert.ok(r.score! >= 0 && r.score! <= 5 && /score/i.test(r.text));
    }
    // the same draft gives the same preview (seeds derive from rubric hash and sample id)
    const again: typeof got = [];
    await previewJudge({ rubric: DEFAULT_RUBRIC, samples, k: 3, endpoint, judge, signal: never(), onResult: (r) => again.push(r) });
    const key = (xs: typeof got) => xs.map((r) => `${r.sampleId}/${r.sample}/${r.score}`).sort();
    assert.deepEqual(key(again), key(got));
    // cancel: rejects promptly, fewer results than asked
    const ac = new AbortController();
    const partial: typeof got = [];
    const slow = await startSimServer({ maxConcurrency: 2, tokensPerSecond: 50, ttftMs: 50 });
    try {
      const p = previewJudge({ rubric: DEFAULT_RUBRIC, samples, k: 3, endpoint: { baseUrls: [slow.baseUrl], model: 'sim-base' }, judge, signal: ac.signal, onResult: (r) => partial.push(r) });
      setTimeout(() => ac.abort(new Error('preview cancelled')), 100);
      await assert.rejects(p, /preview cancelled/);
      assert.ok(partial.length < samples.length * 3);
    } finally {
      await slow.close();
    }
  } finally {
    await server.close();
  }
});

test('stop mid-stage leaves the run resumable, and the resumed files equal an uninterrupted run', async () => {
  const cfg = fastConfig({ model: { sim: { maxConcurrency: 16, tokensPerSecond: 3000, ttftMs: 5 } } });
  const storeA = new RunStore(tmpDir());
  const a = storeA.create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  await runIteration(a, { signal: never() });

  const storeB = new RunStore(tmpDir());
  const b = storeB.create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  for (const stopAt of ['candidates', 'judgments'] as const) {
    const ac = new AbortController();
    const off = b.events.onEvent((e) => {
      if (e.type === 'stage.progress' && e.stage === stopAt && e.done > 2) ac.abort(new Error(`stop during ${stopAt}`));
    });
    await assert.rejects(runIteration(b, { signal: ac.signal }), new RegExp(`stop during ${stopAt}`));
    off();
    const m = b.readManifest(1)!;
    assert.equal(m.status, 'stopped');
    assert.equal(m.stages[stopAt]!.status, 'stopped');
  }
  const s = await runIteration(b, { signal: never() });
  assert.equal(s.iteration, 1, 'the stopped iteration is resumed, not a new one started');
  assert.deepEqual(diffIteration(a.dir, b.dir, 1), []);
  a.close();
  b.close();
});

test('review gate: waits, then trains only on the reviewed-and-kept pairs', async () => {
  const store = new RunStore(tmpDir());
  const run = store.create(fastConfig({ review: { gate: true } }), { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  let waiting = false;
  run.events.onEvent((e) => {
    if (e.type !== 'review.waiting') return;
    waiting = true;
    const m = run.readManifest(1)!;
    assert.equal(m.status, 'waiting');
    assert.equal(m.stages.review!.status, 'waiting');
    setTimeout(() => {
      const pairs = run.read(1, 'pairs');
      const w = run.writer(1, 'decisions');
      const ts = new Date().toISOString();
      w.append({ pairId: pairs[0].id, kind: 'reject', ts });
      w.append({ pairId: pairs[1].id, kind: 'flip', ts });
      w.append({ pairId: pairs[2].id, kind: 'accept', ts });
      completeReview(run, 1, { accepted: 2, rejected: 1 });
    }, 20);
  });
  await runIteration(run, { signal: never() });
  assert.ok(waiting);
  const pairs = run.read(1, 'pairs');
  const rows = fs.readFileSync(path.join(run.iterationDir(1), 'train', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // conversational rows (the default): the prompt as the user turn, the answers as assistant turns
  assert.deepEqual(rows, [
    { prompt: pairs[1].prompt, chosen: pairs[1].rejected.text, rejected: pairs[1].chosen.text },
    { prompt: pairs[2].prompt, chosen: pairs[2].chosen.text, rejected: pairs[2].rejected.text },
  ].map((t) => trlRow(t, 'conversational')));
  run.close();
});
