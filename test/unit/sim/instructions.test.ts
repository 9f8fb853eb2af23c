/** The new-instruction writer: recognises few-shot requests from content and answers in the examples' style. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUCTION_FAILURE_RATES, parseFewShot, writeInstruction } from '../../../remote/backends/sim/instructions';
import { Rng } from '../../../remote/backends/sim/rng';

const examples = [
  'How do I fix a squeaky door hinge?', 'What is a good way to learn chess openings?', 'How can I make my coffee less bitter?',
  'Why do cats knead blankets?', 'How do I get rid of fruit flies in the kitchen?', 'What should I pack for a beach holiday?',
  'How can I stop procrastinating on homework?', 'What makes a good first paragraph in an essay?',
];
const pipelinePrompt = `Below are example instructions a user might give an AI assistant. Write one new instruction that differs from all of them: a single, self-contained request in a similar style. Reply with the instruction only.\n\n${examples.map((e, i) => `Example ${i + 1}: ${e}`).join('\n')}\nNew instruction:`;

test('few-shot requests are recognised in several wordings; plain instructions are not', () => {
  assert.deepEqual(parseFewShot(pipelinePrompt), examples);
  const other = `Here are some tasks people ask an assistant:\n1. ${examples[0]}\n2. ${examples[1]}\n3. ${examples[2]}\nPlease come up with another task like these.`;
  assert.deepEqual(parseFewShot(other), examples.slice(0, 3));
  assert.equal(parseFewShot('Write a new instruction manual for my dishwasher.'), undefined);
  assert.equal(parseFewShot('How do I fix a squeaky door hinge?'), undefined);
});

test('new instructions follow the examples (questions → mostly questions), rarely fail, and failures are the realistic kinds', () => {
  const n = 1000;
  const outs = Array.from({ length: n }, (_, i) => writeInstruction(examples, new Rng(i)));
  const clean = outs.filter((o) => !/^\d+\.\s/.test(o) && !o.includes('\n') && !examples.includes(o) && o.length >= 20);
  const failRate = 1 - clean.length / n;
  const expected = Object.values(INSTRUCTION_FAILURE_RATES).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(failRate - expected) < 0.04, `failure rate ${failRate} vs ${expected}`);
  assert.ok(outs.some((o) => o.includes('\n')), 'a list of several instructions occurs');
  assert.ok(outs.some((o) => examples.includes(o)), 'an echo occurs');
  assert.ok(clean.filter((o) => o.endsWith('?')).length / clean.length > 0.6, 'question-style examples give mostly questions');
  assert.ok(new Set(clean).size > 100, 'varied');
  const imperative = ['Write a limerick about a lazy dog.', 'Summarise the plot of a famous novel.', 'Draft an email asking for a day off.'];
  const imp = Array.from({ length: 300 }, (_, i) => writeInstruction(imperative, new Rng(i))).filter((o) => !o.includes('\n'));
  assert.ok(imp.filter((o) => o.endsWith('?')).length / imp.length < 0.4, 'imperative examples give mostly imperatives');
});
