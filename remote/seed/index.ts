/**
 * Seed data loading: files in any supported format (or `format: auto`, guessed from the first record) and the
 * shipped sets `builtin:demo` (instructions with good answers) and `builtin:labelled` (prompts with ranked answers).
 * Files are JSONL (one record a line), a JSON array, or plain text (one prompt a line, for `prompts`). A bad record
 * is an error naming file:line and the reason — or, with `tolerant`, skipped and counted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SeedSource } from '../protocol';
import { EXTRACTORS, OasstFlat, detectFormat, type Extracted, type LabelledGroup, type RecordFormat, type SeedPrompt } from './formats';
import { DEMO_SEED } from './builtin/demo';
import { LABELLED_SEED } from './builtin/labelled';
import { rankedSeed } from './builtin/ranked';

export type { SeedPrompt, LabelledGroup };

export interface LoadedSeed {
  prompts: SeedPrompt[];
  labelled: LabelledGroup[];
  /** bad records skipped under `tolerant` */
  skipped: number;
}

export class SeedError extends Error {}

/** The key under which two instructions count as the same: whitespace collapsed, case folded. */
export function promptKey(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

function builtin(name: string): Extracted {
  if (name === 'demo') return { prompts: DEMO_SEED.map((d) => ({ id: d.id, text: d.instruction, answer: d.answer })), labelled: [] };
  if (name === 'labelled') {
    return {
      prompts: [],
      labelled: LABELLED_SEED.map((g) => ({ group: g.id, prompt: g.prompt, answers: g.answers.map((a) => ({ text: a.text, rank: a.rank })) })),
    };
  }
  if (name === 'ranked') {
    // Open-Assistant-like: each group is an IFT example (its best answer) and a ranking (EFT material)
    const groups = rankedSeed();
    return {
      prompts: groups.map((g) => ({ id: g.id, text: g.prompt, answer: g.answers.find((a) => a.rank === 1)!.text })),
      labelled: groups.map((g) => ({ group: g.id, prompt: g.prompt, answers: g.answers.map((a) => ({ text: a.text, rank: a.rank })) })),
    };
  }
  throw new SeedError(`builtin:${name}: unknown built-in seed set (have builtin:demo, builtin:labelled, builtin:ranked)`);
}

/** Records of a file with their line numbers (JSON array items are numbered by the line they start on). Also used by
 * the evaluation sets (remote/eval/promptSets.ts). */
export function records(file: string, text: string, format: SeedSource['format']): { rec: unknown; line: number; bad?: string }[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch (e) {
      throw new SeedError(`${file}: invalid JSON array: ${(e as Error).message}`);
    }
    if (!Array.isArray(arr)) throw new SeedError(`${file}: expected a JSON array`);
    // Line of each item, found by scanning top-level commas would be costly; report the item index instead.
    return arr.map((rec, i) => ({ rec, line: -(i + 1) }));
  }
  const out: { rec: unknown; line: number; bad?: string }[] = [];
  const lines = text.split(/\r?\n/);
  const plain = format === 'prompts' && !lines.some((l) => /^\s*[{["]/.test(l));
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    if (plain) return void out.push({ rec: l, line: i + 1 });
    try {
      out.push({ rec: JSON.parse(l), line: i + 1 });
    } catch (e) {
      out.push({ rec: undefined, line: i + 1, bad: `invalid JSON: ${(e as Error).message}` });
    }
  });
  // A .txt file or plain lines under `auto`: one prompt a line.
  if ((format === 'auto' || format === 'prompts') && out.length && out.every((r) => r.bad)) {
    return lines.map((l, i) => ({ rec: l, line: i + 1 })).filter((r) => (r.rec as string).trim());
  }
  return out;
}

export const where = (file: string, line: number): string => (line < 0 ? `${file}: item ${-line - 1}` : `${file}:${line}`);

function loadFile(src: SeedSource, counter: { skipped: number }): Extracted {
  let text: string;
  try {
    text = fs.readFileSync(src.path, 'utf8');
  } catch (e) {
    throw new SeedError(`${src.path}: cannot read seed file: ${(e as Error).message}`);
  }
  const recs = records(src.path, text, src.format);
  const out: Extracted = { prompts: [], labelled: [] };
  const base = path.basename(src.path);
  let format: RecordFormat | undefined = src.format === 'auto' ? undefined : src.format;
  const flat = new OasstFlat();
  for (const r of recs) {
    try {
      if (r.bad) throw new Error(r.bad);
      if (!format) format = detectFormat(r.rec);
      // An explicit `oasst` file may hold flat messages instead of trees.
      if (format === 'oasst' && r.rec && typeof r.rec === 'object' && 'parent_id' in r.rec) format = 'oasst-flat';
      const id = `${base}:${r.line < 0 ? `#${-r.line - 1}` : r.line}`;
      if (format === 'oasst-flat') flat.add(r.rec);
      else {
        const x = EXTRACTORS[format](r.rec, id);
        out.prompts.push(...x.prompts);
        out.labelled.push(...x.labelled);
      }
    } catch (e) {
      if (!src.tolerant) throw new SeedError(`${where(src.path, r.line)}: ${(e as Error).message}${format ? ` (format ${format})` : ''}`);
      counter.skipped++;
    }
  }
  if (format === 'oasst-flat') {
    const x = flat.finish(`${base}:`);
    out.prompts.push(...x.prompts);
    out.labelled.push(...x.labelled);
  }
  if (!out.prompts.length && !out.labelled.length) throw new SeedError(`${src.path}: no usable seed records${counter.skipped ? ` (${counter.skipped} skipped)` : ''}`);
  return out;
}

export function loadSeed(sources: SeedSource[]): LoadedSeed {
  const counter = { skipped: 0 };
  const prompts: SeedPrompt[] = [];
  const labelled: LabelledGroup[] = [];
  const seenText = new Set<string>();
  for (const src of sources) {
    const x = src.path.startsWith('builtin:') ? builtin(src.path.slice('builtin:'.length)) : loadFile(src, counter);
    for (const p of x.prompts) {
      // The same instruction twice would only bias few-shot sampling.
      const key = promptKey(p.text);
      if (seenText.has(key)) continue;
      seenText.add(key);
      prompts.push(p);
    }
    labelled.push(...x.labelled);
  }
  return { prompts, labelled, skipped: counter.skipped };
}
