/**
 * The SFT iteration's data builders on a small Open Assistant tree fixture (test/fixtures/oasst/trees.jsonl, our own
 * words): IFT filtering and limits, EFT groups and their disjoint split, the rank-agreement filter and the modal
 * down-sampling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSeed, promptKey } from '../../../remote/seed/index';
import { buildIft, iftCounts } from '../../../remote/pipeline/ift';
import { agreesWithPeople, buildEftRows, downsampleModal, splitEftGroups } from '../../../remote/pipeline/eft';
import type { EftGroupRecord, GroupJudgmentRecord } from '../../../remote/protocol';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { repoRoot, tmpDir } from '../../helpers/tmp';

const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'oasst', 'trees.jsonl');
const SFT = { language: 'en', ift: { maxExamples: 3 }, eft: { evalFraction: 0.25, downsampleModal: true } };

const seed = loadSeed([{ path: FIXTURE, format: 'oasst' }]);

test('the Open Assistant fixture loads as first turns with their best answer, languages and ranked groups (ties kept)', () => {
  assert.equal(seed.prompts.length, 13, 'the repeated instruction loads once');
  assert.deepEqual(seed.prompts.filter((p) => p.lang !== 'en').map((p) => p.lang).sort(), ['de', 'es']);
  const tied = seed.labelled.find((g) => g.prompt.startsWith('Is it better to stretch'))!;
  assert.deepEqual(tied.answers.map((a) => a.rank), [1, 1], 'equal Open Assistant ranks stay equal');
  const steak = seed.prompts.find((p) => p.text.startsWith('How long should I rest a steak'))!;
  assert.match(steak.answer!, /^About five minutes/, 'the best-ranked reply is the answer');
});

test('IFT: drop reasons (no answer, language, over the limit), groupless prompts first, counts add up', () => {
  const recs = buildIft(seed, SFT, 1);
  const counts = iftCounts(recs);
  assert.equal(recs.length, 13);
  assert.deepEqual(counts, { considered: 13, kept: 3, 'dropped.no_answer': 1, 'dropped.language': 2, 'dropped.over_limit': 7 });
  const kept = recs.filter((r) => r.kept).map((r) => r.prompt);
  // the prompts no EFT group could use go first: the unranked reply and the tied ranking
  assert.ok(kept.some((p) => p.startsWith('Write a one-line slogan')));
  assert.ok(kept.some((p) => p.startsWith('Is it better to stretch')));
  assert.ok(recs.filter((r) => r.kept).every((r) => r.completion.length > 0));
  assert.equal(recs.find((r) => r.prompt.startsWith('What should I plant'))!.dropReason, 'no_answer');
  // no language filter: the German and Spanish prompts compete for the limit too
  assert.equal(iftCounts(buildIft(seed, { ...SFT, language: '' }, 1))['dropped.language'], undefined);
  // a different run seed picks differently among ranked prompts, but still groupless first
  const other = buildIft(seed, { ...SFT, ift: { maxExamples: 2 } }, 2).filter((r) => r.kept).map((r) => r.prompt).sort();
  assert.deepEqual(other, kept.filter((p) => /^(Write a one-line|Is it better)/.test(p)).sort());
});

test('IFT and the EFT split do not depend on the order of the seed file', () => {
  const lines = fs.readFileSync(FIXTURE, 'utf8').trim().split('\n');
  const shuffled = path.join(tmpDir(), 'shuffled.jsonl');
  fs.writeFileSync(shuffled, [...lines].reverse().join('\n') + '\n');
  const other = loadSeed([{ path: shuffled, format: 'oasst' }]);
  const keptOf = (s: typeof seed) => buildIft(s, SFT, 5).filter((r) => r.kept).map((r) => r.prompt).sort();
  assert.deepEqual(keptOf(other), keptOf(seed));
  const splitOf = (s: typeof seed) => {
    const ift = new Set(buildIft(s, SFT, 5).filter((r) => r.kept).map((r) => promptKey(r.prompt)));
    return splitEftGroups(s, ift, SFT, 5).groups.map((g) => `${g.split}:${g.prompt}`).sort();
  };
  assert.deepEqual(splitOf(other), splitOf(seed));
});

test('EFT groups: usable English rankings IFT did not take, split into disjoint train and eval', () => {
  const ift = buildIft(seed, SFT, 1);
  const iftPrompts = new Set(ift.filter((r) => r.kept).map((r) => promptKey(r.prompt)));
  const { groups, dropped } = splitEftGroups(seed, iftPrompts, SFT, 1);
  // 8 English rankings; the tied one and the other languages are out; the steak question's second tree is a repeat
  assert.equal(dropped.too_few_ranks, 1);
  assert.equal(dropped.language, 2);
  assert.equal(dropped.duplicate, 1);
  assert.equal((dropped.ift ?? 0) + groups.length, 8);
  const train = groups.filter((g) => g.split === 'train');
  const evalSplit = groups.filter((g) => g.split === 'eval');
  assert.equal(evalSplit.length, Math.round(groups.length * 0.25));
  assert.ok(train.length > 0);
  const keys = (gs: EftGroupRecord[]) => new Set(gs.map((g) => promptKey(g.prompt)));
  for (const k of keys(train)) assert.ok(!keys(evalSplit).has(k) && !iftPrompts.has(k), `disjoint: ${k}`);
  for (const k of keys(evalSplit)) assert.ok(!iftPrompts.has(k));
  for (const g of groups) assert.ok(new Set(g.answers.map((a) => a.rank)).size >= 2);
  // maxGroups caps the groups and says how many it left out
  const capped = splitEftGroups(seed, iftPrompts, { ...SFT, eft: { ...SFT.eft, maxGroups: 3 } }, 1);
  assert.equal(capped.groups.length, 3);
  assert.equal(capped.dropped.over_limit, groups.length - 3);
  assert.equal(capped.groups.filter((g) => g.split === 'eval').length, 1);
});

test('rank agreement: the judge must order every pair people ranked apart the same way (a judge tie disagrees)', () => {
  const a = (humanRank: number, score: number | null) => ({ humanRank, score });
  assert.equal(agreesWithPeople([a(1, 5), a(2, 3), a(3, 1)]), true);
  assert.equal(agreesWithPeople([a(1, 4), a(2, 4), a(3, 1)]), false, 'a tie on a ranked pair');
  assert.equal(agreesWithPeople([a(1, 2), a(2, 3)]), false, 'reversed');
  assert.equal(agreesWithPeople([a(1, 5), a(2, null), a(3, 1)]), true, 'unscored answers are left out');
  assert.equal(agreesWithPeople([a(1, 5), a(2, null)]), false, 'fewer than two scored');
  assert.equal(agreesWithPeople([a(1, 3), a(1, 4), a(2, 1)]), true, 'people tied: any order');
});

test('modal down-sampling caps the most frequent score at the second most frequent, seeded, order-free', () => {
  const rows = [4, 4, 4, 4, 4, 4, 3, 3, 3, 2, 2, 5].map((score, i) => ({ id: `r${i}`, score }));
  const d = downsampleModal(rows, 1);
  assert.deepEqual(d.before, { '2': 2, '3': 3, '4': 6, '5': 1 });
  assert.deepEqual(d.after, { '2': 2, '3': 3, '4': 3, '5': 1 });
  assert.equal(d.kept.length, 9);
  const again = downsampleModal([...rows].reverse(), 1);
  assert.deepEqual(again.kept.map((r) => r.id).sort(), d.kept.map((r) => r.id).sort());
  const picks = new Set([1, 2, 3, 4, 5, 6].map((seed) => downsampleModal(rows, seed).kept.map((r) => r.id).sort().join()));
  assert.ok(picks.size > 1, 'other seeds keep other 4s');
  // nothing to balance against
  assert.equal(downsampleModal(rows.filter((r) => r.score === 4), 1).kept.length, 6);
  assert.equal(downsampleModal([{ id: 'a', score: 4 }, { id: 'b', score: 3 }], 1).kept.length, 2);
});

test('EFT rows: kept where the baseline ordered the group as people did, with its verdict as the target', () => {
  const group = (id: string, n: number): EftGroupRecord => ({ id, split: 'train', prompt: `Question ${id}?`, answers: Array.from({ length: n }, (_, i) => ({ text: `Answer ${i} of ${id}`, rank: i + 1 })) });
  const v = (group: string, answer: number, score: number | null): GroupJudgmentRecord => ({
    id: `sft-baseline/${group}/${answer}/0`, model: 'SFT baseline', group, split: 'train', answer, humanRank: answer + 1, sample: 0,
    text: score === null ? 'No verdict.' : `Reasons.\nScore: ${score}`, score, parseOk: score !== null,
  });
  const groups = [group('a', 3), group('b', 3), group('c', 3)];
  const verdicts = [v('a', 0, 5), v('a', 1, 3), v('a', 2, 1), v('b', 0, 2), v('b', 1, 4), v('b', 2, 1), v('c', 0, 4), v('c', 1, null), v('c', 2, 2)];
  const r = buildEftRows(groups, verdicts, DEFAULT_RUBRIC, 1, false);
  assert.equal(r.agreeingGroups, 2);
  assert.deepEqual(r.rows.map((x) => x.id), ['a/0', 'a/1', 'a/2', 'c/0', 'c/2']);
  const row = r.rows[0];
  assert.match(row.prompt, /<response>\s*Answer 0 of a\s*<\/response>/);
  assert.match(row.prompt, /<instruction>\s*Question a\?/);
  assert.equal(row.completion, 'Reasons.\nScore: 5');
  assert.equal(row.score, 5);
  assert.equal(row.humanRank, 1);
});
