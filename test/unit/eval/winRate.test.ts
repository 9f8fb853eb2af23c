/**
 * Win rate against reference answers on a fixture whose numbers are computed by hand: a scripted model and a
 * scripted external judge on loopback, a 10-prompt AlpacaEval-format file, the real evaluation code path (answers,
 * both-order comparisons, summary, LC, files, event).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../../remote/config/config';
import { setQuiet } from '../../../remote/log';
import type { RunEvent } from '../../../remote/protocol';
import { RunStore } from '../../../remote/store/runStore';
import { resolveJudge, resolveSide, type EvalEnv } from '../../../remote/eval/context';
import { runWinRate } from '../../../remote/eval/winRate';
import { lengthControlledWinRate } from '../../../remote/eval/lengthControlled';
import { wilson } from '../../../remote/eval/headToHead';
import type { WinRateComparison, WinRateRecord } from '../../../remote/eval/results';
import { startChatFixture } from '../../helpers/chatFixture';
import { tmpDir } from '../../helpers/tmp';

setQuiet(true);

// per prompt: the model's answer length, the reference length, and what the judge does
type Plan = 'model' | 'reference' | 'first' | 'unreadable';
const PLAN: { model: number; ref: number; judge: Plan }[] = [
  { model: 400, ref: 200, judge: 'model' },
  { model: 380, ref: 220, judge: 'model' },
  { model: 350, ref: 300, judge: 'model' },
  { model: 500, ref: 250, judge: 'model' },
  { model: 150, ref: 260, judge: 'model' },
  { model: 300, ref: 300, judge: 'first' }, // a judge that sticks to position A: the orders disagree → tie
  { model: 280, ref: 240, judge: 'first' },
  { model: 120, ref: 330, judge: 'reference' },
  { model: 200, ref: 210, judge: 'reference' },
  { model: 310, ref: 190, judge: 'unreadable' },
];

test('win rate in both orders on a hand-computed fixture: wins, ties, losses, unreadable apart, Wilson, LC, mean length', async () => {
  const dir = tmpDir();
  const setFile = path.join(dir, 'ref.jsonl');
  fs.writeFileSync(setFile, PLAN.map((p, i) => JSON.stringify({ instruction: `Question ${i}?`, output: `R${i}:`.padEnd(p.ref, 'r'), generator: 'fixture-ref', dataset: 'fx' })).join('\n') + '\n');
  const answerOf = (i: number): string => `M${i}:`.padEnd(PLAN[i].model, 'm');

  const fx = await startChatFixture((body) => {
    const text = body.messages[body.messages.length - 1].content;
    if (body.model === 'model-x') return answerOf(Number(/Question (\d+)/.exec(text)![1]));
    const i = Number(/<instruction>\nQuestion (\d+)\?/.exec(text)![1]);
    const a = /<answer_a>\n([\s\S]*?)\n<\/answer_a>/.exec(text)![1];
    const modelIsA = a.startsWith('M');
    const p = PLAN[i].judge;
    if (p === 'unreadable') return modelIsA ? 'Verdict: A' : 'I cannot decide.';
    const pick = p === 'first' ? 'A' : p === 'model' ? (modelIsA ? 'A' : 'B') : modelIsA ? 'B' : 'A';
    return `Compared.\nVerdict: ${pick}`;
  });
  const store = new RunStore(dir);
  const run = store.create(validateConfig({ name: 'wr', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 't', rubricText: 'x {{instruction}} {{response}} Score:' });
  const events: RunEvent[] = [];
  run.events.onEvent((e) => events.push(e));
  try {
    const env: EvalEnv = {
      run, signal: new AbortController().signal, concurrency: 4, client: { maxRetries: 0, timeoutMs: 10_000 },
      serve: async () => ({ endpoint: { baseUrls: [fx.url], model: 'model-x' }, release: async () => undefined }),
    };
    const judge = resolveJudge(run, { kind: 'external', baseUrls: [fx.url], model: 'judge' });
    const { record, file } = await runWinRate(env, resolveSide(run, undefined), {
      prompts: setFile, judge, sampling: { temperature: 0.7, topP: 0.9, maxTokens: 512 }, seed: 1,
    });

    // by hand: 5 wins, 2 ties, 2 losses, 1 unreadable; win rate (5 + 2/2) / 9
    const s = record.summary;
    assert.deepEqual([s.n, s.wins, s.ties, s.losses, s.unreadable], [10, 5, 2, 2, 1]);
    assert.equal(s.winRate, 6 / 9);
    assert.deepEqual(s.winRateCi, wilson(6, 9));
    assert.equal(s.meanLength, PLAN.reduce((a, p) => a + p.model, 0) / 10);
    assert.equal(s.referenceMeanLength, PLAN.reduce((a, p) => a + p.ref, 0) / 10);
    const pref = { model: 1, first: 0.5, reference: 0, unreadable: null } as const;
    const lc = lengthControlledWinRate(PLAN.map((p) => ({ preference: pref[p.judge], referenceChars: p.ref, modelChars: p.model })))!;
    assert.equal(s.lcWinRate, lc.lcWinRate);
    assert.equal(fx.bodies.filter((b) => b.model === 'judge').length, 20, 'each prompt judged in both orders');
    assert.ok(fx.bodies.filter((b) => b.model === 'judge').every((b) => b.temperature === 0));

    // the file is the interface: eval/winrate-m1.json with winRate, lcWinRate and unreadable; comparisons beside it
    assert.equal(path.relative(run.dir, file), path.join('eval', 'winrate-m1.json'));
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as WinRateRecord;
    assert.equal(onDisk.summary.winRate, 6 / 9);
    assert.equal(onDisk.summary.lcWinRate, lc.lcWinRate);
    assert.equal(onDisk.summary.unreadable, 1);
    assert.deepEqual(onDisk.referenceGenerators, ['fixture-ref']);
    const lines = fs.readFileSync(file.replace(/\.json$/, '.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as WinRateComparison);
    assert.deepEqual(lines.map((c) => c.outcome), ['win', 'win', 'win', 'win', 'win', 'tie', 'tie', 'loss', 'loss', 'unreadable']);
    assert.ok(!fs.readdirSync(path.dirname(file)).some((f) => f.includes('.partial-')), 'the working cache is gone once the result is written');
    const ev = events.find((e) => e.type === 'eval.finished');
    assert.ok(ev && ev.type === 'eval.finished' && ev.result.kind === 'winRate' && ev.result.winRate?.winRate === 6 / 9 && ev.result.file === 'eval/winrate-m1.json');

    // a second evaluation reuses the cached answers: the model is not asked again
    const asked = fx.bodies.filter((b) => b.model === 'model-x').length;
    await runWinRate(env, resolveSide(run, undefined), { prompts: setFile, judge, sampling: { temperature: 0.7, topP: 0.9, maxTokens: 512 }, seed: 1 });
    assert.equal(fx.bodies.filter((b) => b.model === 'model-x').length, asked);
  } finally {
    run.close();
    await fx.close();
  }
});

test('a reference set missing a field is refused before any request, naming file and line', async () => {
  const dir = tmpDir();
  const setFile = path.join(dir, 'bad.jsonl');
  fs.writeFileSync(setFile, '{"instruction":"a","output":"b","generator":"g"}\n{"instruction":"c","output":"d"}\n');
  const store = new RunStore(dir);
  const run = store.create(validateConfig({ name: 'wr', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 't', rubricText: 'x' });
  let served = 0;
  try {
    const env: EvalEnv = { run, signal: new AbortController().signal, concurrency: 1, client: { maxRetries: 0, timeoutMs: 1000 }, serve: async () => { served++; throw new Error('no'); } };
    await assert.rejects(
      runWinRate(env, resolveSide(run, undefined), { prompts: setFile, judge: resolveJudge(run, { kind: 'self' }), sampling: { temperature: 0, topP: 1, maxTokens: 8 }, seed: 1 }),
      /bad\.jsonl:2: field "generator" must be a non-empty string/,
    );
    assert.equal(served, 0);
  } finally {
    run.close();
  }
});
