/**
 * The review gate between the pairs and training stages. With `review.gate` on, training waits until someone
 * completes the review of iteration t (the `review/complete` request, or `agent.js run` when told to). Completion is
 * persisted as iterations/<t>/review-complete.json, so a gate that was passed stays passed after a restart, and a
 * wait that was interrupted by kill -9 resumes waiting.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../store/atomic';
import type { Run } from '../store/runStore';

const waiters = new Map<string, Set<() => void>>();
const key = (run: Run, t: number): string => `${run.dir}#${t}`;
const markerFile = (run: Run, t: number): string => path.join(run.iterationDir(t), 'review-complete.json');

export function isReviewComplete(run: Run, t: number): boolean {
  return fs.existsSync(markerFile(run, t));
}

/** Mark iteration t's review complete and release a waiting training stage. */
export function completeReview(run: Run, t: number, counts: { accepted: number; rejected: number }): void {
  fs.mkdirSync(run.iterationDir(t), { recursive: true });
  writeJsonAtomic(markerFile(run, t), { completedAt: new Date().toISOString(), ...counts });
  for (const w of waiters.get(key(run, t)) ?? []) w();
  waiters.delete(key(run, t));
}

/** Resolve once iteration t's review is complete; reject with the signal's reason when aborted. */
export function waitForReview(run: Run, t: number, signal: AbortSignal): Promise<void> {
  if (isReviewComplete(run, t)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const k = key(run, t);
    const set = waiters.get(k) ?? new Set<() => void>();
    waiters.set(k, set);
    const done = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      set.delete(done);
      reject(signal.reason ?? new Error('aborted'));
    };
    set.add(done);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
