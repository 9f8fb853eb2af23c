/** Helpers for the pipeline integration tests: a fast sim config and run-folder comparison. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateConfig } from '../../../remote/config/config';
import type { DeepPartial, RunConfig } from '../../../remote/protocol';
import { deepMerge } from '../../../remote/pipeline/iteration';

/** A small, fast sim run: 24 prompts, short waits. */
export function fastConfig(over: DeepPartial<RunConfig> = {}): RunConfig {
  return validateConfig(
    deepMerge<unknown>(
      {
        name: 'pipeline-test',
        seed: 7,
        model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 128, tokensPerSecond: 20000, ttftMs: 2 } },
        seedData: [{ path: 'builtin:demo', format: 'auto' }],
        prompts: { perIteration: 24 },
        inference: { concurrency: 32 },
      },
      over as never,
    ),
  );
}

export const RECORD_FILES = ['prompts', 'candidates', 'judgments', 'pairs'] as const;

/** Records of a JSONL file keyed by id; throws on a duplicate id (a duplicated record is a failure). */
export function recordsById(file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line) as { id: string };
    if (out.has(rec.id)) throw new Error(`${file}: duplicate record ${rec.id}`);
    out.set(rec.id, JSON.stringify(rec));
  }
  return out;
}

/**
 * "Equal" run folders, as the crash-safety tests define it: for each record file, the same set of record ids with
 * identical content (line order may differ: requests finish in any order), and the same training rows as a
 * multiset. Returns the differences (empty = equal).
 */
export function diffIteration(dirA: string, dirB: string, t: number): string[] {
  const diffs: string[] = [];
  for (const f of RECORD_FILES) {
    const a = recordsById(path.join(dirA, 'iterations', String(t), `${f}.jsonl`));
    const b = recordsById(path.join(dirB, 'iterations', String(t), `${f}.jsonl`));
    if (a.size !== b.size) diffs.push(`${f}: ${a.size} vs ${b.size} records`);
    for (const [id, rec] of a) {
      if (!b.has(id)) diffs.push(`${f}: ${id} missing in second run`);
      else if (b.get(id) !== rec) diffs.push(`${f}: ${id} differs:\n  ${rec}\n  ${b.get(id)}`);
    }
  }
  const rows = (d: string) => {
    const file = path.join(d, 'iterations', String(t), 'train', 'train.jsonl');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).sort() : [];
  };
  const ra = rows(dirA);
  const rb = rows(dirB);
  if (ra.length !== rb.length || ra.some((r, i) => r !== rb[i])) diffs.push(`train.jsonl: rows differ (${ra.length} vs ${rb.length})`);
  return diffs.slice(0, 20);
}
