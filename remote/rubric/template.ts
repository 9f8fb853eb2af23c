/**
 * Rubric templates: a prompt with {{instruction}} and {{response}} placeholders. Shared by the judge stage, the
 * preview, the sim judge's tests and the editor diagnostics.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_RUBRIC } from './defaultRubric';

export { DEFAULT_RUBRIC };
export const PLACEHOLDERS = ['instruction', 'response'] as const;
export const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Fill the placeholders in one pass, so text inside the instruction can never be re-substituted. */
export function fillRubric(template: string, instruction: string, response: string): string {
  const values: Record<string, string> = { instruction, response };
  return template.replace(PLACEHOLDER_RE, (m, name: string) => (name in values ? values[name] : m));
}

export function rubricHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}
