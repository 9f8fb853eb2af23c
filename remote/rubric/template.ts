/**
 * Rubric templates: a prompt with {{instruction}} and {{response}} placeholders. Shared by the judge stage, the
 * preview, the sim judge's tests and the editor diagnostics.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_RUBRIC } from './defaultRubric';

export { DEFAULT_RUBRIC };
export const PLACEHOLDERS = ['instruction', 'response'] as const;
export const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The placeholders of a template (a rubric by default, or any list such as the meta-judge's): the known ones it
 * has, and the unknown ones with their offsets. */
export function scanPlaceholders(text: string, known: readonly string[] = PLACEHOLDERS): { found: Set<string>; unknown: { name: string; start: number; end: number }[] } {
  const found = new Set<string>();
  const unknown: { name: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(new RegExp(PLACEHOLDER_RE.source, 'g'))) {
    const start = m.index ?? 0;
    if (known.includes(m[1])) found.add(m[1]);
    else unknown.push({ name: m[1], start, end: start + m[0].length });
  }
  return { found, unknown };
}

/** Why a rubric cannot judge (a missing or unknown placeholder), one reason each; empty when it can. */
export function rubricErrors(text: string): string[] {
  const { found, unknown } = scanPlaceholders(text);
  return [
    ...PLACEHOLDERS.filter((p) => !found.has(p)).map((p) => `has no {{${p}}} placeholder (the judge would never see the ${p === 'instruction' ? 'instruction' : 'answer to grade'})`),
    ...unknown.map((u) => `has an unknown placeholder {{${u.name}}} (it would reach the judge as literal text; use {{instruction}} or {{response}})`),
  ];
}

/** Fill the placeholders in one pass, so text inside the instruction can never be re-substituted. */
export function fillRubric(template: string, instruction: string, response: string): string {
  const values: Record<string, string> = { instruction, response };
  return template.replace(PLACEHOLDER_RE, (m, name: string) => (name in values ? values[name] : m));
}

export function rubricHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}
