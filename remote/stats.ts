/** Averages shared by the pipeline, the evaluation and the webviews (pure: no Node, no DOM). */

/** Arithmetic mean; null for no values. */
export const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** A candidate's score: the mean of its valid judge samples (null = parse failure); null when none parsed. */
export function meanScore(scores: readonly (number | null)[]): number | null {
  return mean(scores.filter((s): s is number => s !== null));
}
