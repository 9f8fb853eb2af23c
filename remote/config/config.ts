/**
 * Run config loading and validation. The JSON schema is the single source of truth: the editor uses it through
 * `contributes.jsonValidation`, the agent validates with ajv against the same file and fills in its defaults.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import schema from './run-config.schema.json';
import type { RunConfig } from '../protocol';

export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: { field: string; reason: string }[]) {
    super(`${source}: invalid run config:\n` + problems.map((p) => `  - field "${p.field}": ${p.reason}`).join('\n'));
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validate = ajv.compile(schema);

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const extra =
    e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty :
    e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : '';
  return [base, extra].filter(Boolean).join('.') || '(root)';
}

function reasonOf(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return 'unknown field';
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'enum') return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return e.message ?? e.keyword;
}

/** Validate a parsed config (a deep copy is made; defaults filled in). Throws ConfigError naming every bad field. */
export function validateConfig(raw: unknown, source = 'run config'): RunConfig {
  const copy = JSON.parse(JSON.stringify(raw ?? null)) as unknown;
  if (!validate(copy)) {
    const seen = new Set<string>();
    const problems = (validate.errors ?? [])
      .map((e) => ({ field: fieldOf(e), reason: reasonOf(e) }))
      .filter((p) => !seen.has(p.field + p.reason) && seen.add(p.field + p.reason));
    throw new ConfigError(source, problems);
  }
  const cfg = copy as unknown as RunConfig;
  const semantic: { field: string; reason: string }[] = [];
  if (cfg.prompts.minChars !== undefined && cfg.prompts.maxChars !== undefined && cfg.prompts.minChars >= cfg.prompts.maxChars) semantic.push({ field: 'prompts.minChars', reason: `must be less than prompts.maxChars (${cfg.prompts.maxChars})` });
  if (cfg.prompts.minWords !== undefined && cfg.prompts.maxWords !== undefined && cfg.prompts.minWords > cfg.prompts.maxWords) semantic.push({ field: 'prompts.minWords', reason: `must be at most prompts.maxWords (${cfg.prompts.maxWords})` });
  if ((cfg.prompts.fewShotGenerated ?? 0) > cfg.prompts.fewShot) semantic.push({ field: 'prompts.fewShotGenerated', reason: `must be at most prompts.fewShot (${cfg.prompts.fewShot})` });
  if (cfg.judge.scoreMin >= cfg.judge.scoreMax) semantic.push({ field: 'judge.scoreMin', reason: `must be less than judge.scoreMax (${cfg.judge.scoreMax})` });
  if (cfg.model.backend === 'external' && !cfg.model.baseUrls) {
    semantic.push({ field: 'model.baseUrls', reason: 'is required for backend "external"' });
  }
  if (semantic.length) throw new ConfigError(source, semantic);
  return cfg;
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

/** Read, parse and validate a config file. Relative seed/rubric paths are resolved against the file's folder. */
export function loadConfigFile(file: string): RunConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read run config: ${(e as Error).message}`);
  }
  // JSON with comments and trailing commas, like VS Code's own settings files.
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length) {
    const e = errors[0];
    throw new Error(`${file}:${lineCol(text, e.offset)}: invalid JSON: ${printParseErrorCode(e.error)}`);
  }
  const cfg = validateConfig(raw, file);
  return resolveConfigPaths(cfg, path.dirname(path.resolve(file)));
}

export function resolveConfigPaths(cfg: RunConfig, baseDir: string): RunConfig {
  const abs = (p: string): string => (p.startsWith('builtin:') || path.isAbsolute(p) ? p : path.resolve(baseDir, p));
  return {
    ...cfg,
    seedData: cfg.seedData.map((s) => ({ ...s, path: abs(s.path) })),
    judge: { ...cfg.judge, ...(cfg.judge.rubricFile ? { rubricFile: abs(cfg.judge.rubricFile) } : {}) },
  };
}
