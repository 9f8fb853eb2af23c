/** The run names the extension offers and the agent accepts on rename (the wizard, Rename…, runs/rename). */
export const RUN_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

/** Why a name is refused, or undefined when it is fine. */
export function runNameProblem(name: string): string | undefined {
  return RUN_NAME_RE.test(name.trim()) ? undefined : 'Use 1–64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit.';
}
