/**
 * What can be checked before any work starts, checked in one place, so `runs/create`, `iteration/start`,
 * `agent.js run` and runIteration answer with the error itself — before a run folder exists or an iteration's
 * folder is touched — instead of failing later in the background:
 *   - the config: the schema and its cross-field rules (validateConfig; backend consistency rules live there too);
 *   - the rubric: both placeholders present, none unknown (remote/rubric/template.ts);
 *   - the seed data: every file readable and parseable, with at least one prompt for the few-shot examples.
 * Every problem is named by field (and the seed loader's `file:line`), all of them at once.
 */
import * as fs from 'node:fs';
import type { RunConfig } from '../protocol';
import { ConfigError } from './config';
import { DEFAULT_RUBRIC, rubricErrors } from '../rubric/template';
import { loadSeed, type LoadedSeed } from '../seed/index';

type Problem = { field: string; reason: string };

/** The rubric a new run starts with: config.judge.rubricFile, or the built-in one. */
export function initialRubric(config: RunConfig): string {
  const f = config.judge.rubricFile;
  if (!f) return DEFAULT_RUBRIC;
  try {
    return fs.readFileSync(f, 'utf8');
  } catch (e) {
    throw new ConfigError('run config', [{ field: 'judge.rubricFile', reason: `${f}: cannot read: ${(e as Error).message}` }]);
  }
}

function rubricProblems(text: string, field: string): Problem[] {
  if (!text.trim()) return [{ field, reason: 'is empty' }];
  return rubricErrors(text).map((reason) => ({ field, reason }));
}

function seedProblems(config: RunConfig): { seed?: LoadedSeed; problems: Problem[] } {
  try {
    const seed = loadSeed(config.seedData);
    if (!seed.prompts.length) return { problems: [{ field: 'seedData', reason: 'has no prompts to use as few-shot examples (only labelled groups)' }] };
    return { seed, problems: [] };
  } catch {
    // Name every bad source, not only the first.
    const problems: Problem[] = [];
    config.seedData.forEach((src, i) => {
      try {
        loadSeed([src]);
      } catch (e) {
        problems.push({ field: `seedData[${i}].path`, reason: (e as Error).message });
      }
    });
    return { problems };
  }
}

/**
 * Check a validated config, the rubric text it will judge with, and its seed data. Returns the loaded seed (so the
 * caller does not load it twice); throws a ConfigError naming every problem.
 */
export function checkRunInputs(config: RunConfig, rubricText: string, source: string, rubricField = config.judge.rubricFile ? 'judge.rubricFile' : 'rubric'): LoadedSeed {
  const problems = rubricProblems(rubricText, rubricField);
  const s = seedProblems(config);
  problems.push(...s.problems);
  if (problems.length || !s.seed) throw new ConfigError(source, problems);
  return s.seed;
}
