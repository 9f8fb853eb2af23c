/** The prompt filter: each data-path option (defaults: Self-Instruct's) changes exactly what it says. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PromptFilter, type PromptFilterParams } from '../../../remote/pipeline/promptFilter';
import { validateConfig } from '../../../remote/config/config';

const defaults = validateConfig({ name: 'x', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }).prompts;
const filter = (over: Partial<PromptFilterParams> = {}, sets: { seeds?: string[]; earlier?: string[]; kept?: string[] } = {}) =>
  new PromptFilter({ params: { ...defaults, ...over }, seeds: sets.seeds ?? ['Explain why the sky is blue.'], earlier: sets.earlier ?? [], kept: sets.kept ?? [] });
const verdict = (f: PromptFilter, text: string, finish = 'stop', examples: string[] = []) => f.check(text, finish, examples).drop ?? 'kept';

test('the defaults are Self-Instruct\'s', () => {
  assert.equal(defaults.fewShot, 8);
  assert.equal(defaults.fewShotGenerated, 2);
  assert.equal(defaults.minWords, 4);
  assert.equal(defaults.maxWords, 150);
  assert.deepEqual(defaults.blockedKeywords, ['image', 'images', 'graph', 'graphs', 'picture', 'pictures', 'file', 'files', 'map', 'maps', 'draw', 'plot', 'go to']);
  assert.deepEqual(defaults.blockedPrefixes, ['write a program']);
  assert.equal(defaults.startFilter, true);
  assert.equal(defaults.dropTruncated, true);
  assert.equal(defaults.dedupeAcrossIterations, true);
  assert.equal(defaults.rougeThreshold, 0.7);
  assert.equal(defaults.minChars, undefined);
  assert.equal(defaults.maxChars, undefined);
});

test('dropTruncated: a generation cut by max tokens is dropped, or kept when off', () => {
  assert.equal(verdict(filter(), 'Plan a week of cheap family dinners.', 'length'), 'truncated');
  assert.equal(verdict(filter({ dropTruncated: false }), 'Plan a week of cheap family dinners.', 'length'), 'kept');
});

test('minWords / maxWords count whitespace-separated words: fewer than 4 or more than 150 go', () => {
  assert.equal(verdict(filter(), 'Explain compound interest.'), 'too_short'); // 3 words
  assert.equal(verdict(filter(), 'Explain compound interest simply.'), 'kept'); // 4
  assert.equal(verdict(filter({ minWords: 3 }), 'Explain compound interest.'), 'kept');
  const long = `Describe ${Array.from({ length: 150 }, (_, i) => `w${i}`).join(' ')}.`; // 151 words
  assert.equal(verdict(filter(), long), 'too_long');
  assert.equal(verdict(filter({ maxWords: 200 }), long), 'kept');
});

test('minChars / maxChars are off unless set', () => {
  assert.equal(verdict(filter(), 'Is it ok?? Yes no?'), 'kept');
  assert.equal(verdict(filter({ minChars: 30 }), 'Is it ok?? Yes no?'), 'too_short');
  assert.equal(verdict(filter({ maxChars: 20 }), 'Plan a week of cheap family dinners.'), 'too_long');
});

test('blockedKeywords match whole words and phrases, any case; [] turns the filter off', () => {
  assert.equal(verdict(filter(), 'Describe the IMAGE below in detail.'), 'keyword');
  assert.equal(verdict(filter(), 'Tell me how to go to the station.'), 'keyword');
  assert.equal(verdict(filter(), 'Imagine a city without cars and describe it.'), 'kept', 'imagine is not image');
  assert.equal(verdict(filter(), 'Summarise the plot of Hamlet briefly.'), 'keyword');
  assert.equal(verdict(filter({ blockedKeywords: [] }), 'Summarise the plot of Hamlet briefly.'), 'kept');
});

test('blockedPrefixes: "write a program" openings go, any case', () => {
  assert.equal(verdict(filter(), 'Write A Program that sorts a list.'), 'keyword');
  assert.equal(verdict(filter(), 'Write a poem that sorts feelings.'), 'kept');
  assert.equal(verdict(filter({ blockedPrefixes: [] }), 'Write a program that sorts a list.'), 'kept');
});

test('startFilter: a first character that is ASCII punctuation or not ASCII drops the prompt', () => {
  assert.equal(verdict(filter(), '(Optional) list three uses of vinegar.'), 'bad_start');
  assert.equal(verdict(filter(), '¿Qué hago con tanto tomate maduro?'), 'bad_start');
  assert.equal(verdict(filter(), '3 ways to reuse glass jars, please.'), 'kept');
  assert.equal(verdict(filter({ startFilter: false }), '(Optional) list three uses of vinegar.'), 'kept');
});

test('dedupeAcrossIterations: a near copy of a prompt kept in an earlier iteration goes, or stays when off', () => {
  const earlier = ['How do I keep basil alive on a sunny kitchen windowsill?'];
  const copy = 'How do I keep basil alive on a sunny windowsill?';
  assert.equal(verdict(filter({}, { earlier }), copy), 'earlier_duplicate');
  assert.equal(verdict(filter({ dedupeAcrossIterations: false }, { earlier }), copy), 'kept');
});

test('rougeThreshold: above it is a duplicate (of a seed, an example, a kept prompt); exactly at it is not', () => {
  const f = filter({}, { seeds: ['a b c d e f g h i j'] });
  assert.equal(verdict(f, 'a b c d e f g x y z'), 'kept', 'F = 0.7 is not above 0.7');
  assert.equal(verdict(f, 'a b c d e f g h y z'), 'seed_duplicate');
  assert.equal(verdict(f, 'a b c d e f g x y w'), 'near_duplicate', 'against the prompt kept just before');
  assert.equal(verdict(filter({ rougeThreshold: 0.9 }, { seeds: ['a b c d e f g h i j'] }), 'a b c d e f g h y z'), 'kept');
  assert.equal(verdict(filter(), 'Plan a picnic for four friends.', 'stop', ['Plan a picnic for four good friends.']), 'echo');
});

test('a kept prompt is compared with every later one; a resume starts from the prompts kept so far', () => {
  const f = filter();
  assert.equal(verdict(f, 'Suggest a weekend plan for a rainy city break.'), 'kept');
  assert.equal(verdict(f, 'Suggest a weekend plan for a rainy city break, please.'), 'near_duplicate');
  const resumed = filter({}, { kept: ['Suggest a weekend plan for a rainy city break.'] });
  assert.equal(verdict(resumed, 'Suggest a weekend plan for a rainy city break, please.'), 'near_duplicate');
});
