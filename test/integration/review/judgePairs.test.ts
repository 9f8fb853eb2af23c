/**
 * The agent's side of the meta-judge's UI: judge pairs are read and decided through the same pairs requests with
 * `kind: 'judge'` (their own decisions file; the actor's pairs untouched), the meta-judge template is versioned
 * beside the rubric through rubric/get and rubric/set with `kind: 'meta-judge'`, and the template preview asks both
 * orders of every judgment pair and names the judgment each verdict picked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunStore, type Run } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { previewJudge } from '../../../remote/pipeline/preview';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { DEFAULT_META_JUDGE, parseVerdict } from '../../../remote/rubric/metaTemplate';
import { rubricHandlers } from '../../../remote/server/handlers/rubric';
import { startSimServer } from '../../../remote/backends/sim/server';
import { applyEvents } from '../../../remote/snapshot/reducer';
import { readJsonl } from '../../../remote/store/jsonl';
import { setQuiet } from '../../../remote/log';
import { AgentPairsBackend } from '../../../src/pairs/backend';
import { PairsEditModel } from '../../../src/pairs/model';
import type { PairDecision, PreviewResult, RunEvent, RunSnapshot } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';
import { inProcessAgent } from '../../helpers/inProcessAgent';
import { fastConfig } from '../pipeline/files';

setQuiet(true);
const root = tmpDir();

let shared: { run: Run; store: RunStore } | undefined;
async function metaRun(): Promise<{ run: Run; store: RunStore }> {
  if (shared) return shared;
  const store = new RunStore(path.join(root, 'runs'));
  const run = store.create(fastConfig({ prompts: { perIteration: 10 }, metaJudge: { enabled: true } } as never), { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  await runIteration(run, { signal: new AbortController().signal });
  shared = { run, store };
  return shared;
}

test('judge pairs through the pairs requests: pages, decisions in judge-pairs.decisions.jsonl, the actor pairs untouched', async () => {
  const { run, store } = await metaRun();
  const agent = inProcessAgent(run, store);
  const events: RunEvent[] = [];
  run.events.onEvent((e) => events.push(e));
  const backend = new AgentPairsBackend(() => agent, run.id, 1, path.join(root, 'queue-judge.jsonl'), undefined, 'judge');
  assert.match(backend.label, /judge pairs/);
  const model = new PairsEditModel(backend);
  const page = await model.page(0, 100);
  const jp = run.read(1, 'judge-pairs');
  assert.equal(page.total, jp.length);
  assert.deepEqual(page.pairs.map((p) => p.id), jp.map((p) => p.id));
  assert.equal((page.pairs[0] as unknown as { kind: string }).kind, 'judge');
  model.apply('f', [{ pairId: jp[0].id, kind: 'flip' }]);
  model.apply('r', [{ pairId: jp[1].id, kind: 'reject' }]);
  await model.save();
  assert.deepEqual(readJsonl<PairDecision>(run.filePath(1, 'judge-pairs.decisions')).map((d) => `${d.pairId}:${d.kind}`), [`${jp[0].id}:flip`, `${jp[1].id}:reject`]);
  assert.equal(fs.existsSync(run.filePath(1, 'decisions')), false, 'the actor pairs have no decisions');
  assert.ok(events.some((e) => e.type === 'review.decision' && e.kind === 'judge' && e.decision.pairId === jp[0].id));
  // the actor's pairs read as before
  const actor = new PairsEditModel(new AgentPairsBackend(() => agent, run.id, 1, path.join(root, 'queue.jsonl')));
  const ap = await actor.page(0, 100);
  assert.equal(ap.total, run.read(1, 'pairs').length);
  assert.equal(ap.reviewed, 0);
  const judged = await model.page(0, 100);
  assert.equal(judged.reviewed, 2);
  await assert.rejects(agent.request('pairs/read', { runId: run.id, iteration: 1, offset: 0, limit: 1, kind: 'nonsense' as never }), /"kind" must be/);
});

test('the meta-judge template: version 0 is the built-in one until stored; set stores meta-judge-v<k>.md beside the rubric versions', async () => {
  const store = new RunStore(path.join(root, 'runs-template'));
  const run = store.create(fastConfig(), { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const ctx = { openRun: () => run } as never;
  const conn = {} as never;
  const get = (p: Record<string, unknown>) => rubricHandlers['rubric/get']!({ runId: run.id, ...p } as never, ctx, conn, new AbortController().signal);
  const set = (p: Record<string, unknown>) => rubricHandlers['rubric/set']!({ runId: run.id, ...p } as never, ctx, conn, new AbortController().signal);
  assert.deepEqual(await get({ kind: 'meta-judge' }).then((r) => [r.version, r.text]), [0, DEFAULT_META_JUDGE]);
  const v1 = await set({ kind: 'meta-judge', text: DEFAULT_META_JUDGE.replace('Winner', 'Winner') + '\nBe brief.\n' });
  assert.equal(v1.version, 1);
  assert.ok(fs.existsSync(path.join(run.dir, 'rubrics', 'meta-judge-v1.md')));
  assert.equal((await get({ kind: 'meta-judge' })).version, 1);
  assert.equal((await get({})).text, DEFAULT_RUBRIC, 'the rubric is its own series');
  assert.deepEqual(run.rubricVersions().map((v) => v.version), [1]);
  assert.equal((await set({ kind: 'meta-judge', text: (await get({ kind: 'meta-judge' })).text })).version, 1, 'the same text is not a new version');
  await assert.rejects(get({ kind: 'meta-judge', version: 7 }), /no meta-judge template version 7/);
  await assert.rejects(set({ kind: 'meta-judge', text: '  ' }), /meta-judge template text is empty/);
  await assert.rejects(get({ kind: 'other' }), /"kind" must be/);
  // the snapshot keeps the two series apart
  const empty: RunSnapshot = { run: run.summary(), config: run.config, iterations: [], models: [], rubricVersions: [], seq: 0 };
  const events: RunEvent[] = [];
  const { forEachJsonl } = await import('../../../remote/store/jsonl');
  forEachJsonl<RunEvent>(run.events.file, (e) => void events.push(e));
  const snap = applyEvents(empty, events);
  assert.deepEqual(snap.rubricVersions.map((v) => v.version), [1]);
  assert.deepEqual(snap.metaTemplateVersions?.map((v) => v.version), [1]);
  // the next iteration with the meta-judge on freezes the stored version
  run.close();
});

test('meta-judge preview: each judgment pair asked K times in both orders; the winner names the judgment, whatever its position', async () => {
  const { run } = await metaRun();
  const server = await startSimServer({ zeroLatency: true });
  try {
    const jp = run.read(1, 'judge-pairs').slice(0, 4);
    const samples = jp.map((p) => ({ id: p.id, prompt: p.instruction, answer: p.response, judgments: [p.chosen.text, p.rejected.text] as [string, string] }));
    const results: Omit<PreviewResult, 'previewId'>[] = [];
    await previewJudge({
      rubric: DEFAULT_META_JUDGE,
      samples,
      k: 2,
      endpoint: { baseUrls: [server.baseUrl], model: 'sim-base' },
      judge: run.config.judge,
      metaJudge: { rubric: DEFAULT_RUBRIC, temperature: 0.7, topP: 0.9, maxTokens: 512 },
      signal: new AbortController().signal,
      onResult: (r) => results.push(r),
    });
    assert.equal(results.length, samples.length * 2 * 2);
    for (const s of samples) {
      const mine = results.filter((r) => r.sampleId === s.id).sort((a, b) => a.sample - b.sample);
      assert.deepEqual(mine.map((r) => r.order), ['ab', 'ab', 'ba', 'ba']);
      for (const r of mine) {
        const v = parseVerdict(r.text);
        assert.equal(r.parseOk, v !== null);
        assert.equal(r.score, null);
        // A in the A/B order is the first judgment; A in the B/A order is the second
        if (v) assert.equal(r.winner, (v === 'A') === (r.order === 'ab') ? 0 : 1);
        else assert.equal(r.winner, null);
      }
    }
  } finally {
    await server.close();
  }
});
