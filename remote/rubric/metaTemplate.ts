/**
 * Meta-judge templates: a prompt with {{rubric}}, {{instruction}}, {{response}}, {{judgment_a}} and {{judgment_b}}
 * placeholders, asking which of two judgments of one answer applies the rubric better and ending with
 * `Winner: A` or `Winner: B`. Shared by the meta-judge stage, the template preview, the sim's meta-judge and the
 * editor diagnostics. Versions are stored in the run beside the rubric's (rubrics/meta-judge-v<k>.md).
 */
import { DEFAULT_META_JUDGE } from './defaultMetaJudge';
import { PLACEHOLDER_RE, scanPlaceholders } from './template';

export { DEFAULT_META_JUDGE };
export const META_PLACEHOLDERS = ['rubric', 'instruction', 'response', 'judgment_a', 'judgment_b'] as const;

/** Why a meta-judge template cannot be used (a missing or unknown placeholder), one reason each; empty when it can. */
export function metaTemplateErrors(text: string): string[] {
  const { found, unknown } = scanPlaceholders(text, META_PLACEHOLDERS);
  return [
    ...META_PLACEHOLDERS.filter((p) => !found.has(p)).map((p) => `has no {{${p}}} placeholder`),
    ...unknown.map((u) => `has an unknown placeholder {{${u.name}}} (it would reach the meta-judge as literal text)`),
  ];
}

export interface MetaJudgeInput {
  /** the rubric the judgments applied (its criteria: rubricCriteria of the rubric in use) */
  rubric: string;
  instruction: string;
  response: string;
  /** the judgment shown as A (first) and as B (second) */
  a: string;
  b: string;
}

/** Fill the placeholders in one pass, so text inside an answer or a judgment can never be re-substituted. */
export function fillMetaTemplate(template: string, x: MetaJudgeInput): string {
  const values: Record<string, string> = { rubric: x.rubric, instruction: x.instruction, response: x.response, judgment_a: x.a, judgment_b: x.b };
  return template.replace(PLACEHOLDER_RE, (m, name: string) => (name in values ? values[name] : m));
}

/**
 * The rubric as the meta-judge should read it: its criteria and its instructions to the judge, without the blocks
 * that held this answer's instruction and response (those come separately, once).
 */
export function rubricCriteria(rubric: string): string {
  const block = (name: string) => new RegExp(`<(\\w[\\w-]*)>\\s*\\{\\{\\s*${name}\\s*\\}\\}\\s*</\\1>\\s*`, 'g');
  return rubric
    .replace(block('instruction'), '')
    .replace(block('response'), '')
    .split('\n')
    .filter((line) => !/\{\{\s*(instruction|response)\s*\}\}/.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const VERDICT_RE = /winner\s*[*_]*\s*[:：]\s*[*_"'[(]*\s*(?:(?:evaluation|judge?ment)\s+)?([ab])\b/gi;

/** The last `Winner: A|B` line of a verdict (also "Winner: Evaluation B", "Winner: Judgment A"); null when absent. */
export function parseVerdict(text: string): 'A' | 'B' | null {
  let last: 'A' | 'B' | null = null;
  for (const m of text.matchAll(VERDICT_RE)) last = m[1].toUpperCase() as 'A' | 'B';
  return last;
}

/** Words of a judgment's text (what the length filter counts). */
export function wordCount(text: string): number {
  const m = text.trim().match(/\S+/g);
  return m ? m.length : 0;
}
