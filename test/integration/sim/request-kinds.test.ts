/** The server tells the three request kinds apart from content alone, end to end through the openai client. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { APIConnectionTimeoutError } from 'openai';
import { type SimServer, startSimServer } from '../../../remote/backends/sim/server';
import { DEFAULT_RUBRIC, fillRubric } from '../../../remote/rubric/template';

let server: SimServer;
let client: OpenAI;
before(async () => {
  server = await startSimServer({ zeroLatency: true, malformedJudgmentRate: 0.2 });
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sim', maxRetries: 0 });
});
after(() => server.close());

const seedPrompts = [
  'Give me three tips for a first camping trip.', 'How do I descale a kettle?', 'Write a short poem about rain on a window.',
  'What is the difference between weather and climate?', 'Suggest a name for a bakery run by two sisters.', 'How can I make my presentations shorter?',
  'Explain what a mortgage is to a teenager.', 'Plan a three-day trip to a coastal town.',
];
const fewShot = `Below are example instructions a user might give an AI assistant. Write one new instruction that differs from all of them: a single, self-contained request in a similar style. Reply with the instruction only.\n\n${seedPrompts.map((p, i) => `Example ${i + 1}: ${p}`).join('\n')}\nNew instruction:`;

test('a few-shot request gets new instructions, not answers; mostly single, clean, and not copies', async () => {
  const r = await client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: fewShot }], n: 64, seed: 5, temperature: 0.6, top_p: 0.9 });
  const outs = r.choices.map((c) => c.message.content!);
  const clean = outs.filter((o) => !o.includes('\n') && !/^\d+\./.test(o) && !seedPrompts.includes(o) && o.length > 15);
  assert.ok(clean.length >= 52, `${clean.length} of 64 clean`);
  assert.ok(new Set(clean).size >= 40, 'varied');
  for (const o of clean) assert.ok(o.length < 200 && !/Score:/.test(o), o);
  // the same request as a system + user split is recognised too
  const split = await client.chat.completions.create({
    model: 'sim-base', seed: 5, messages: [{ role: 'system', content: fewShot.replace(/\nNew instruction:$/, '') }, { role: 'user', content: 'New instruction:' }],
  });
  assert.ok(split.choices[0].message.content!.length < 200);
});

test('judge prompts get a justification ending in Score: x, at the configured malformed rate', async () => {
  const answer = (await client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: seedPrompts[1] }], seed: 1 })).choices[0].message.content!;
  const scores: (number | null)[] = [];
  for (let s = 0; s < 8; s++) {
    const r = await client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: fillRubric(DEFAULT_RUBRIC, seedPrompts[1], answer) }], n: 50, seed: s, temperature: 0.7 });
    for (const c of r.choices) {
      const m = /\nScore: (\d+)$/.exec(c.message.content!);
      scores.push(m ? Number(m[1]) : null);
      assert.ok(c.message.content!.split(/\s+/).length <= 110);
    }
  }
  const bad = scores.filter((x) => x === null).length / scores.length;
  assert.ok(Math.abs(bad - 0.2) < 0.06, `malformed share ${bad}`);
  for (const x of scores) if (x !== null) assert.ok(x >= 0 && x <= 5);
  // a holistic rubric with its own scale is followed too
  const tenPoint = `Rate the response to the instruction on a scale from 1 to 10 and finish with "Score: <n>".\n\nInstruction: ${seedPrompts[1]}\nResponse: ${answer}`;
  const r = await client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: tenPoint }], n: 20, seed: 3 });
  const ten = r.choices.map((c) => /Score: (\d+)$/.exec(c.message.content!)).filter(Boolean).map((m) => Number(m![1]));
  assert.ok(ten.length >= 10 && ten.every((x) => x >= 1 && x <= 10));
});

test('streaming honours max_tokens (finish_reason length); a hung stream times out in the client', async () => {
  const stream = await client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: seedPrompts[0] }], seed: 2, max_tokens: 7, stream: true });
  let text = '';
  let finish: string | null = null;
  for await (const ch of stream) {
    text += ch.choices[0]?.delta.content ?? '';
    finish = ch.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text.length, 28);
  assert.equal(finish, 'length');

  const hung = await startSimServer({ zeroLatency: true, faults: { rateHang: 1 } });
  try {
    const c = new OpenAI({ baseURL: hung.baseUrl, apiKey: 'sim', maxRetries: 0, timeout: 300 });
    await assert.rejects(c.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: 'hi' }] }), (e) => e instanceof APIConnectionTimeoutError);
    assert.equal(hung.stats().faults.hang, 1);
  } finally {
    await hung.close();
  }
});
