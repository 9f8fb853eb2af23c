/** The judge reads the rubric it is given: edits move scores in the expected direction. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RUBRIC, fillRubric } from '../../../remote/rubric/template';
import { judge, parseCriteria, parseJudgePrompt } from '../../../remote/backends/sim/judge';
import { renderAnswer } from '../../../remote/backends/sim/answers';
import type { LatentConfig } from '../../../remote/backends/sim/policy';
import { Rng } from '../../../remote/backends/sim/rng';

const instruction = 'How can I keep a small vegetable garden healthy through a hot summer?';
const answer = (c: Partial<LatentConfig>, seed: number): string =>
  renderAnswer({ relevance: 2, points: 3, structure: 2, expertise: 1, filler: 0, elaboration: 0, ...c }, instruction, new Rng(seed));

/** mean score over several answers of a kind and several judge samples */
function meanScore(rubric: string, kind: Partial<LatentConfig>, temperature = 0.7): number {
  let sum = 0;
  let n = 0;
  for (let a = 0; a < 6; a++) {
    const parsed = parseJudgePrompt(fillRubric(rubric, instruction, answer(kind, a)))!;
    for (let k = 0; k < 5; k++) {
      const out = judge(parsed, temperature, new Rng(a * 100 + k), false);
      sum += out.score!;
      n++;
    }
  }
  return sum / n;
}

const good: Partial<LatentConfig> = { relevance: 2, points: 5, structure: 2, expertise: 2, filler: 0, elaboration: 0 };
const poor: Partial<LatentConfig> = { relevance: 0, points: 0, structure: 0, expertise: 0, filler: 2, elaboration: 0 };
const padded: Partial<LatentConfig> = { relevance: 2, points: 5, structure: 2, expertise: 2, filler: 3, elaboration: 2 };

// Rubric B: the default with its last two criteria removed (a 3-point rubric).
const lines = DEFAULT_RUBRIC.split('\n');
const fourth = lines.findIndex((l) => l.startsWith('- Add a 4th point'));
const sixth = lines.findIndex((l, i) => i > fourth && l.trim() === '');
const THREE_POINT = [...lines.slice(0, fourth), ...lines.slice(sixth)].join('\n');
// Rubric C: the default plus a criterion against padding.
const ANTI_VERBOSE = DEFAULT_RUBRIC.replace(
  '\n\n<instruction>',
  '\n- Subtract 1 point if the response is verbose: padded with filler, repetition or unnecessary length.\n\n<instruction>',
);

test('the default rubric is read as five one-point criteria of rising strictness', () => {
  const cs = parseCriteria(DEFAULT_RUBRIC);
  assert.equal(cs.length, 5);
  assert.deepEqual(cs.map((c) => c.points), [1, 1, 1, 1, 1]);
  assert.ok(cs[0].bar < cs[4].bar);
  assert.ok(cs[0].qualities.includes('relevance'));
  assert.ok(cs[4].qualities.includes('expertise') && cs[4].qualities.includes('concision'));
  assert.equal(parseCriteria(THREE_POINT).length, 3);
  assert.equal(parseCriteria(ANTI_VERBOSE).filter((c) => c.penalty).length, 1);
});

test('better answers score higher than poor ones under the default rubric', () => {
  const g = meanScore(DEFAULT_RUBRIC, good);
  const p = meanScore(DEFAULT_RUBRIC, poor);
  assert.ok(g >= p + 2, `good ${g} vs poor ${p}`);
});

test('removing criteria lowers the maximum and the scores', () => {
  const full = meanScore(DEFAULT_RUBRIC, good);
  const three = meanScore(THREE_POINT, good);
  assert.ok(three < full, `3-point ${three} vs 5-point ${full}`);
  for (let a = 0; a < 6; a++) {
    const out = judge(parseJudgePrompt(fillRubric(THREE_POINT, instruction, answer(good, a)))!, 1, new Rng(a), false);
    assert.equal(out.maxScore, 3);
    assert.ok(out.score! <= 3);
  }
});

test('a criterion against verbosity costs long padded answers points, not concise ones', () => {
  const paddedBefore = meanScore(DEFAULT_RUBRIC, padded);
  const paddedAfter = meanScore(ANTI_VERBOSE, padded);
  const conciseBefore = meanScore(DEFAULT_RUBRIC, good);
  const conciseAfter = meanScore(ANTI_VERBOSE, good);
  assert.ok(paddedAfter <= paddedBefore - 0.5, `padded ${paddedBefore} → ${paddedAfter}`);
  assert.ok(Math.abs(conciseAfter - conciseBefore) < 0.2, `concise ${conciseBefore} → ${conciseAfter}`);
  assert.ok(answer(padded, 1).length > 1.5 * answer(good, 1).length);
});

test('temperature 0 judges deterministically; the output ends in a Score line and stays under 100 words', () => {
  const p = parseJudgePrompt(fillRubric(DEFAULT_RUBRIC, instruction, answer(good, 3)))!;
  const a = judge(p, 0, new Rng(1), false);
  const b = judge(p, 0, new Rng(2), false);
  assert.equal(a.text, b.text);
  assert.match(a.text, /\nScore: \d+$/);
  assert.ok(a.text.split(/\s+/).length <= 102);
  const bad = judge(p, 0.7, new Rng(5), true);
  assert.equal(bad.score, null);
  assert.ok(!/Score:\s*\d/.test(bad.text));
});

test('judge prompts are recognised with tags or with Instruction:/Response: labels; other text is not', () => {
  const labelled = `Rate the answer below. Add 1 point if it is relevant. Add another point if it is well organised.\n\nInstruction: Name three rivers in Europe.\nResponse: The Danube, the Rhine and the Loire.\n\nEnd with "Score: <points>".`;
  const p = parseJudgePrompt(labelled)!;
  assert.equal(p.instruction, 'Name three rivers in Europe.');
  assert.equal(p.response, 'The Danube, the Rhine and the Loire.');
  assert.equal(parseJudgePrompt('How do I score more goals at football?'), undefined);
  const t = parseJudgePrompt(fillRubric(DEFAULT_RUBRIC, 'Say hi', 'Hi there!'))!;
  assert.equal(t.response, 'Hi there!');
  assert.ok(!t.rubric.includes('Hi there!'));
});
