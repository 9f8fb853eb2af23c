import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanInstruction, fewShotPrompt } from '../../../remote/pipeline/fewShot';
import { requestSeed, rng, sample } from '../../../remote/pipeline/seeds';

test('the few-shot prompt has the agreed shape', () => {
  const p = fewShotPrompt(['Write a haiku.', 'Explain rain.']);
  assert.equal(p, [
    'Below are example instructions a user might give an AI assistant. Write one new instruction that differs from all of them: a single, self-contained request in a similar style. Reply with the instruction only.',
    '',
    'Example 1: Write a haiku.',
    'Example 2: Explain rain.',
    '',
    'New instruction:',
  ].join('\n'));
});

const cases: [string, string, string | { drop: string }][] = [
  ['plain', 'Describe the smell of rain.', 'Describe the smell of rain.'],
  ['numbering', '1. Describe the smell of rain.', 'Describe the smell of rain.'],
  ['label', 'Instruction: Describe the smell of rain.', 'Describe the smell of rain.'],
  ['new instruction label', 'New instruction: Plan a picnic for four.', 'Plan a picnic for four.'],
  ['example label', 'Example 9: Plan a picnic for four.', 'Plan a picnic for four.'],
  ['bullet', '- Plan a picnic for four.', 'Plan a picnic for four.'],
  ['bold label', '**Instruction:** Plan a picnic for four.', 'Plan a picnic for four.'],
  ['quotes', '"Plan a picnic for four."', 'Plan a picnic for four.'],
  ['answer appended', 'Plan a picnic for four.\nAnswer: Bring sandwiches and a blanket.', 'Plan a picnic for four.'],
  ['multi-line single instruction kept', 'Rewrite this sentence in the passive voice:\nThe cat chased the mouse.', 'Rewrite this sentence in the passive voice:\nThe cat chased the mouse.'],
  ['list of instructions', '1. Plan a picnic.\n2. Write a poem about rain.\n3. Explain tides.', { drop: 'multi_instruction' }],
  ['several labelled', 'Instruction: Plan a picnic.\nInstruction: Explain tides.', { drop: 'multi_instruction' }],
  ['empty', '   ', { drop: 'empty' }],
  ['only a label', 'Instruction:', { drop: 'empty' }],
];

for (const [name, raw, want] of cases) {
  test(`cleanInstruction: ${name}`, () => {
    const r = cleanInstruction(raw);
    if (typeof want === 'string') assert.deepEqual(r, { text: want });
    else assert.deepEqual(r, want);
  });
}

test('request seeds are stable per (run seed, iteration, stage, item) and differ otherwise', () => {
  const a = requestSeed(1, 1, 'candidates', 't1-p00001');
  assert.equal(a, requestSeed(1, 1, 'candidates', 't1-p00001'));
  assert.ok(a >= 0 && a < 2 ** 31);
  const others = [requestSeed(2, 1, 'candidates', 't1-p00001'), requestSeed(1, 2, 'candidates', 't1-p00001'), requestSeed(1, 1, 'judgments', 't1-p00001'), requestSeed(1, 1, 'candidates', 't1-p00002')];
  assert.equal(new Set([a, ...others]).size, 5);
  const xs = Array.from({ length: 20 }, (_, i) => i);
  const s1 = sample(xs, 8, rng(42));
  assert.deepEqual(s1, sample(xs, 8, rng(42)));
  assert.equal(new Set(s1).size, 8);
  assert.deepEqual(sample(xs.slice(0, 3), 8, rng(1)).sort(), [0, 1, 2]);
});
