/**
 * Training moves the model the way its pairs say: pairs preferring the better-judged answer raise the mean judged
 * quality of the next model's answers; the same pairs flipped lower it. Everything goes through the server (answers
 * from the trained checkpoint, judgments with the default rubric) and the trainer's real files.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI from 'openai';
import { type SimServer, startSimServer } from '../../../remote/backends/sim/server';
import { simTrain } from '../../../remote/backends/sim/trainer';
import { DEFAULT_RUBRIC, fillRubric } from '../../../remote/rubric/template';
import { trlRow } from '../../../remote/backends/rows';
import { tmpDir } from '../../helpers/tmp';

const PROMPTS = [
  'How can I start a small vegetable garden on a balcony?', 'Give advice to a new manager about running weekly meetings.',
  'How do I prepare for a job interview at a bank?', 'Explain how to set up a personal budget.', 'How should I train for a first marathon?',
  'What should I know before buying a used car?', 'How do I keep a sourdough starter alive?', 'Give tips for learning a second language as an adult.',
  'How can I improve my sleep habits?', 'How do I plan a birthday party on a small budget?', 'How do I secure my home network?',
  'Suggest a plan for cleaning up a messy spreadsheet.', 'How can I get better at public speaking?', 'How should I pack for a camping trip?',
  'How do I compost kitchen scraps in a flat?', 'How can a remote team stay in sync?', 'How do I write a cover letter for a career change?',
  'How do I run a book club?', 'How can I maintain a bicycle through winter?', 'How should I organise a moving day?',
];

let server: SimServer;
let client: OpenAI;
const dir = tmpDir();

before(async () => {
  server = await startSimServer({ zeroLatency: true, modelDir: dir, malformedJudgmentRate: 0.05 });
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sim', maxRetries: 0 });
});
after(() => server.close());

async function judgeMean(model: string, instruction: string, answer: string): Promise<number | null> {
  const r = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: fillRubric(DEFAULT_RUBRIC, instruction, answer) }], n: 3, seed: 11, temperature: 0.7, top_p: 0.9,
  });
  const scores = r.choices.map((c) => /Score:\s*(\d+(?:\.\d+)?)\s*$/.exec(c.message.content ?? '')).filter((m) => m).map((m) => Number(m![1]));
  return scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
}

async function answers(model: string, prompt: string, seed: number): Promise<string[]> {
  const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }], n: 4, seed, temperature: 0.7, top_p: 0.9 });
  return r.choices.map((c) => c.message.content ?? '');
}

/** Mean judged quality of a model's answers on the prompts (judged by the base model with the default rubric). */
async function quality(model: string): Promise<number> {
  const scores: number[] = [];
  for (const p of PROMPTS) for (const a of await answers(model, p, 500)) {
    const s = await judgeMean('sim-base', p, a);
    if (s !== null) scores.push(s);
  }
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

/** One AIFT round: 4 answers per prompt, judged 3×, best vs worst (ties dropped). */
async function pairsFrom(model: string): Promise<{ prompt: string; chosen: string; rejected: string }[]> {
  const out = [];
  for (const p of PROMPTS) {
    const scored: { text: string; score: number }[] = [];
    for (const a of await answers(model, p, 77)) {
      const s = await judgeMean(model, p, a);
      if (s !== null) scored.push({ text: a, score: s });
    }
    scored.sort((x, y) => y.score - x.score);
    if (scored.length >= 2 && scored[0].score > scored[scored.length - 1].score) {
      out.push({ prompt: p, chosen: scored[0].text, rejected: scored[scored.length - 1].text });
    }
  }
  return out;
}

test('DPO on pairs preferring better answers improves the next model; flipped pairs make it worse', async () => {
  const pairs = await pairsFrom('sim-base');
  assert.ok(pairs.length >= 10, `${pairs.length} pairs`);
  const good = path.join(dir, 'good.jsonl');
  const flipped = path.join(dir, 'flipped.jsonl');
  // one file in each TRL row format: both must be read
  fs.writeFileSync(good, pairs.map((p) => JSON.stringify(trlRow(p, 'standard'))).join('\n') + '\n');
  fs.writeFileSync(flipped, pairs.map((p) => JSON.stringify(trlRow({ ...p, chosen: p.rejected, rejected: p.chosen }, 'conversational'))).join('\n') + '\n');

  const better = await simTrain({ model: 'sim-base', data: good, outputDir: path.join(dir, 'm-good'), batchSize: 8, epochs: 2 });
  const worse = await simTrain({ model: 'sim-base', data: flipped, outputDir: path.join(dir, 'm-flip'), batchSize: 8, epochs: 2 });
  assert.equal(better.model, path.join(dir, 'm-good'));

  const base = await quality('sim-base');
  const up = await quality(better.model);
  const down = await quality(worse.model);
  assert.ok(up > base + 0.2, `trained on good pairs: ${up} vs base ${base}`);
  assert.ok(down < base - 0.2, `trained on flipped pairs: ${down} vs base ${base}`);

  // the good model's own training signal: loss fell, margins grew positive
  const first = better.metrics[0];
  const last = better.metrics[better.metrics.length - 1];
  assert.ok(last.loss! < first.loss!, `loss ${first.loss} → ${last.loss}`);
  assert.ok(last.rewardsMargins! > 0);

  // served by relative id too, and listed by /v1/models
  const listed = (await client.models.list()).data.map((m) => m.id);
  assert.ok(listed.includes('m-good') && listed.includes('m-flip'), listed.join(','));
  assert.ok((await answers('m-good', PROMPTS[0], 1)).length === 4);
});
