import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_META_JUDGE, fillMetaTemplate, parseVerdict, rubricCriteria, wordCount } from '../../../remote/rubric/metaTemplate';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { META_JUDGE_SPEC, lintRubric } from '../../../src/rubric/lint';
import { parseMetaPrompt } from '../../../remote/backends/sim/metaJudge';
import { parseJudgePrompt } from '../../../remote/backends/sim/judge';

test('fill: one pass, so a judgment or answer holding {{placeholders}} is never substituted again', () => {
  const out = fillMetaTemplate('{{rubric}}|{{instruction}}|{{response}}|{{judgment_a}}|{{judgment_b}}|{{unknown}}', { rubric: 'R', instruction: 'I {{response}}', response: 'X', a: 'A {{judgment_b}}', b: 'B' });
  assert.equal(out, 'R|I {{response}}|X|A {{judgment_b}}|B|{{unknown}}');
});

test('the rubric as the meta-judge reads it: criteria and instructions, without the answer blocks', () => {
  const c = rubricCriteria(DEFAULT_RUBRIC);
  assert.match(c, /Add 1 point/);
  assert.match(c, /Score: <total points>/);
  assert.doesNotMatch(c, /\{\{(instruction|response)\}\}/);
  assert.doesNotMatch(c, /<instruction>|<response>/);
  // a rubric with "Instruction: {{instruction}}" lines loses those lines only
  assert.equal(rubricCriteria('Grade it.\nInstruction: {{instruction}}\nResponse: {{response}}\n- Add 1 point if useful.'), 'Grade it.\n- Add 1 point if useful.');
});

test('verdicts: the last Winner line, in the forms models write it', () => {
  assert.equal(parseVerdict('Both have merit.\nWinner: A'), 'A');
  assert.equal(parseVerdict('Winner: A at first sight... on reflection\n**Winner:** Evaluation B'), 'B');
  assert.equal(parseVerdict('winner: judgment b'), 'B');
  assert.equal(parseVerdict('Winner: [Judgement A]'), 'A');
  assert.equal(parseVerdict('The winner is clear.'), null);
  assert.equal(parseVerdict('Winner: C'), null);
  assert.equal(wordCount('  two   words\n'), 2);
});

test('the built-in template: every placeholder, a Winner line, and the sim reads it as a meta-judge prompt (not a judge prompt)', () => {
  assert.deepEqual(lintRubric(DEFAULT_META_JUDGE, META_JUDGE_SPEC), []);
  const filled = fillMetaTemplate(DEFAULT_META_JUDGE, { rubric: rubricCriteria(DEFAULT_RUBRIC), instruction: 'How do I boil an egg?', response: 'Boil it for 6 minutes.', a: 'Good.\n\nScore: 4', b: 'Bad.\n\nScore: 1' });
  const p = parseMetaPrompt(filled)!;
  assert.equal(p.instruction, 'How do I boil an egg?');
  assert.equal(p.response, 'Boil it for 6 minutes.');
  assert.equal(p.a, 'Good.\n\nScore: 4');
  assert.equal(p.b, 'Bad.\n\nScore: 1');
  assert.match(p.rubric, /Add a 5th point/);
  // a judge prompt is not a meta prompt, and the server asks the meta parser first (a meta prompt also looks like a judge prompt)
  assert.equal(parseMetaPrompt(DEFAULT_RUBRIC.replace('{{instruction}}', 'x').replace('{{response}}', 'y')), undefined);
  assert.ok(parseJudgePrompt(filled), 'why the order matters');
});

test('lint of a meta-judge template: missing placeholders and Winner line named; unknown placeholders marked', () => {
  const problems = lintRubric('Compare {{judgment_a}} and {{judgment_b}} of {{response}} for {{instrucion}}.', META_JUDGE_SPEC);
  const missing = problems.filter((p) => p.code === 'missing-placeholder').map((p) => p.message);
  assert.ok(missing.some((m) => /\{\{rubric\}\}/.test(m)) && missing.some((m) => /\{\{instruction\}\}/.test(m)));
  assert.ok(problems.some((p) => p.code === 'unknown-placeholder' && /instrucion/.test(p.message) && /meta-judge/.test(p.message)));
  assert.ok(problems.some((p) => p.code === 'no-score-line' && /Winner: A/.test(p.message)));
});
