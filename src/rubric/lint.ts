/**
 * Rubric checks behind the editor diagnostics, kept free of `vscode` so they are testable (and reusable) anywhere:
 * a missing {{instruction}} / {{response}} placeholder, no instruction about the final `Score:` line, and unknown
 * placeholders (with their exact ranges). Offsets are UTF-16 code-unit offsets into the text, as vscode's
 * `TextDocument.positionAt` expects. The same checks serve the meta-judge template (META_JUDGE_SPEC: its own
 * placeholders and its final `Winner:` line).
 */
import { PLACEHOLDERS, scanPlaceholders } from '../../remote/rubric/template';
import { META_PLACEHOLDERS } from '../../remote/rubric/metaTemplate';

/** What a template must hold: its placeholders (and what each brings), and the final line the parser reads. */
export interface TemplateSpec {
  what: string;
  placeholders: readonly string[];
  missing(placeholder: string): string;
  finalLine: RegExp;
  noFinalLine: string;
}

export const RUBRIC_SPEC: TemplateSpec = {
  what: 'rubric',
  placeholders: PLACEHOLDERS,
  missing: (p) => `The rubric has no {{${p}}} placeholder: the judge would never see the ${p === 'instruction' ? "user's instruction" : 'answer to grade'}.`,
  // The judge must be told to end with "Score: <n>"; the parser reads the last such line.
  finalLine: /score\s*[*_]*\s*:/i,
  noFinalLine: 'The rubric never asks for a final "Score: <points>" line; judgments without one count as parse failures.',
};

const META_SEES: Record<string, string> = {
  rubric: 'the rubric the judgments applied',
  instruction: "the user's instruction",
  response: 'the answer that was judged',
  judgment_a: 'the first judgment',
  judgment_b: 'the second judgment',
};

export const META_JUDGE_SPEC: TemplateSpec = {
  what: 'meta-judge template',
  placeholders: META_PLACEHOLDERS,
  missing: (p) => `The meta-judge template has no {{${p}}} placeholder: the meta-judge would never see ${META_SEES[p] ?? p}.`,
  // The verdict parser reads the last "Winner: A|B" line.
  finalLine: /winner\s*[*_]*\s*:/i,
  noFinalLine: 'The template never asks for a final "Winner: A" or "Winner: B" line; verdicts without one are unreadable.',
};

export type RubricProblemCode = 'missing-placeholder' | 'no-score-line' | 'unknown-placeholder';

export interface RubricProblem {
  code: RubricProblemCode;
  severity: 'error' | 'warning';
  message: string;
  start: number;
  end: number;
}

export function lintRubric(text: string, spec: TemplateSpec = RUBRIC_SPEC): RubricProblem[] {
  const problems: RubricProblem[] = [];
  const { found, unknown } = scanPlaceholders(text, spec.placeholders);
  for (const { name, start, end } of unknown) {
    problems.push({
      code: 'unknown-placeholder',
      severity: 'error',
      message: `Unknown placeholder {{${name}}}: it would reach the ${spec === RUBRIC_SPEC ? 'judge' : 'meta-judge'} as literal text. Use ${spec.placeholders.map((p) => `{{${p}}}`).join(' or ')}.`,
      start,
      end,
    });
  }
  // Missing pieces have no place of their own: mark the first line, where the eye starts.
  const firstLineEnd = Math.max(text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'), 0);
  for (const p of spec.placeholders) {
    if (found.has(p)) continue;
    problems.push({
      code: 'missing-placeholder',
      severity: 'error',
      message: spec.missing(p),
      start: 0,
      end: firstLineEnd,
    });
  }
  if (!spec.finalLine.test(text)) {
    const end = text.length;
    const lastLineStart = text.lastIndexOf('\n', end - 2) + 1;
    problems.push({
      code: 'no-score-line',
      severity: 'warning',
      message: spec.noFinalLine,
      start: Math.min(lastLineStart, end),
      end,
    });
  }
  return problems.sort((a, b) => a.start - b.start);
}
