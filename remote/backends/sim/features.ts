/**
 * Text → features: the one measurement the sim's policy is defined over, the judge reads, and the trainer
 * differentiates. Every feature is measured from the visible text (never from hidden generation metadata), each in
 * [0, 1]:
 *   relevance     share of substantive sentences that use a key term of the instruction
 *   completeness  distinct considerations (aspects) covered, out of 6
 *   organisation  structure: heading, list items / steps, paragraphs with transitions vs one block
 *   expertise     specific details (numbers, precise terms) per point
 *   filler        share of sentences that are platitudes or repeats
 *   length        log-scaled characters (150 → 0, 3000 → 1)
 */
import { ASPECT_MARKERS, DETAIL_TERMS, FILLER_CUES, STOPWORDS, TRANSITIONS } from './lexicon';

export const FEATURE_NAMES = ['relevance', 'completeness', 'organisation', 'expertise', 'filler', 'length'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type Features = Record<FeatureName, number>;

export function toVector(f: Features): number[] {
  return FEATURE_NAMES.map((n) => f[n]);
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

function stem(w: string): string {
  return w.length > 4 ? w.replace(/(ing|ed|es|s)$/, '') : w;
}

/** Content words of an instruction, in order, stemmed lightly; at most 8. */
export function keyTerms(instruction: string): string[] {
  const out: string[] = [];
  for (const raw of instruction.toLowerCase().match(/[a-z][a-z'-]+/g) ?? []) {
    const w = raw.replace(/'s$/, '');
    if (w.length < 3 || STOPWORDS.has(w)) continue;
    const s = stem(w);
    if (!out.includes(s)) out.push(s);
    if (out.length >= 8) break;
  }
  return out;
}

export function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.replace(/^\s*(?:[-*•]|\d+[.)]|#+)\s*/, '').split(/(?<=[.!?])\s+/))
    .map((s) => s.trim())
    .filter((s) => /[a-z]/i.test(s));
}

function wordsOf(s: string): string[] {
  return (s.toLowerCase().match(/[a-z][a-z'-]*/g) ?? []).map(stem);
}

export function isFillerSentence(s: string): boolean {
  const l = s.toLowerCase();
  return FILLER_CUES.some((c) => l.includes(c));
}

export interface Structure {
  listItems: number;
  headings: number;
  paragraphs: number;
  transitions: number;
}

export function structureOf(text: string): Structure {
  const lines = text.split('\n').map((l) => l.trim());
  const listItems = lines.filter((l) => /^(?:[-*•]|\d+[.)])\s+\S/.test(l)).length;
  const headings = lines.filter((l) => /^#{1,6}\s+\S/.test(l) || /^\*\*[^*]{2,60}\*\*:?$/.test(l) || (/^[A-Z][^.!?]{2,50}:$/.test(l))).length;
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim()).length;
  const transitions = splitSentences(text).filter((s) => TRANSITIONS.some((t) => s.startsWith(t))).length;
  return { listItems, headings, paragraphs, transitions };
}

const ASPECT_RES = ASPECT_MARKERS.map((m) => new RegExp(`\\b${m}`));

export function extractFeatures(instruction: string, response: string): Features {
  const terms = keyTerms(instruction);
  const sentences = splitSentences(response);
  const lower = response.toLowerCase();
  const seen = new Set<string>();
  let filler = 0;
  const substantive: string[] = [];
  for (const s of sentences) {
    const key = wordsOf(s).join(' ');
    if (isFillerSentence(s) || seen.has(key)) filler++;
    else substantive.push(s);
    seen.add(key);
  }
  const relevant = substantive.filter((s) => {
    const ws = wordsOf(s);
    return terms.some((t) => ws.some((w) => w === t || (t.length >= 5 && w.startsWith(t))));
  }).length;
  const relevance = terms.length === 0 ? (substantive.length ? 0.5 : 0) : substantive.length ? relevant / substantive.length : 0;

  const aspects = ASPECT_RES.filter((re) => re.test(lower)).length;
  const completeness = clamp01(aspects / 6);

  const st = structureOf(response);
  let organisation: number;
  if (st.listItems >= 3) organisation = 0.6 + (st.headings ? 0.25 : 0) + (st.paragraphs >= 2 ? 0.15 : 0);
  else if (st.paragraphs >= 2) organisation = 0.35 + 0.1 * Math.min(3, st.transitions) + (st.headings ? 0.1 : 0);
  else organisation = 0.1 + 0.05 * Math.min(2, st.transitions);

  const numbers = (response.match(/\b\d+(?:[.,]\d+)?%?/g) ?? []).filter((n) => !/^\d+[.)]$/.test(n)).length;
  const listNumbers = (response.match(/^\s*\d+[.)]\s/gm) ?? []).length;
  const terms2 = DETAIL_TERMS.reduce((a, t) => a + (lower.split(t).length - 1), 0);
  const points = Math.max(2, aspects, st.listItems);
  const expertise = clamp01((Math.max(0, numbers - listNumbers) + terms2) / (1.6 * points));

  return {
    relevance: clamp01(relevance),
    completeness,
    organisation: clamp01(organisation),
    expertise,
    filler: sentences.length ? filler / sentences.length : 0,
    length: clamp01(Math.log(Math.max(response.length, 1) / 150) / Math.log(20)),
  };
}
