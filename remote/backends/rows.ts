/**
 * Preference rows in the formats trainers take. One place, used by the training stage, the exports and the OpenAI
 * backend:
 *   TRL standard:        {"prompt": str, "chosen": str, "rejected": str}
 *   TRL conversational:  {"prompt": [{role:"user",content}], "chosen": [{role:"assistant",content}], "rejected": [...]}
 *   OpenAI DPO:          {"input": {"messages": [...]}, "preferred_output": [...], "non_preferred_output": [...]}
 * and supervised (SFT) rows, TRL's prompt-completion type, so the loss falls on the completion only:
 *   TRL standard:        {"prompt": str, "completion": str}
 *   TRL conversational:  {"prompt": [{role:"user",content}], "completion": [{role:"assistant",content}]}
 *   OpenAI supervised:   {"messages": [{role:"user",content}, {role:"assistant",content}]}
 * Every message list starts from promptMessages, the messages the inference client sends.
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

/**
 * The chat messages a prompt is sent with — by the inference client for every request (so every candidate was
 * sampled from exactly these) and by every conversational training row (so training sees the same context; TRL
 * applies the model's chat template to them as the server did). Change it here and both follow.
 */
export function promptMessages(prompt: string): ChatMessage[] {
  return [{ role: 'user', content: prompt }];
}

/** An answer as the assistant turn that follows promptMessages. */
export function answerMessages(text: string): ChatMessage[] {
  return [{ role: 'assistant', content: text }];
}

export function trlRow(t: PreferenceTriple, format: 'standard' | 'conversational'): TrlStandardRow | TrlConversationalRow {
  if (format === 'standard') return { prompt: t.prompt, chosen: t.chosen, rejected: t.rejected };
  return { prompt: promptMessages(t.prompt), chosen: answerMessages(t.chosen), rejected: answerMessages(t.rejected) };
}

export function openAiDpoRow(t: PreferenceTriple): OpenAiDpoRow {
  return { input: { messages: promptMessages(t.prompt) }, preferred_output: answerMessages(t.chosen), non_preferred_output: answerMessages(t.rejected) };
}

/** The text of a row field: a string, or the last message of `role` in a message list. Errors name the field. */
function fieldText(v: unknown, field: string, role: string, where: string): string {
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
  return { prompt: fieldText(r.prompt, 'prompt', 'user', where), chosen: fieldText(r.chosen, 'chosen', 'assistant', where), rejected: fieldText(r.rejected, 'rejected', 'assistant', where) };
}

/** Read a TRL prompt-completion row of either format back into an example. Errors name the field. */
export function exampleFromSftRow(row: unknown, where: string): SftExample {
  const r = row as Record<string, unknown>;
  return { prompt: fieldText(r.prompt, 'prompt', 'user', where), completion: fieldText(r.completion, 'completion', 'assistant', where) };
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
  return { prompt: promptMessages(e.prompt), completion: answerMessages(e.completion) };
}

/** OpenAI supervised fine-tuning: one conversation per example. */
export interface OpenAiSftRow {
  messages: ChatMessage[];
}

export function openAiSftRow(e: SftExample): OpenAiSftRow {
  return { messages: [...promptMessages(e.prompt), ...answerMessages(e.completion)] };
}
