/** The new-instruction writer: recognises few-shot requests from content and answers in the examples' style. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTRUCTION_FAILURE_RATES, parseFewShot, writeInstruction } from '../../../remote/backends/sim/instructions';
import { NEEDS_OTHER_MEDIA } from '../../../remote/backends/sim/lexicon';
import { PromptFilter } from '../../../remote/pipeline/promptFilter';
import { validateConfig } from '../../../remote/config/config';
import { DEMO_SEED } from '../../../remote/seed/builtin/demo';
import { hashSeed } from '../../../remote/backends/sim/rng';
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
  const clean = outs.filter((o) => !/^\d+\.\s/.test(o) && !o.includes('\n') && !examples.includes(o) && o.length >= 20 && !NEEDS_OTHER_MEDIA.includes(o));
  const failRate = 1 - clean.length / n;
  const expected = Object.values(INSTRUCTION_FAILURE_RATES).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(failRate - expected) < 0.04, `failure rate ${failRate} vs ${expected}`);
  assert.ok(outs.some((o) => o.includes('\n')), 'a list of several instructions occurs');
  assert.ok(outs.some((o) => examples.includes(o)), 'an echo occurs');
  assert.ok(outs.some((o) => NEEDS_OTHER_MEDIA.includes(o)), 'a request for a picture or a file occurs');
  // a question may be followed by a circumstance or a constraint ("… ? I only have weekends free.")
  assert.ok(clean.filter((o) => o.includes('?')).length / clean.length > 0.6, 'question-style examples give mostly questions');
  assert.ok(new Set(clean).size > 100, 'varied');
  const imperative = ['Write a limerick about a lazy dog.', 'Summarise the plot of a famous novel.', 'Draft an email asking for a day off.'];
  const imp = Array.from({ length: 300 }, (_, i) => writeInstruction(imperative, new Rng(i))).filter((o) => !o.includes('\n'));
  assert.ok(imp.filter((o) => o.includes('?')).length / imp.length < 0.4, 'imperative examples give mostly imperatives');
});

test('the same examples and seed give the same instruction; other seeds give others', () => {
  const a = Array.from({ length: 50 }, (_, i) => writeInstruction(examples, new Rng(hashSeed('same', i))));
  const b = Array.from({ length: 50 }, (_, i) => writeInstruction(examples, new Rng(hashSeed('same', i))));
  assert.deepEqual(a, b);
  assert.ok(new Set(a).size > 45);
});

test('the writer holds 20,000 distinct prompts for an iteration at Self-Instruct\'s filters, and has room for the next', { timeout: 600_000 }, () => {
  // the prompt stage's filter with the default (paper) settings, few-shot from the demo seeds plus 2 kept prompts
  const params = validateConfig({ name: 'x', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }).prompts;
  const seeds = DEMO_SEED.map((d) => d.instruction);
  const earlier: string[] = [];
  for (const [t, want] of [[1, 20_000], [2, 5_000]]) {
    const filter = new PromptFilter({ params, seeds, earlier: [...earlier], kept: [] });
    const kept: string[] = [];
    let attempts = 0;
    while (kept.length < want && attempts < 4 * want) {
      const rng = new Rng(hashSeed('space', t, attempts++));
      const pool = [...earlier, ...kept];
      const generated = pool.length ? [pool[rng.int(pool.length)], pool[rng.int(pool.length)]] : [];
      const shots = [...rng.sample(seeds, 8 - generated.length), ...generated];
      const v = filter.check(writeInstruction(shots, rng), 'stop', shots);
      if (!v.drop) kept.push(v.text);
    }
    assert.equal(kept.length, want, `iteration ${t}: ${kept.length} kept after ${attempts} attempts`);
    // about 10 % are the writer's deliberate failure modes; near-duplicates (of this iteration's prompts or the
    // previous one's) must stay a minority
    assert.ok(attempts < 1.6 * want, `iteration ${t}: ${want} kept took ${attempts} attempts`);
    earlier.push(...kept);
  }
});
