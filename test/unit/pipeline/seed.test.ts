import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSeed } from '../../../remote/seed/index';
import { tmpDir } from '../../helpers/tmp';

const dir = tmpDir();
const write = (name: string, lines: unknown[] | string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, typeof lines === 'string' ? lines : lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return p;
};

test('builtin:demo and builtin:labelled are the shipped sets', () => {
  const demo = loadSeed([{ path: 'builtin:demo', format: 'auto' }]);
  assert.ok(demo.prompts.length >= 60);
  assert.ok(demo.prompts.every((p) => p.answer && p.text && /^demo-\d{3}$/.test(p.id)));
  assert.equal(new Set(demo.prompts.map((p) => p.id)).size, demo.prompts.length);
  const lab = loadSeed([{ path: 'builtin:labelled', format: 'auto' }]);
  assert.ok(lab.labelled.length >= 20);
  for (const g of lab.labelled) {
    assert.ok(g.answers.length >= 3 && g.answers.length <= 4, g.group);
    assert.deepEqual(g.answers.map((a) => a.rank).sort(), g.answers.map((_, i) => i + 1));
  }
  assert.throws(() => loadSeed([{ path: 'builtin:nope', format: 'auto' }]), /builtin:nope: unknown built-in seed set/);
});

test('Open Assistant trees → best answer and labelled ranking (first turn only)', () => {
  const f = write('oasst.jsonl', [{
    message_tree_id: 't1',
    prompt: { message_id: 'p1', role: 'prompter', text: 'What is a prime number?', replies: [
      { role: 'assistant', text: 'A number with exactly two divisors.', rank: 1, replies: [] },
      { role: 'assistant', text: 'A whole number > 1 divisible only by 1 and itself.', rank: 0, replies: [{ role: 'prompter', text: 'follow-up', replies: [] }] },
      { role: 'assistant', text: 'An even number.', rank: 2 },
    ] },
  }]);
  const s = loadSeed([{ path: f, format: 'auto' }]);
  assert.deepEqual(s.prompts, [{ id: 'oasst.jsonl:1', text: 'What is a prime number?', answer: 'A whole number > 1 divisible only by 1 and itself.' }]);
  assert.deepEqual(s.labelled[0].answers.map((a) => [a.rank, a.text.slice(0, 10)]), [[1, 'A whole nu'], [2, 'A number w'], [3, 'An even nu']]);
});

test('Open Assistant flat messages are rebuilt into trees', () => {
  const f = write('msgs.jsonl', [
    { message_id: 'a', parent_id: null, role: 'prompter', text: 'Name a colour.' },
    { message_id: 'b', parent_id: 'a', role: 'assistant', text: 'Blue.', rank: 1 },
    { message_id: 'c', parent_id: 'a', role: 'assistant', text: 'Red, like a ripe tomato.', rank: 0 },
    { message_id: 'd', parent_id: 'c', role: 'prompter', text: 'Another?' },
  ]);
  const s = loadSeed([{ path: f, format: 'oasst' }]);
  assert.equal(s.prompts.length, 1);
  assert.equal(s.prompts[0].answer, 'Red, like a ripe tomato.');
  assert.equal(s.labelled.length, 1);
});

test('Alpaca (JSON array), ShareGPT, chat JSONL and plain prompt lists', () => {
  const alp = path.join(dir, 'alpaca.json');
  fs.writeFileSync(alp, JSON.stringify([{ instruction: 'Summarise.', input: 'Long text here.', output: 'Short.' }, { instruction: 'Say hi.', input: '', output: 'Hi!' }]));
  const sg = write('sg.jsonl', [{ conversations: [{ from: 'system', value: 'be nice' }, { from: 'human', value: 'Tell a joke.' }, { from: 'gpt', value: 'Why did…' }] }]);
  const chat = write('chat.jsonl', [{ messages: [{ role: 'user', content: 'Plan a picnic.' }, { role: 'assistant', content: 'Bring a blanket.' }] }]);
  const txt = write('list.txt', 'Write a poem about rain.\n\nDescribe a sunset.\n');
  const s = loadSeed([{ path: alp, format: 'auto' }, { path: sg, format: 'auto' }, { path: chat, format: 'chat' }, { path: txt, format: 'auto' }]);
  assert.deepEqual(s.prompts.map((p) => [p.text, p.answer]), [
    ['Summarise.\n\nLong text here.', 'Short.'],
    ['Say hi.', 'Hi!'],
    ['Tell a joke.', 'Why did…'],
    ['Plan a picnic.', 'Bring a blanket.'],
    ['Write a poem about rain.', undefined],
    ['Describe a sunset.', undefined],
  ]);
});

test('a bad line is an error naming file:line and the reason; tolerant skips and counts', () => {
  const f = write('bad.jsonl', [{ instruction: 'Fine.', output: 'ok' }, '{not json', { instruction: '', output: 'x' }, { instruction: 'Also fine.', output: 'ok' }]);
  assert.throws(() => loadSeed([{ path: f, format: 'auto' }]), (e: Error) => e.message.startsWith(`${f}:2: invalid JSON`));
  const onlyEmpty = write('bad2.jsonl', [{ instruction: 'Fine.', output: 'ok' }, { instruction: '  ', output: 'x' }]);
  assert.throws(() => loadSeed([{ path: onlyEmpty, format: 'alpaca' }]), /bad2\.jsonl:2: field "instruction" must be a non-empty string/);
  const s = loadSeed([{ path: f, format: 'auto', tolerant: true }]);
  assert.equal(s.prompts.length, 2);
  assert.equal(s.skipped, 2);
  assert.throws(() => loadSeed([{ path: path.join(dir, 'missing.jsonl'), format: 'auto' }]), /missing\.jsonl: cannot read seed file/);
  const odd = write('odd.jsonl', [{ foo: 1 }]);
  assert.throws(() => loadSeed([{ path: odd, format: 'auto' }]), /odd\.jsonl:1: cannot tell the format/);
});

test('duplicate instructions across sources are loaded once', () => {
  const a = write('a.txt', 'Describe a sunset.\n');
  const s = loadSeed([{ path: a, format: 'prompts' }, { path: a, format: 'prompts' }]);
  assert.equal(s.prompts.length, 1);
});
