/**
 * The new-instruction writer: answers a few-shot "here are example instructions, write a new one" request with one
 * new instruction in the examples' style (question vs imperative, typical length), composed from topics and verbs
 * of lexicon.ts. At a small rate it shows the failure modes real generators have and the pipeline must clean:
 * numbering ("9. …"), several instructions at once, an echo of an example, a too-short fragment.
 */
import { AUDIENCES, CREATIVE_FORMS, CREATIVE_SUBJECTS, IMPERATIVES, QUALIFIERS, QUESTION_FORMS, TOPICS } from './lexicon';
import { Rng } from './rng';

export const INSTRUCTION_FAILURE_RATES = { numbered: 0.03, list: 0.03, echo: 0.02, tooShort: 0.02 } as const;

const EXAMPLE_LINE = /^\s*(?:(?:example|instruction|task|prompt|question|request)\s*#?\s*(\d+)\s*[:.)-]|(\d+)\s*[.)]|[-*•])\s*(.+)$/i;
const ASK = /\b(new|another|one more|different|fresh|additional|novel)\b[^.\n]{0,60}\b(instructions?|tasks?|prompts?|questions?|requests?)\b/i;

/** The example instructions of a few-shot request, or undefined when the text is not one. */
export function parseFewShot(text: string): string[] | undefined {
  if (!ASK.test(text)) return undefined;
  const examples: string[] = [];
  for (const line of text.split('\n')) {
    const m = EXAMPLE_LINE.exec(line);
    if (m && m[3].trim().length > 3) examples.push(m[3].trim());
  }
  return examples.length >= 2 ? examples : undefined;
}

/** One well-formed new instruction in the style of the examples. */
function composeInstruction(examples: string[], rng: Rng): string {
  const questionShare = examples.filter((e) => e.trim().endsWith('?')).length / examples.length;
  const creativeShare = examples.filter((e) => /^\s*(write|compose|draft)\s+(a|an)\s+(\w+\s+)?(poem|haiku|limerick|story|song|email|letter|speech|description|diary)/i.test(e)).length / examples.length;
  const meanWords = examples.reduce((a, e) => a + e.split(/\s+/).length, 0) / examples.length;
  const used = examples.join(' ').toLowerCase();
  let s: string;
  if (rng.chance(creativeShare * 0.8)) {
    s = `${rng.pick(['Write', 'Compose', 'Draft'])} ${rng.pick(CREATIVE_FORMS)} about ${rng.pick(CREATIVE_SUBJECTS)}.`;
  } else {
    const fresh = TOPICS.filter((t) => !used.includes(t.noun.replace(/^an? /, '')));
    const topic = rng.pick(fresh.length ? fresh : TOPICS);
    s = rng.chance(0.15 + 0.7 * questionShare) ? rng.pick(QUESTION_FORMS).replace('{a}', topic.activity) : `${rng.pick(IMPERATIVES)} ${topic.noun}.`;
    // context and constraints, as users add them; more when the examples are long
    if (rng.chance(meanWords > 12 ? 0.6 : 0.25)) {
      const who = rng.pick(AUDIENCES);
      s = s.endsWith('?') ? `I am ${who}. ${s}` : s.replace(/\.$/, ` for ${who}.`);
    }
  }
  if (rng.chance(meanWords > 18 ? 0.6 : 0.2)) s += ` ${rng.pick(QUALIFIERS)}`;
  return s;
}

export function writeInstruction(examples: string[], rng: Rng): string {
  const u = rng.next();
  const r = INSTRUCTION_FAILURE_RATES;
  if (u < r.numbered) return `${examples.length + 1}. ${composeInstruction(examples, rng)}`;
  if (u < r.numbered + r.list) {
    return [1, 2, 3].map((i) => `${examples.length + i}. ${composeInstruction(examples, rng.fork(i))}`).join('\n');
  }
  if (u < r.numbered + r.list + r.echo) return rng.pick(examples);
  if (u < r.numbered + r.list + r.echo + r.tooShort) return rng.pick(['Explain.', 'Tell me more.', 'Why?', 'Help me']);
  return composeInstruction(examples, rng);
}
