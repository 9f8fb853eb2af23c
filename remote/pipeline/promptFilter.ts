/**
 * The prompt stage's filter: one generated instruction in, kept or a drop reason out. It is stateful — a kept prompt
 * joins the near-duplicate index the next attempts are checked against — so attempts must be checked in attempt
 * order (promptgen.ts guarantees it; promptFilterWorker.ts runs it off the event loop).
 *
 * The checks, in order (defaults are Self-Instruct's, yizhongw/self-instruct bootstrap_instructions.py):
 *   truncated            the generation was cut by maxTokens (finish reason `length`)         dropTruncated
 *   empty / multi_instruction   from the cleaning (fewShot.ts)
 *   too_short / too_long  words split on whitespace (fewer than 4 / more than 150), then characters if set
 *   keyword               a blocked whole word or phrase ("image", "draw", "go to", …) or opening ("write a program")
 *   bad_start             first character is ASCII punctuation or not ASCII                   startFilter
 *   echo                  repeats one of its own few-shot examples (normalised, or ROUGE-L above the threshold)
 *   seed_duplicate        ROUGE-L above the threshold against a seed prompt
 *   earlier_duplicate     … against a prompt kept in an earlier iteration                     dedupeAcrossIterations
 *   near_duplicate        … against a prompt kept earlier in this iteration
 * Self-Instruct compares with seed and generated instructions alike and keeps a prompt unless max F > 0.7; the
 * reasons here only tell the three sets apart.
 */
import type { PromptDropReason, RunConfig } from '../protocol';
import { cleanInstruction, normaliseText } from './fewShot';
import { rougeL } from './rougeL';
import { NearDuplicateIndex, Vocabulary, encodeText } from './nearDuplicates';

export type PromptFilterParams = Pick<
  RunConfig['prompts'],
  'minChars' | 'maxChars' | 'minWords' | 'maxWords' | 'blockedKeywords' | 'blockedPrefixes' | 'startFilter' | 'dropTruncated' | 'dedupeAcrossIterations' | 'rougeThreshold'
>;

export interface Verdict {
  text: string;
  drop?: PromptDropReason;
}

/** What the filter starts from: texts it compares against, by set. */
export interface PromptFilterInit {
  params: PromptFilterParams;
  seeds: string[];
  /** prompts kept in earlier iterations (ignored unless dedupeAcrossIterations) */
  earlier: string[];
  /** prompts kept so far in this iteration (a resume) */
  kept: string[];
}

const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]/; // Python's string.punctuation
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Self-Instruct's `\b(word)\b`, case-insensitive, for every blocked keyword at once. */
function keywordPattern(words: readonly string[]): RegExp | undefined {
  return words.length ? new RegExp(`\\b(?:${words.map(escape).join('|')})\\b`, 'i') : undefined;
}

class TextSet {
  readonly index: NearDuplicateIndex;
  readonly normalised = new Set<string>();
  constructor(threshold: number, vocab: Vocabulary) {
    this.index = new NearDuplicateIndex(threshold, vocab);
  }
  add(text: string): void {
    this.normalised.add(normaliseText(text));
    this.index.add(String(this.index.size), text);
  }
}

export class PromptFilter {
  private readonly vocab = new Vocabulary();
  private readonly seeds: TextSet;
  private readonly earlier: TextSet | undefined;
  private readonly kept: TextSet;
  private readonly keywords: RegExp | undefined;
  private readonly prefixes: string[];

  constructor(readonly init: PromptFilterInit) {
    const p = init.params;
    this.seeds = new TextSet(p.rougeThreshold, this.vocab);
    for (const s of init.seeds) this.seeds.add(s);
    if (p.dedupeAcrossIterations) {
      this.earlier = new TextSet(p.rougeThreshold, this.vocab);
      for (const s of init.earlier) this.earlier.add(s);
    }
    this.kept = new TextSet(p.rougeThreshold, this.vocab);
    for (const s of init.kept) this.kept.add(s);
    this.keywords = keywordPattern(p.blockedKeywords ?? []);
    this.prefixes = (p.blockedPrefixes ?? []).map((x) => x.toLowerCase());
  }

  /** The verdict on the next attempt; a kept prompt joins the set later attempts are compared with. */
  check(raw: string, finishReason: string | undefined, examples: readonly string[]): Verdict {
    const v = this.judge(raw, finishReason, examples);
    if (!v.drop) this.kept.add(v.text);
    return v;
  }

  get keptCount(): number {
    return this.kept.index.size;
  }

  private judge(raw: string, finishReason: string | undefined, examples: readonly string[]): Verdict {
    const p = this.init.params;
    if (p.dropTruncated && finishReason === 'length') return { text: raw.trim(), drop: 'truncated' };
    const c = cleanInstruction(raw);
    if ('drop' in c) return { text: raw.trim(), drop: c.drop };
    const text = c.text;
    const words = text.split(/\s+/).length;
    if ((p.minWords !== undefined && words < p.minWords) || (p.minChars !== undefined && text.length < p.minChars)) return { text, drop: 'too_short' };
    if ((p.maxWords !== undefined && words > p.maxWords) || (p.maxChars !== undefined && text.length > p.maxChars)) return { text, drop: 'too_long' };
    const lower = text.toLowerCase();
    if (this.keywords?.test(text) || this.prefixes.some((x) => lower.startsWith(x))) return { text, drop: 'keyword' };
    if (p.startFilter && (ASCII_PUNCTUATION.test(text) || text.charCodeAt(0) > 0x7f)) return { text, drop: 'bad_start' };
    const norm = normaliseText(text);
    if (examples.some((e) => normaliseText(e) === norm || rougeL(text, e) > p.rougeThreshold)) return { text, drop: 'echo' };
    const q = encodeText(this.vocab, text, false);
    if (this.seeds.normalised.has(norm) || this.seeds.index.firstMatchEncoded(q)) return { text, drop: 'seed_duplicate' };
    if (this.earlier && (this.earlier.normalised.has(norm) || this.earlier.index.firstMatchEncoded(q))) return { text, drop: 'earlier_duplicate' };
    if (this.kept.normalised.has(norm) || this.kept.index.firstMatchEncoded(q)) return { text, drop: 'near_duplicate' };
    return { text };
  }
}
