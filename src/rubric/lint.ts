/**
 * Rubric checks behind the editor diagnostics, kept free of `vscode` so they are testable (and reusable) anywhere:
 * a missing {{instruction}} / {{response}} placeholder, no instruction about the final `Score:` line, and unknown
 * placeholders (with their exact ranges). Offsets are UTF-16 code-unit offsets into the text, as vscode's
 * `TextDocument.positionAt` expects.
 */
import { PLACEHOLDERS, scanPlaceholders } from '../../remote/rubric/template';

export type RubricProblemCode = 'missing-placeholder' | 'no-score-line' | 'unknown-placeholder';

export interface RubricProblem {
  code: RubricProblemCode;
  severity: 'error' | 'warning';
  message: string;
  start: number;
  end: number;
}

// The judge must be told to end with "Score: <n>"; the parser reads the last such line.
const SCORE_INSTRUCTION_RE = /score\s*[*_]*\s*:/i;

export function lintRubric(text: string): RubricProblem[] {
  const problems: RubricProblem[] = [];
  const { found, unknown } = scanPlaceholders(text);
  for (const { name, start, end } of unknown) {
    problems.push({
      code: 'unknown-placeholder',
      severity: 'error',
      message: `Unknown placeholder {{${name}}}: it would reach the judge as literal text. Use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' or ')}.`,
      start,
      end,
    });
  }
  // Missing pieces have no place of their own: mark the first line, where the eye starts.
  const firstLineEnd = Math.max(text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'), 0);
  for (const p of PLACEHOLDERS) {
    if (found.has(p)) continue;
    problems.push({
      code: 'missing-placeholder',
      severity: 'error',
      message: `The rubric has no {{${p}}} placeholder: the judge would never see the ${p === 'instruction' ? "user's instruction" : 'answer to grade'}.`,
      start: 0,
      end: firstLineEnd,
    });
  }
  if (!SCORE_INSTRUCTION_RE.test(text)) {
    const end = text.length;
    const lastLineStart = text.lastIndexOf('\n', end - 2) + 1;
    problems.push({
      code: 'no-score-line',
      severity: 'warning',
      message: 'The rubric never asks for a final "Score: <points>" line; judgments without one count as parse failures.',
      start: Math.min(lastLineStart, end),
      end,
    });
  }
  return problems.sort((a, b) => a.start - b.start);
}
