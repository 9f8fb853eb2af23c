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
  if (cfg.metaJudge?.enabled && cfg.judge.k < 2) {
    semantic.push({ field: 'metaJudge.enabled', reason: `needs judge.k of at least 2 (got ${cfg.judge.k}): the meta-judge compares judgments of the same answer` });
  }
  semantic.push(...trainerChecks(cfg));
  if (cfg.sft && cfg.sft.minLearningRate > 0 && cfg.sft.minLearningRate >= cfg.sft.learningRate) {
    semantic.push({ field: 'sft.minLearningRate', reason: `must be less than sft.learningRate (${cfg.sft.learningRate})` });
  }
  if (cfg.sft?.enabled && cfg.trainer.processes && cfg.sft.batchSize % cfg.trainer.processes !== 0) {
    semantic.push({ field: 'sft.batchSize', reason: `(${cfg.sft.batchSize}, the global batch) must be a multiple of trainer.processes (${cfg.trainer.processes})` });
  }
  const ej = cfg.eval?.judge as { kind: string; baseUrls?: string[]; model?: string } | undefined;
  if (ej?.kind === 'external' && (!ej.baseUrls || !ej.model)) semantic.push({ field: 'eval.judge', reason: 'kind "external" needs baseUrls and model' });
  if (semantic.length) throw new ConfigError(source, semantic);
  return cfg;
}

/** Why this trainer cannot train this model (naming both fields), or undefined. */
export function trainerMismatch(cfg: Pick<RunConfig, 'model' | 'trainer'>): string | undefined {
  const m = cfg.model.backend;
  const t = cfg.trainer.backend ?? DEFAULT_TRAINER[m];
  if (!t) return `trainer.backend is required with model.backend "${m}"`;
  if (t === 'sim' && m !== 'sim') {
    return `trainer.backend "sim" (the simulated trainer) cannot train a real model: model.backend is "${m}"; set trainer.backend to "trl" or "openai"`;
  }
  if (t !== 'sim' && m === 'sim') {
    return `trainer.backend "${t}" cannot train the simulated model: model.backend is "sim"; set trainer.backend to "sim", or model.backend to a real model`;
  }
  if (t === 'openai' && m !== 'openai' && m !== 'external') {
    return `trainer.backend "openai" needs model.backend "openai" or "external" (the fine-tuned model is served by OpenAI), not model.backend "${m}"`;
  }
  return undefined;
}

/** The trainer each model backend trains with when the config names none; external has none (it must be said). */
export const DEFAULT_TRAINER: Record<RunConfig['model']['backend'], RunConfig['trainer']['backend'] | undefined> = {
  sim: 'sim',
  vllm: 'trl',
  openai: 'openai',
  external: undefined,
};

/**
 * Cross-field rules of the trainer: never a simulated trainer on a real model (or the reverse) unless both say sim;
 * the trainer's defaults come from the model's backend. Fills in trainer.backend.
 */
function trainerChecks(cfg: RunConfig): { field: string; reason: string }[] {
  const out: { field: string; reason: string }[] = [];
  const t = cfg.trainer;
  const m = cfg.model.backend;
  if (!t.backend) {
    const d = DEFAULT_TRAINER[m];
    if (!d) {
      out.push({ field: 'trainer.backend', reason: `is required with model.backend "${m}" (the agent does not run that server, so it cannot guess how its model is trained): "trl" (TRL on this box, from model.name's weights) or "openai"` });
      return out;
    }
    t.backend = d;
  }
  const mismatch = trainerMismatch(cfg);
  if (mismatch) out.push({ field: 'trainer.backend', reason: mismatch.replace(/^trainer\.backend /, '') });
  if (t.minLearningRate > 0 && t.minLearningRate >= t.learningRate) {
    out.push({ field: 'trainer.minLearningRate', reason: `must be less than trainer.learningRate (${t.learningRate})` });
  }
  if (t.backend === 'trl') {
    const launcher = t.launcher ?? (t.launcherPrefix ? { kind: 'prefix' } : undefined);
    if (launcher && !t.processes && !t.accelerateConfig) {
      out.push({ field: 'trainer.processes', reason: 'is required with trainer.launcher and no trainer.accelerateConfig (the agent cannot see the GPUs of the node the job runs on)' });
    }
    if (t.processes && t.batchSize % t.processes !== 0) {
      out.push({ field: 'trainer.batchSize', reason: `(${t.batchSize}, the global batch) must be a multiple of trainer.processes (${t.processes})` });
    }
  }
  return out;
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
    ...(cfg.metaJudge?.templateFile ? { metaJudge: { ...cfg.metaJudge, templateFile: abs(cfg.metaJudge.templateFile) } } : {}),
  };
}
