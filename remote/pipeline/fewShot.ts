/**
 * The few-shot prompt that asks a model for one new instruction, and the cleaning of what comes back. Models —
 * especially later self-rewarded ones — tend to number their output, repeat the "Instruction:" label, or carry on
 * with several instructions (often with answers); cleaning strips the decoration and flags the lists.
 */
export function fewShotPrompt(examples: readonly string[]): string {
  const lines = [
    'Below are example instructions a user might give an AI assistant. Write one new instruction that differs from all of them: a single, self-contained request in a similar style. Reply with the instruction only.',
    '',
    // one line per example, as Self-Instruct writes them: a multi-line example would read as several
    ...examples.map((e, i) => `Example ${i + 1}: ${e.replace(/\s+/g, ' ').trim()}`),
    '',
    'New instruction:',
  ];
  return lines.join('\n');
}

export type CleanResult = { text: string } | { drop: 'empty' | 'multi_instruction' };

// Labels and list markers a generator puts in front of an instruction.
const PREFIX_RE = /^\s*(?:(?:new\s+)?(?:instruction|example|prompt|task|question|request)\s*(?:\d+)?\s*[:.)-]\s*|\d+\s*[.):-]\s+|[-*•#>]+\s+|\*\*[^*]*\*\*\s*:?\s*)/i;
// A line that starts another item: "2.", "Example 3:", "Instruction:", "- ".
const ITEM_RE = /^\s*(?:\d+\s*[.)]\s+|(?:new\s+)?(?:instruction|example|prompt|task|question)\s*\d*\s*:|[-*•]\s+)/i;
// Where a generator starts answering its own instruction.
const ANSWER_RE = /\n\s*(?:answer|response|output|assistant|solution)\s*:/i;

export function cleanInstruction(raw: string): CleanResult {
  let text = raw.replace(/\r\n/g, '\n').trim();
  const cut = ANSWER_RE.exec(text);
  if (cut) text = text.slice(0, cut.index).trim();
  // More than one item-like line → the model listed several instructions.
  const lines = text.split('\n').filter((l) => l.trim());
  if (lines.filter((l) => ITEM_RE.test(l)).length >= 2) return { drop: 'multi_instruction' };
  for (let i = 0; i < 3; i++) {
    const next = text.replace(PREFIX_RE, '').trim();
    if (next === text) break;
    text = next;
  }
  // Surrounding quotes.
  const q = /^(["'“‘`])([\s\S]*)(["'”’`])$/.exec(text);
  if (q) text = q[2].trim();
  if (!text) return { drop: 'empty' };
  return { text };
}

/** Normalised form for exact-echo checks. */
export function normaliseText(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').replace(/[\s.!?]+$/, '').trim();
}
