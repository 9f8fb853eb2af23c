/**
 * The new-instruction writer: answers a few-shot "here are example instructions, write a new one" request with one
 * new instruction in the examples' style (question vs imperative, creative requests, typical length), composed from
 * the domains, forms, audiences and constraints of lexicon.ts — a space of millions of requests, so a run of 20,000
 * prompts per iteration is not starved by the near-duplicate filter. At small rates it shows the failure modes real
 * generators have and the pipeline must clean: numbering ("9. …"), several instructions at once, an echo of an
 * example, a too-short fragment, a request for something a text model cannot see or make (a picture, a file).
 */
import {
  AUDIENCES, CIRCUMSTANCES, CREATIVE_ANGLES, CREATIVE_CHARACTERS, CREATIVE_FORMS, CREATIVE_PLACES, IMPERATIVE_FORMS, INSTRUCTION_DOMAINS, NEEDS_OTHER_MEDIA, QUALIFIERS, QUESTION_FORMS,
  SMALL_NUMBERS, WORD_COUNTS,
} from './lexicon';
import { Rng } from './rng';

export const INSTRUCTION_FAILURE_RATES = { numbered: 0.03, list: 0.03, echo: 0.02, tooShort: 0.02, otherMedia: 0.01 } as const;

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

/** One well-formed new instruction in the style of the examples: a creative request, a question or an imperative. */
function composeInstruction(examples: string[], rng: Rng): string {
  const questionShare = examples.filter((e) => e.trim().endsWith('?')).length / examples.length;
  const creativeShare = examples.filter((e) => /^\s*(write|compose|draft)\s+(a|an)\s+(\w+\s+)?(poem|haiku|limerick|story|song|email|letter|speech|description|diary|fable|chorus)/i.test(e)).length / examples.length;
  const meanWords = examples.reduce((a, e) => a + e.split(/\s+/).length, 0) / examples.length;
  let s: string;
  if (rng.chance(creativeShare * 0.8)) {
    s = `${rng.pick(['Write', 'Compose', 'Draft'])} ${rng.pick(CREATIVE_FORMS)} about ${rng.pick(CREATIVE_CHARACTERS)} ${rng.pick(CREATIVE_PLACES)}`;
    s += rng.chance(0.5) ? `, ${rng.pick(CREATIVE_ANGLES)}.` : '.';
  } else {
    const d = rng.pick(INSTRUCTION_DOMAINS);
    const verb = rng.pick(d.verbs);
    const object = rng.pick(d.objects);
    const setting = rng.chance(0.92) ? ` ${rng.pick(d.settings)}` : '';
    // context, as users add it; more when the examples are long
    const who = rng.chance(meanWords > 12 ? 0.5 : 0.25) ? rng.pick(AUDIENCES) : undefined;
    if (rng.chance(0.15 + 0.7 * questionShare)) {
      s = rng.pick(QUESTION_FORMS).replace('{a}', `${verb.base} ${object}${setting}`);
      if (who) s = `I am ${who}. ${s}`;
    } else {
      s = rng.pick(IMPERATIVE_FORMS).replace('{g}', `${verb.gerund} ${object}${setting}`);
      if (who && !setting.startsWith(' for ')) s = s.replace(/\.$/, ` for ${who}.`);
    }
    // a circumstance of the asker's, as people mention one
    if (rng.chance(meanWords > 12 ? 0.65 : 0.45)) {
      const c = rng.pick(CIRCUMSTANCES);
      s = rng.chance(0.5) ? `${c} ${s}` : `${s} ${c}`;
    }
    if (rng.chance(meanWords > 18 ? 0.7 : 0.45)) s += ` ${rng.pick(QUALIFIERS).replace('{n}', rng.pick(WORD_COUNTS)).replace('{k}', rng.pick(SMALL_NUMBERS))}`;
  }
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
  if (u < r.numbered + r.list + r.echo + r.tooShort + r.otherMedia) return rng.pick(NEEDS_OTHER_MEDIA);
  return composeInstruction(examples, rng);
}
