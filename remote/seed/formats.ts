/**
 * Seed record formats → prompts (with an optional best answer) and labelled rankings. One function per format,
 * each taking one parsed record and returning what it holds, or throwing a reason (the loader adds file:line).
 *   oasst      Open Assistant message trees ({prompt: {text, replies: [{text, rank, …}]}}) or flat messages
 *              ({message_id, parent_id, role, text, rank}); the first turn only, as the paper used
 *   alpaca     {instruction, input?, output}
 *   sharegpt   {conversations: [{from: human|gpt, value}]}
 *   chat       {messages: [{role: user|assistant, content}]}
 *   prompts    a plain text line, a JSON string, or {prompt|text|instruction}
 *   labelled   {prompt, answers: [{text, rank}]} (rank 1 = best) — our own labelled-set shape
 */
import type { SeedFormat } from '../protocol';

export type RecordFormat = Exclude<SeedFormat, 'auto'> | 'oasst-flat' | 'labelled';

export interface SeedPrompt {
  id: string;
  text: string;
  answer?: string;
  /** language code where the record carries one (Open Assistant's `lang`) */
  lang?: string;
}
export interface LabelledGroup {
  group: string;
  prompt: string;
  answers: { text: string; rank: number }[];
  lang?: string;
}
export interface Extracted {
  prompts: SeedPrompt[];
  labelled: LabelledGroup[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

function need(v: unknown, field: string): string {
  const s = str(v);
  if (s === undefined) throw new Error(`field "${field}" must be a non-empty string`);
  return s;
}

/** Guess the format of a file from its first record. */
export function detectFormat(rec: unknown): RecordFormat {
  if (typeof rec === 'string') return 'prompts';
  if (!isObj(rec)) throw new Error('cannot tell the format: the record is neither an object nor a string');
  if (isObj(rec.prompt) && ('replies' in rec.prompt || 'message_id' in rec.prompt)) return 'oasst';
  if ('message_tree_id' in rec && isObj(rec.prompt)) return 'oasst';
  if ('message_id' in rec && 'parent_id' in rec) return 'oasst-flat';
  if ('instruction' in rec && 'output' in rec) return 'alpaca';
  if (Array.isArray(rec.conversations)) return 'sharegpt';
  if (Array.isArray(rec.messages)) return 'chat';
  if (Array.isArray(rec.answers) && 'prompt' in rec) return 'labelled';
  if (str(rec.prompt) || str(rec.text) || str(rec.instruction)) return 'prompts';
  throw new Error(`cannot tell the format from fields ${JSON.stringify(Object.keys(rec).slice(0, 8))}; set "format" explicitly`);
}

/** Ranked first-turn replies of an Open Assistant tree record. */
function oasstTree(rec: unknown, id: string): Extracted {
  if (!isObj(rec) || !isObj(rec.prompt)) throw new Error('field "prompt" must be a message object with "text" and "replies"');
  const p = rec.prompt;
  const text = need(p.text, 'prompt.text');
  const replies = Array.isArray(p.replies) ? p.replies.filter(isObj) : [];
  const ranked = replies
    .filter((r) => str(r.text) && typeof r.rank === 'number' && r.deleted !== true)
    .sort((a, b) => (a.rank as number) - (b.rank as number));
  const best = ranked[0] ?? replies.find((r) => str(r.text));
  const lang = str(p.lang) ?? str(rec.lang);
  const l = lang ? { lang } : {};
  const out: Extracted = { prompts: [{ id, text, ...(best ? { answer: str(best.text) } : {}), ...l }], labelled: [] };
  // Open Assistant ranks are 0-based positions; equal ranks stay equal (1 = best)
  const levels = [...new Set(ranked.map((r) => r.rank as number))];
  if (ranked.length >= 2) out.labelled.push({ group: id, prompt: text, answers: ranked.map((r) => ({ text: str(r.text)!, rank: levels.indexOf(r.rank as number) + 1 })), ...l });
  return out;
}

function alpaca(rec: unknown, id: string): Extracted {
  if (!isObj(rec)) throw new Error('an Alpaca record must be an object with "instruction" and "output"');
  const instruction = need(rec.instruction, 'instruction');
  const input = str(rec.input);
  const answer = str(rec.output);
  return { prompts: [{ id, text: input ? `${instruction}\n\n${input}` : instruction, ...(answer ? { answer } : {}) }], labelled: [] };
}

/** The first user turn and the reply that follows it, from a list of turns. */
function firstTurn(turns: unknown[], roleKey: string, textKey: string, user: string[], assistant: string[], field: string): Extracted['prompts'][0] & { ok: true } {
  const i = turns.findIndex((t) => isObj(t) && user.includes(String(t[roleKey])));
  if (i < 0) throw new Error(`field "${field}" has no ${user[0]} turn`);
  const text = need((turns[i] as Obj)[textKey], `${field}[${i}].${textKey}`);
  const next = turns[i + 1];
  const answer = isObj(next) && assistant.includes(String(next[roleKey])) ? str(next[textKey]) : undefined;
  return { id: '', text, ...(answer ? { answer } : {}), ok: true };
}

function sharegpt(rec: unknown, id: string): Extracted {
  if (!isObj(rec) || !Array.isArray(rec.conversations)) throw new Error('field "conversations" must be a list of {from, value}');
  const { text, answer } = firstTurn(rec.conversations, 'from', 'value', ['human', 'user'], ['gpt', 'assistant', 'chatgpt'], 'conversations');
  return { prompts: [{ id, text, ...(answer ? { answer } : {}) }], labelled: [] };
}

function chat(rec: unknown, id: string): Extracted {
  if (!isObj(rec) || !Array.isArray(rec.messages)) throw new Error('field "messages" must be a list of {role, content}');
  const { text, answer } = firstTurn(rec.messages, 'role', 'content', ['user'], ['assistant'], 'messages');
  return { prompts: [{ id, text, ...(answer ? { answer } : {}) }], labelled: [] };
}

function prompts(rec: unknown, id: string): Extracted {
  if (typeof rec === 'string') {
    if (!rec.trim()) throw new Error('empty prompt');
    return { prompts: [{ id, text: rec.trim() }], labelled: [] };
  }
  if (!isObj(rec)) throw new Error('a prompt must be a string or an object with "prompt"');
  const text = str(rec.prompt) ?? str(rec.text) ?? str(rec.instruction);
  if (!text) throw new Error('field "prompt" (or "text") must be a non-empty string');
  const answer = str(rec.answer) ?? str(rec.response) ?? str(rec.output);
  return { prompts: [{ id, text, ...(answer ? { answer } : {}) }], labelled: [] };
}

function labelled(rec: unknown, id: string): Extracted {
  if (!isObj(rec)) throw new Error('a labelled record must be {prompt, answers: [{text, rank}]}');
  const prompt = need(rec.prompt, 'prompt');
  if (!Array.isArray(rec.answers) || rec.answers.length < 2) throw new Error('field "answers" must list at least 2 ranked answers');
  const answers = rec.answers.map((a, i) => {
    if (!isObj(a) || typeof a.rank !== 'number' || !(a.rank >= 1)) throw new Error(`field "answers[${i}].rank" must be a number ≥ 1 (1 = best)`);
    return { text: need(a.text, `answers[${i}].text`), rank: a.rank };
  });
  const group = str(rec.group) ?? id;
  const best = [...answers].sort((a, b) => a.rank - b.rank)[0];
  return { prompts: [{ id, text: prompt, answer: best.text }], labelled: [{ group, prompt, answers }] };
}

export const EXTRACTORS: Record<Exclude<RecordFormat, 'oasst-flat'>, (rec: unknown, id: string) => Extracted> = {
  oasst: oasstTree,
  alpaca,
  sharegpt,
  chat,
  prompts,
  labelled,
};

/** Flat Open Assistant messages: collect, then rebuild first-turn trees. */
export class OasstFlat {
  private roots = new Map<string, { id: string; text: string; lang?: string }>();
  private replies = new Map<string, { text: string; rank: number | null }[]>();

  add(rec: unknown): void {
    if (!isObj(rec)) throw new Error('an Open Assistant message must be an object');
    const mid = need(rec.message_id, 'message_id');
    const text = need(rec.text, 'text');
    if (rec.deleted === true) return;
    if (rec.parent_id === null || rec.parent_id === undefined) {
      if (rec.role !== undefined && rec.role !== 'prompter') throw new Error('a root message must have role "prompter"');
      const lang = str(rec.lang);
      this.roots.set(mid, { id: mid, text, ...(lang ? { lang } : {}) });
    } else {
      const parent = need(rec.parent_id, 'parent_id');
      const list = this.replies.get(parent) ?? [];
      list.push({ text, rank: typeof rec.rank === 'number' ? rec.rank : null });
      this.replies.set(parent, list);
    }
  }

  finish(idPrefix: string): Extracted {
    const out: Extracted = { prompts: [], labelled: [] };
    for (const root of this.roots.values()) {
      const id = `${idPrefix}${root.id}`;
      const tree = oasstTree({ prompt: { text: root.text, lang: root.lang, replies: this.replies.get(root.id) ?? [] } }, id);
      out.prompts.push(...tree.prompts);
      out.labelled.push(...tree.labelled);
    }
    return out;
  }
}
