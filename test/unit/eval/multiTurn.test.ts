/**
 * Multi-turn grading in the MT-Bench shape against a scripted model and judge: the second turn is asked as a
 * multi-message request carrying the model's own first answer; ratings off the scale and unreadable ones are counted
 * apart (never clamped, never a 1); per-turn, per-category and overall means by hand.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../../remote/config/config';
import { setQuiet } from '../../../remote/log';
import { RunStore } from '../../../remote/store/runStore';
import { resolveJudge, resolveSide, type EvalEnv } from '../../../remote/eval/context';
import { runMultiTurn, MT_TEMPERATURES } from '../../../remote/eval/multiTurn';
import { loadMtQuestions } from '../../../remote/eval/promptSets';
import { startChatFixture } from '../../helpers/chatFixture';
import { tmpDir } from '../../helpers/tmp';

setQuiet(true);

const QUESTIONS = [
  { question_id: 81, category: 'writing', turns: ['Write a haiku about rain.', 'Now make it about snow.'] },
  { question_id: 82, category: 'math', turns: ['What is 2 + 3?', 'Multiply that by 4.'], reference: ['5', '20'] },
  { question_id: 83, category: 'math', turns: ['What is 10 / 2?', 'Add 7.'], reference: ['5', '12'] },
];
// ratings the judge gives per (question, turn): 11 is off the scale, null writes no rating
const RATINGS: Record<string, number | null> = { '81/1': 8, '81/2': 6, '82/1': 9, '82/2': 11, '83/1': 7, '83/2': null };

test('MT-shape grading: turn 2 carries the first answer; off-scale and unreadable ratings counted apart', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'question.jsonl');
  fs.writeFileSync(file, QUESTIONS.map((q) => JSON.stringify(q)).join('\n') + '\n');
  const fx = await startChatFixture((body) => {
    const last = body.messages[body.messages.length - 1].content;
    if (body.model === 'model-x') return `answer(${last})`;
    const q2 = /<turn_2_question>\n([\s\S]*?)\n<\/turn_2_question>/.exec(last)?.[1];
    const q = QUESTIONS.find((x) => x.turns.includes(q2 ?? /<question>\n([\s\S]*?)\n<\/question>/.exec(last)![1]))!;
    const turn = q2 ? 2 : 1;
    if (turn === 2) assert.ok(last.includes(`answer(${q.turns[0]})`), 'the judge sees the first turn as context');
    if (q.reference) assert.ok(last.includes(`<reference>\n${q.reference[turn - 1]}\n</reference>`), 'the reference answer is shown');
    const r = RATINGS[`${q.question_id}/${turn}`];
    return r === null ? 'Hard to say.' : `Fine.\nRating: [[${r}]]`;
  });
  const store = new RunStore(dir);
  const run = store.create(validateConfig({ name: 'mt', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 't', rubricText: 'x' });
  try {
    const env: EvalEnv = {
      run, signal: new AbortController().signal, concurrency: 3, client: { maxRetries: 0, timeoutMs: 10_000 },
      serve: async () => ({ endpoint: { baseUrls: [fx.url], model: 'model-x' }, release: async () => undefined }),
    };
    const { record } = await runMultiTurn(env, resolveSide(run, undefined), {
      questions: file, judge: resolveJudge(run, { kind: 'external', baseUrls: [fx.url], model: 'judge' }), maxTokens: 256, seed: 3,
    });

    // requests: turn 1 is one user message; turn 2 is [user q1, assistant a1, user q2]
    const modelBodies = fx.bodies.filter((b) => b.model === 'model-x');
    assert.equal(modelBodies.length, 6);
    for (const q of QUESTIONS) {
      const t1 = modelBodies.find((b) => b.messages.length === 1 && b.messages[0].content === q.turns[0])!;
      const t2 = modelBodies.find((b) => b.messages.length === 3 && b.messages[2].content === q.turns[1])!;
      assert.ok(t1 && t2, `both turns of ${q.question_id} asked`);
      assert.deepEqual(t2.messages, [
        { role: 'user', content: q.turns[0] },
        { role: 'assistant', content: `answer(${q.turns[0]})` },
        { role: 'user', content: q.turns[1] },
      ]);
      assert.equal(t1.temperature, MT_TEMPERATURES[q.category], 'MT-Bench\'s per-category temperature');
    }

    const s = record.summary;
    assert.equal(s.questions, 3);
    assert.equal(s.graded, 4);
    assert.equal(s.outOfRange, 1, 'the 11 is counted apart');
    assert.equal(s.unreadable, 1);
    assert.equal(s.mean, (8 + 6 + 9 + 7) / 4);
    assert.equal(s.turn1, (8 + 9 + 7) / 3);
    assert.equal(s.turn2, 6);
    assert.deepEqual(s.categories, { math: { mean: 8, graded: 2 }, writing: { mean: 7, graded: 2 } });
    const turns = fs.readFileSync(path.join(run.dir, 'eval', 'mt-m1.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(turns.find((t: { questionId: string; turn: number }) => t.questionId === 'question#82' && t.turn === 2).outOfRange, 11);
  } finally {
    run.close();
    await fx.close();
  }
});

test('the built-in MT set has the MT-Bench shape: two turns, eight categories; a bad file is named by line', () => {
  const qs = loadMtQuestions('builtin:mt');
  assert.ok(qs.length >= 16);
  assert.ok(qs.every((q) => q.turns.length === 2));
  assert.equal(new Set(qs.map((q) => q.category)).size, 8);
  const dir = tmpDir();
  const bad = path.join(dir, 'q.jsonl');
  fs.writeFileSync(bad, '{"question_id":1,"category":"math","turns":["a","b"]}\n{"question_id":2,"category":"math","turns":"oops"}\n');
  assert.throws(() => loadMtQuestions(bad), /q\.jsonl:2: field "turns"/);
});
