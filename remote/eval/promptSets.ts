/**
 * The prompt sets evaluations run on, loaded and checked before any request is sent (a bad record names file:line
 * and field):
 *   - reference sets in the AlpacaEval format: `instruction`, `output` (the reference answer), `generator` (who wrote
 *     it); JSON array or JSONL. `builtin:heldout` is the shipped one (builtin/heldout.ts), which training never sees.
 *   - multi-turn question sets in MT-Bench's question.jsonl format: `question_id`, `category`, `turns` (two user
 *     turns), optional `reference` (answers per turn). `builtin:mt` is the shipped one (builtin/mtQuestions.ts).
 *   - held-out prompts (head-to-head, checkpoint selection): the instructions of a reference set, or the prompts of
 *     any seed file (remote/seed: labelled groups' prompts first).
 * Ids are stable: `<set>#<position>` (position in the file, 0-based; AlpacaEval's instruction index).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeedSource } from '../protocol';
import { loadSeed, records, where } from '../seed';
import { HELDOUT_REFERENCES } from './builtin/heldout';
import { MT_QUESTIONS, type MtQuestion } from './builtin/mtQuestions';

export const BUILTIN_HELDOUT = 'builtin:heldout';
export const BUILTIN_MT = 'builtin:mt';
export const BUILTIN_LABELLED = 'builtin:labelled';

export class EvalSetError extends Error {}

export interface ReferenceItem {
  id: string;
  /** position in the set (AlpacaEval's instruction index) */
  index: number;
  instruction: string;
  output: string;
  generator: string;
}

export interface HeldOutPrompt {
  id: string;
  text: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/** A short, stable name of a set for ids and file names (`heldout`, `mt`, `alpaca_eval` …). */
export function setKey(source: string): string {
  const base = source.startsWith('builtin:') ? source.slice('builtin:'.length) : path.basename(source).replace(/\.(jsonl?|txt)$/i, '');
  return base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'set';
}

function readRecords(file: string): { rec: unknown; line: number; bad?: string }[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new EvalSetError(`${file}: cannot read: ${(e as Error).message}`);
  }
  try {
    return records(file, text, 'auto');
  } catch (e) {
    throw new EvalSetError((e as Error).message);
  }
}

/** A reference set in the AlpacaEval format (or builtin:heldout). */
export function loadReferenceSet(source: string, max = Infinity): ReferenceItem[] {
  const key = setKey(source);
  let items: Omit<ReferenceItem, 'id' | 'index'>[];
  if (source === BUILTIN_HELDOUT) {
    items = HELDOUT_REFERENCES;
  } else if (source.startsWith('builtin:')) {
    throw new EvalSetError(`${source}: unknown built-in reference set (have ${BUILTIN_HELDOUT})`);
  } else {
    items = readRecords(source).map((r) => {
      const at = where(source, r.line);
      if (r.bad) throw new EvalSetError(`${at}: ${r.bad}`);
      if (!isObj(r.rec)) throw new EvalSetError(`${at}: an AlpacaEval record must be an object with "instruction", "output" and "generator"`);
      for (const f of ['instruction', 'output', 'generator'] as const) {
        if (!nonEmpty(r.rec[f])) throw new EvalSetError(`${at}: field "${f}" must be a non-empty string (AlpacaEval format: instruction, output, generator)`);
      }
      return { instruction: r.rec.instruction as string, output: r.rec.output as string, generator: r.rec.generator as string };
    });
  }
  if (!items.length) throw new EvalSetError(`${source}: no records`);
  return items.slice(0, max).map((it, index) => ({ ...it, id: `${key}#${index}`, index }));
}

export interface MtItem {
  id: string;
  category: string;
  turns: string[];
  reference?: string[];
}

/** A multi-turn question set in MT-Bench's question.jsonl format (or builtin:mt). */
export function loadMtQuestions(source: string, max = Infinity): MtItem[] {
  const key = setKey(source);
  let raw: { rec: unknown; at: string }[];
  if (source === BUILTIN_MT) raw = MT_QUESTIONS.map((q, i) => ({ rec: q, at: `${source}: item ${i}` }));
  else if (source.startsWith('builtin:')) throw new EvalSetError(`${source}: unknown built-in question set (have ${BUILTIN_MT})`);
  else {
    raw = readRecords(source).map((r) => {
      if (r.bad) throw new EvalSetError(`${where(source, r.line)}: ${r.bad}`);
      return { rec: r.rec, at: where(source, r.line) };
    });
  }
  const seen = new Set<string>();
  const out = raw.map(({ rec, at }) => {
    if (!isObj(rec)) throw new EvalSetError(`${at}: a question must be an object with "question_id", "category" and "turns"`);
    const q = rec as Partial<MtQuestion> & Obj;
    if (typeof q.question_id !== 'number' && !nonEmpty(q.question_id)) throw new EvalSetError(`${at}: field "question_id" must be a number or a string`);
    if (!nonEmpty(q.category)) throw new EvalSetError(`${at}: field "category" must be a non-empty string`);
    if (!Array.isArray(q.turns) || q.turns.length < 1 || !q.turns.every(nonEmpty)) throw new EvalSetError(`${at}: field "turns" must be a list of non-empty strings (MT-Bench has two)`);
    if (q.reference !== undefined && (!Array.isArray(q.reference) || !q.reference.every((x) => typeof x === 'string'))) throw new EvalSetError(`${at}: field "reference" must be a list of strings`);
    const id = `${key}#${String(q.question_id)}`;
    if (seen.has(id)) throw new EvalSetError(`${at}: question_id ${String(q.question_id)} appears twice`);
    seen.add(id);
    return { id, category: q.category.trim(), turns: q.turns as string[], ...(q.reference ? { reference: q.reference } : {}) };
  });
  if (!out.length) throw new EvalSetError(`${source}: no questions`);
  return out.slice(0, max);
}

/** Held-out prompts: a reference set's instructions (AlpacaEval-shaped files, builtin:heldout), else a seed file's. */
export function loadHeldOutPrompts(src: SeedSource, max = Infinity): HeldOutPrompt[] {
  if (src.path === BUILTIN_HELDOUT || (!src.path.startsWith('builtin:') && looksLikeReferenceSet(src.path))) {
    return loadReferenceSet(src.path, max).map((r) => ({ id: r.id, text: r.instruction }));
  }
  let seed;
  try {
    seed = loadSeed([src]);
  } catch (e) {
    throw new EvalSetError((e as Error).message);
  }
  const key = setKey(src.path);
  const fromLabelled = seed.labelled.map((g) => ({ id: `${key}#${g.group}`, text: g.prompt }));
  const prompts = fromLabelled.length ? fromLabelled : seed.prompts.map((p) => ({ id: `${key}#${p.id}`, text: p.text }));
  if (!prompts.length) throw new EvalSetError(`${src.path}: no prompts`);
  return prompts.slice(0, max);
}

function looksLikeReferenceSet(file: string): boolean {
  const first = readRecords(file).find((r) => !r.bad)?.rec;
  return isObj(first) && nonEmpty(first.instruction) && nonEmpty(first.output) && nonEmpty(first.generator);
}

/** Normalised text for the held-out check (case and spacing do not make a prompt new). */
export const normalisePrompt = (s: string): string => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** How many of `prompts` the run trained on or generated (its seed prompts and every generated prompt). */
export function countSeen(prompts: readonly string[], trainingTexts: Iterable<string>): number {
  const seen = new Set<string>();
  for (const t of trainingTexts) seen.add(normalisePrompt(t));
  return prompts.filter((p) => seen.has(normalisePrompt(p))).length;
}
