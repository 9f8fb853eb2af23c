/** Shared helpers for the agent's parseArgs-based commands: numeric flags with range checks that name the flag. */
export class UsageError extends Error {}

export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  range: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const bounds = `${range.min !== undefined ? (range.exclusiveMin ? `> ${range.min}` : `>= ${range.min}`) : ''}${range.min !== undefined && range.max !== undefined ? ' and ' : ''}${range.max !== undefined ? `<= ${range.max}` : ''}`;
  if (
    typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) ||
    (range.integer && !Number.isInteger(v)) ||
    (range.min !== undefined && (range.exclusiveMin ? v <= range.min : v < range.min)) ||
    (range.max !== undefined && v > range.max)
  ) {
    throw new UsageError(`--${name}: expected ${range.integer ? 'an integer' : 'a number'}${bounds ? ' ' + bounds : ''}, got ${JSON.stringify(raw)}`);
  }
  return v;
}
