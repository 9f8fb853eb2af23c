import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { lintRubric } from '../../../src/rubric/lint';

test('the default rubric is clean', () => {
  assert.deepEqual(lintRubric(DEFAULT_RUBRIC), []);
});

test('missing {{instruction}} is an error on the first line', () => {
  const text = DEFAULT_RUBRIC.replace('{{instruction}}', 'the question');
  const p = lintRubric(text);
  assert.deepEqual(p.map((x) => [x.code, x.severity]), [['missing-placeholder', 'error']]);
  assert.match(p[0].message, /\{\{instruction\}\}/);
  assert.equal(p[0].start, 0);
  assert.equal(p[0].end, text.indexOf('\n'));
});

test('missing {{response}} is an error', () => {
  const p = lintRubric(DEFAULT_RUBRIC.replace('{{response}}', ''));
  assert.deepEqual(p.map((x) => x.code), ['missing-placeholder']);
  assert.match(p[0].message, /\{\{response\}\}/);
});

test('no instruction about the final Score: line is a warning on the last line', () => {
  const text = 'Grade {{response}} to {{instruction}}.\nGive a number at the end.\n';
  const p = lintRubric(text);
  assert.deepEqual(p.map((x) => [x.code, x.severity]), [['no-score-line', 'warning']]);
  assert.equal(text.slice(p[0].start, p[0].end), 'Give a number at the end.\n');
  assert.deepEqual(lintRubric('{{instruction}} {{response}} end with **Score:** n'), []);
});

test('an unknown placeholder is flagged with its exact range', () => {
  const text = 'Q: {{instruction}}\nA: {{ answer }}\nRef: {{reference}}\nScore: <n>\n{{response}}';
  const p = lintRubric(text);
  assert.deepEqual(p.map((x) => [x.code, text.slice(x.start, x.end)]), [
    ['unknown-placeholder', '{{ answer }}'],
    ['unknown-placeholder', '{{reference}}'],
  ]);
  assert.match(p[0].message, /\{\{answer\}\}.*\{\{instruction\}\} or \{\{response\}\}/);
});

test('an empty rubric reports every problem', () => {
  assert.deepEqual(lintRubric('').map((x) => x.code).sort(), ['missing-placeholder', 'missing-placeholder', 'no-score-line']);
});
