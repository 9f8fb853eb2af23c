/**
 * Preference rows in the formats trainers take. One place, used by the training stage, the exports and the OpenAI
 * backend:
 *   TRL standard:        {"prompt": str, "chosen": str, "rejected": str}
 *   TRL conversational:  {"prompt": [{role:"user",content}], "chosen": [{role:"assistant",content}], "rejected": [...]}
 *   OpenAI DPO:          {"input": {"messages": [...]}, "preferred_output": [...], "non_preferred_output": [...]}
 * and supervised (SFT) rows, TRL's prompt-completion type, so the loss falls on the completion only:
 *   TRL standard:        {"prompt": str, "completion": str}
 *   TRL conversational:  {"prompt": [{role:"user",content}], "completion": [{role:"assistant",content}]}
 */
export interface PreferenceTriple {
  prompt: string;
  chosen: string;
  rejected: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type TrlStandardRow = PreferenceTriple;
export interface TrlConversationalRow {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
}
export interface OpenAiDpoRow {
  input: { messages: ChatMessage[] };
  preferred_output: ChatMessage[];
  non_preferred_output: ChatMessage[];
}

export function trlRow(t: PreferenceTriple, format: 'standard' | 'conversational'): TrlStandardRow | TrlConversationalRow {
  if (format === 'standard') return { prompt: t.prompt, chosen: t.chosen, rejected: t.rejected };
  return {
    prompt: [{ role: 'user', content: t.prompt }],
    chosen: [{ role: 'assistant', content: t.chosen }],
    rejected: [{ role: 'assistant', content: t.rejected }],
  };
}

export function openAiDpoRow(t: PreferenceTriple): OpenAiDpoRow {
  return {
    input: { messages: [{ role: 'user', content: t.prompt }] },
    preferred_output: [{ role: 'assistant', content: t.chosen }],
    non_preferred_output: [{ role: 'assistant', content: t.rejected }],
  };
}

/** A row field of either format as text: the string, or the last message of `role`. Errors name the field. */
function rowText(v: unknown, field: string, role: string, where: string): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const msgs = v as ChatMessage[];
    const m = [...msgs].reverse().find((x) => x && x.role === role);
    if (m && typeof m.content === 'string') return m.content;
  }
  throw new Error(`${where}: field "${field}" must be a string or a list of {role, content} messages with a ${role} message`);
}

/** Read a TRL row of either format back into a triple (trainers accept both). Errors name the field. */
export function tripleFromTrlRow(row: unknown, where: string): PreferenceTriple {
  const r = row as Record<string, unknown>;
  const text = (v: unknown, field: string, role: string): string => rowText(v, field, role, where);
  return { prompt: text(r.prompt, 'prompt', 'user'), chosen: text(r.chosen, 'chosen', 'assistant'), rejected: text(r.rejected, 'rejected', 'assistant') };
}

/** One supervised example: the prompt (IFT instruction, or the filled judge rubric for EFT) and the target answer. */
export interface SftExample {
  prompt: string;
  completion: string;
}

export type TrlSftStandardRow = SftExample;
export interface TrlSftConversationalRow {
  prompt: ChatMessage[];
  completion: ChatMessage[];
}

export function sftRow(e: SftExample, format: 'standard' | 'conversational'): TrlSftStandardRow | TrlSftConversationalRow {
  if (format === 'standard') return { prompt: e.prompt, completion: e.completion };
  return { prompt: [{ role: 'user', content: e.prompt }], completion: [{ role: 'assistant', content: e.completion }] };
}

/** Read a TRL prompt-completion row of either format back into an example. Errors name the field. */
export function sftExampleFromRow(row: unknown, where: string): SftExample {
  const r = row as Record<string, unknown>;
  return { prompt: rowText(r.prompt, 'prompt', 'user', where), completion: rowText(r.completion, 'completion', 'assistant', where) };
}
