/**
 * The meta-judge stage on the sim: its files agree with each other and with the summary; the training rows are the
 * actor pairs followed by the judge pairs in one format, and the TRL stand-in (datasets + TRL's own rules) accepts
 * them; a stop in the middle of the stage resumes to the same files as an uninterrupted run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunStore, type Run } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { buildJudgePairs } from '../../../remote/pipeline/metaJudge';
import { judgeRows } from '../../../remote/pipeline/train';
import { pickCandidates } from '../../../remote/pipeline/judgmentPairs';
import { DEFAULT_RUBRIC, fillRubric } from '../../../remote/rubric/template';
import { DEFAULT_META_JUDGE, parseVerdict } from '../../../remote/rubric/metaTemplate';
import { trlRow } from '../../../remote/backends/rows';
import { TrlTrainer } from '../../../remote/backends/trl';
import { validateConfig } from '../../../remote/config/config';
import { setQuiet } from '../../../remote/log';
import type { DeepPartial, JudgmentRecord, RunConfig, RunEvent } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';
import { readRecord, standin, trlFixtures } from '../../helpers/standins';
import { fastConfig, recordsById } from './files';

setQuiet(true);
// made at the top so it lives for the whole file (a tmpDir made inside a test goes with that test)
const root = tmpDir();
let folders = 0;
const folder = (): string => fs.mkdtempSync(path.join(root, `f${++folders}-`));

const META = { prompts: { perIteration: 16 }, metaJudge: { enabled: true } } as DeepPartial<RunConfig>;
const rowsOf = (run: Run, t: number): unknown[] =>
  fs.readFileSync(path.join(run.iterationDir(t), 'train', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

let shared: { run: Run; events: RunEvent[] } | undefined;
/** One meta-judge iteration, shared by the tests that only read it. */
async function metaRun(): Promise<{ run: Run; events: RunEvent[] }> {
  if (shared) return shared;
  const run = new RunStore(folder()).create(fastConfig(META), { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const events: RunEvent[] = [];
  run.events.onEvent((e) => events.push(e));
  await runIteration(run, { signal: new AbortController().signal });
  shared = { run, events };
  return shared;
}

test('off by default: no meta-judge stage, no judge pairs, the paper\'s iteration', async () => {
  assert.equal(fastConfig().metaJudge?.enabled, false);
  const run = new RunStore(folder()).create(fastConfig({ prompts: { perIteration: 8 } }), { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const s = await runIteration(run, { signal: new AbortController().signal });
  const m = run.readManifest(1)!;
  assert.equal(m.stages['meta-judge'], undefined);
  assert.equal(m.params.metaJudge, undefined);
  assert.equal(fs.existsSync(run.filePath(1, 'judge-pairs')), false);
  assert.equal(s.judgePairs, undefined);
  assert.equal(rowsOf(run, 1).length, s.pairs);
  run.close();
});

test('a meta-judge iteration: both orders of every judgment pair, judge pairs recomputable from the files, counts equal the files', async () => {
  const { run, events } = await metaRun();
  const t = 1;
  const m = run.readManifest(t)!;
  assert.equal(m.stages['meta-judge']?.status, 'done');
  assert.equal(m.metaTemplate?.text, DEFAULT_META_JUDGE);
  assert.deepEqual(run.templateVersions('meta-judge').map((v) => v.version), [1]);
  const judgments = run.read(t, 'judgments');
  const byCand = (id: string): JudgmentRecord[] => judgments.filter((j) => j.candidateId === id);
  const verdicts = run.read(t, 'meta-judgments');
  const jp = run.read(t, 'judge-pairs');
  assert.ok(verdicts.length > 0 && jp.length > 0);
  // every (pair of judgments) was asked in both orders, with the positions swapped
  const keyOf = (v: { first: string; second: string }) => [v.first, v.second].sort().join('|');
  const orders = new Map<string, Set<string>>();
  for (const v of verdicts) {
    assert.equal(v.parseOk, v.winner !== null);
    if (v.winner) assert.ok(v.winner === v.first || v.winner === v.second);
    if (v.parseOk) assert.equal(v.winner, parseVerdict(v.text) === 'A' ? v.first : v.second, 'the winner is the judgment in the position the text names');
    orders.set(keyOf(v), new Set([...(orders.get(keyOf(v)) ?? []), `${v.order}:${v.first}`]));
  }
  for (const [k, o] of orders) assert.equal(o.size, 2, `${k} asked in both orders`);
  // only the candidate whose judgments disagree most per prompt went to the meta-judge
  const cands = run.read(t, 'candidates');
  const picked = pickCandidates(cands, byCand, 1);
  assert.deepEqual(new Set(verdicts.map((v) => v.candidateId)), new Set(picked.map((c) => c.id)));
  assert.ok(picked.every((c) => new Set(byCand(c.id).filter((j) => j.parseOk).map((j) => j.score)).size > 1));
  // the judge pairs are a pure function of the files
  const prompts = new Map(run.read(t, 'prompts').filter((p) => p.kept).map((p) => [p.id, p.text]));
  const again = buildJudgePairs({ t, rubric: m.rubric, metaJudge: m.params.metaJudge!, metaTemplate: m.metaTemplate! }, picked, byCand, verdicts, prompts);
  assert.deepEqual(again.pairs, jp);
  for (const p of jp) {
    assert.equal(p.kind, 'judge');
    assert.equal(p.prompt, fillRubric(m.rubric.text, p.instruction, cands.find((c) => c.id === p.candidateId)!.text));
    assert.notEqual(p.chosen.score, p.rejected.score);
    assert.equal(p.chosen.text, judgments.find((j) => j.id === p.chosen.candidateId)!.text);
    assert.ok(p.margin > 0);
    assert.equal(p.standings[0].judgmentId, p.chosen.candidateId);
    assert.equal(p.standings[p.standings.length - 1].elo, p.standings.find((x) => x.judgmentId === p.rejected.candidateId)!.elo);
  }
  // counts: manifest = summary = files = events
  const c = m.stages['meta-judge']!.counts;
  const s = run.readMetrics(t)!;
  const dropped = Object.values(s.judgePairsDropped ?? {}).reduce((a, b) => a + b, 0);
  assert.equal(s.judgePairs, jp.length);
  assert.equal(jp.length + dropped, picked.length);
  assert.equal(c.candidates, picked.length);
  assert.equal(s.metaVerdicts, verdicts.length);
  assert.equal(c.firstPositionWins + c.secondPositionWins, verdicts.filter((v) => v.winner).length);
  assert.equal(s.metaFirstPositionRate, c.firstPositionWins / (c.firstPositionWins + c.secondPositionWins));
  assert.equal(Object.values(s.judgeChosenScores ?? {}).reduce((a, b) => a + b, 0), jp.length);
  assert.deepEqual(events.filter((e) => e.type === 'judge-pair').map((e) => (e as { record: { id: string } }).record.id).sort(), jp.map((p) => p.id).sort());
  // the stage ran between judgments and pairs
  const started = events.filter((e) => e.type === 'stage.started').map((e) => (e as { stage: string }).stage);
  assert.ok(started.indexOf('meta-judge') > started.indexOf('judgments') && started.indexOf('meta-judge') < started.indexOf('pairs'));
});

test('training rows: the actor pairs, then the judge pairs, in one conversational format, within the share', async () => {
  const { run } = await metaRun();
  const t = 1;
  const pairs = run.read(t, 'pairs');
  const jp = run.read(t, 'judge-pairs');
  const counts = run.readManifest(t)!.stages.training!.counts;
  const rows = rowsOf(run, t);
  assert.equal(counts.rows, pairs.length, 'rows: the actor pairs (remote/counts.ts)');
  assert.equal(counts.judgeRows + counts.judgeOverShare, jp.length);
  assert.ok(counts.judgeRows <= pairs.length, 'maxJudgeShare 0.5: judge rows at most as many as actor rows');
  assert.equal(rows.length, pairs.length + counts.judgeRows);
  assert.equal(run.readMetrics(t)!.judgeRows, counts.judgeRows);
  assert.deepEqual(rows.slice(0, pairs.length), pairs.map((p) => trlRow({ prompt: p.prompt, chosen: p.chosen.text, rejected: p.rejected.text }, 'conversational')));
  const judgeRows = rows.slice(pairs.length) as { prompt: { role: string; content: string }[]; chosen: { role: string; content: string }[] }[];
  const kept = [...jp].sort((a, b) => b.margin - a.margin).slice(0, counts.judgeRows);
  assert.deepEqual(new Set(judgeRows.map((r) => r.chosen[0].content)), new Set(kept.map((p) => p.chosen.text)));
  for (const r of judgeRows) {
    assert.equal(r.prompt[0].role, 'user');
    assert.match(r.prompt[0].content, /<response>/, 'a judge row prompts with the filled rubric');
    assert.match(r.chosen[0].content, /Score: \d/);
  }
});

test('judge pairs are reviewed like actor pairs: rejected ones stay out, flips swap, the gate keeps only reviewed ones; the share caps them', async () => {
  const { run } = await metaRun();
  const m = run.readManifest(1)!;
  const jp = run.read(1, 'judge-pairs');
  assert.ok(jp.length >= 2);
  const ctx = (over: Partial<RunConfig['review']> = {}, share = 1) => ({ run, t: 1, params: { ...m.params, review: { ...m.params.review, ...over }, metaJudge: { ...m.params.metaJudge!, maxJudgeShare: share } } }) as never;
  const before = judgeRows(ctx(), 1000);
  assert.equal(before.rows.length, jp.length);
  const w = run.writer(1, 'judge-pairs.decisions');
  w.append({ pairId: jp[0].id, kind: 'reject', ts: new Date().toISOString() });
  w.append({ pairId: jp[1].id, kind: 'flip', ts: new Date().toISOString() });
  w.sync();
  const after = judgeRows(ctx(), 1000);
  assert.equal(after.rows.length, jp.length - 1);
  assert.equal(after.excluded, 1);
  assert.ok(!after.rows.some((r) => r.chosen === jp[0].chosen.text && r.prompt === jp[0].prompt));
  const flipped = after.rows.find((r) => r.prompt === jp[1].prompt)!;
  assert.equal(flipped.chosen, jp[1].rejected.text);
  assert.equal(flipped.rejected, jp[1].chosen.text);
  // review gate on: only the reviewed-and-kept one (the flip)
  assert.equal(judgeRows(ctx({ gate: true }), 1000).rows.length, 1);
  // share: 0 → none; 0.25 with 6 actor rows → at most 2, the largest Elo gaps
  assert.equal(judgeRows(ctx({}, 0), 1000).rows.length, 0);
  const capped = judgeRows(ctx({}, 0.25), 6);
  assert.equal(capped.rows.length, Math.min(2, jp.length - 1));
  assert.equal(capped.overShare, jp.length - 1 - capped.rows.length);
  fs.rmSync(run.filePath(1, 'judge-pairs.decisions'));
});

test('the TRL stand-in takes the mixed rows as datasets + TRL would, and refuses a mix of formats', async () => {
  const { run } = await metaRun();
  const rowsFile = path.join(run.iterationDir(1), 'train', 'train.jsonl');
  const dir = folder();
  const attempt = async (datasetFile: string) => {
    const trainDir = path.join(dir, `train-${path.basename(datasetFile)}`);
    fs.mkdirSync(trainDir, { recursive: true });
    const record = path.join(trainDir, 'argv.jsonl');
    const env: Record<string, string> = { STANDIN_RECORD: record, STANDIN_TRL_STATE: path.join(trlFixtures, 'trainer_state.json'), STANDIN_TRL_REPLAY: path.join(trlFixtures, 'dpo-output.log'), STANDIN_DELAY_MS: '1' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const cfg = validateConfig({ name: 'm', seed: 1, model: { backend: 'vllm', name: '/models/base' }, seedData: [{ path: 'builtin:demo' }], trainer: { backend: 'trl', processes: 1, batchSize: 8, trl: { command: [standin('trl')] } } });
      const r = await new TrlTrainer(cfg)
        .train({ kind: 'dpo', runDir: dir, iteration: 1, baseModel: { iteration: 1, name: '/models/base', madeBy: 'base' }, trainDir, datasetFile, config: cfg.trainer, signal: new AbortController().signal, onMetrics: () => undefined })
        .then(() => undefined, (e: Error) => e.message);
      return { error: r, record: readRecord(record) };
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  };
  const ok = await attempt(rowsFile);
  assert.equal(ok.error, undefined);
  assert.equal(ok.record.filter((r) => (r as { refused?: string }).refused).length, 0);
  // the same rows with the judge rows in the standard (string) format: pyarrow refuses the changed column type
  const lines = fs.readFileSync(rowsFile, 'utf8').trim().split('\n');
  const actorRows = run.read(1, 'pairs').length;
  const mixed = path.join(dir, 'mixed.jsonl');
  fs.writeFileSync(mixed, lines.map((l, i) => {
    if (i < actorRows) return l;
    const r = JSON.parse(l) as { prompt: { content: string }[]; chosen: { content: string }[]; rejected: { content: string }[] };
    return JSON.stringify(trlRow({ prompt: r.prompt[0].content, chosen: r.chosen[0].content, rejected: r.rejected[0].content }, 'standard'));
  }).join('\n') + '\n');
  const bad = await attempt(mixed);
  assert.match(bad.error ?? '', /changed from array to string/);
  // a judge row whose prompt ends with a system message: TRL's chat templating refuses it
  const sys = path.join(dir, 'system-last.jsonl');
  fs.writeFileSync(sys, lines.map((l, i) => (i === actorRows ? JSON.stringify({ ...JSON.parse(l), prompt: [{ role: 'system', content: 'judge' }] }) : l)).join('\n') + '\n');
  assert.match((await attempt(sys)).error ?? '', /Invalid role in the last message: system/);
});

test('a stop inside the meta-judge stage resumes to the files of an uninterrupted run', async () => {
  const ref = await metaRun();
  const run = new RunStore(folder()).create(fastConfig(META), { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const ac = new AbortController();
  let seen = 0;
  run.events.onEvent((e) => {
    if (e.type === 'stage.progress' && e.stage === 'meta-judge' && e.done > 0 && ++seen === 1) ac.abort(new Error('stop'));
  });
  await assert.rejects(runIteration(run, { signal: ac.signal }));
  assert.equal(run.readManifest(1)!.stages['meta-judge']?.status, 'stopped');
  const partial = run.read(1, 'meta-judgments').length;
  await runIteration(run, { signal: new AbortController().signal });
  assert.equal(run.readManifest(1)!.status, 'done');
  for (const f of ['meta-judgments', 'judge-pairs'] as const) {
    const a = recordsById(ref.run.filePath(1, f));
    const b = recordsById(run.filePath(1, f));
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), `${f}: the same records`);
    for (const [id, rec] of a) assert.equal(b.get(id), rec, `${f}: ${id}`);
  }
  assert.ok(partial < run.read(1, 'meta-judgments').length, 'the resume asked only for what was missing');
  assert.deepEqual(rowsOf(run, 1).map((r) => JSON.stringify(r)).sort(), rowsOf(ref.run, 1).map((r) => JSON.stringify(r)).sort());
  run.close();
});
