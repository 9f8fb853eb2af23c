/**
 * Iterations whose outcome a foreground command is already reporting (its progress notification): the background
 * notifications skip them so the user gets one message, not two. Key: `${runId}#${iteration}`.
 */
const watched = new Set<string>();

export const watchedIterations = {
  add: (runId: string, iteration: number): void => void watched.add(`${runId}#${iteration}`),
  delete: (runId: string, iteration: number): void => void watched.delete(`${runId}#${iteration}`),
  has: (runId: string, iteration: number): boolean => watched.has(`${runId}#${iteration}`),
};
