/**
 * The answer generator: sample a latent configuration from the policy (temperature / top-p apply here, as a
 * decoder applies them to tokens), then compose an answer from it with the request's random stream. Nothing is
 * copied text: sentences are built from the templates in lexicon.ts around the instruction's own words.
 */
import {
  ASPECTS, DETAIL_LINES, DRIFT_TOPICS, ELABORATION_LINES, FILLER_BODIES, FILLER_CLOSERS, FILLER_OPENERS, REQUEST_VERBS, STOPWORDS, TRANSITIONS,
} from './lexicon';
import { type LatentConfig, type SimPolicy, configLogits, latentSpace } from './policy';
import { Rng, softmax } from './rng';

/** Runs of consecutive content words of the instruction ("first marathon", "injured"), longest first, ≤ 3 words. */
export function subjectPhrases(instruction: string): string[] {
  const runs: string[][] = [[]];
  for (const w of instruction.toLowerCase().match(/[a-z][a-z'-]*/g) ?? []) {
    const clean = w.replace(/'s$/, '');
    if (clean.length >= 3 && !STOPWORDS.has(clean) && !REQUEST_VERBS.has(clean)) runs[runs.length - 1].push(clean);
    else if (runs[runs.length - 1].length) runs.push([]);
  }
  const phrases = runs.filter((r) => r.length).map((r) => r.slice(0, 3).join(' '));
  return [...new Set(phrases)].sort((a, b) => b.split(' ').length - a.split(' ').length || b.length - a.length).slice(0, 4);
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const fill = (tpl: string, t: string, rng: Rng): string => tpl.replace(/\{t\}/g, t).replace(/\{n\}/g, String(2 + rng.int(9)));

/** Compose the text of one answer for a latent configuration. */
export function renderAnswer(c: LatentConfig, instruction: string, rng: Rng): string {
  // one determiner per answer ("your small vegetable garden" / "the small vegetable garden"), as a writer keeps one
  const det = rng.chance(0.6) ? 'your' : 'the';
  const phrases = subjectPhrases(instruction).map((p) => `${det} ${p}`);
  const topic = phrases[0] ?? 'this';
  const subjects = phrases.length ? [topic, ...phrases] : ['this'];
  const heading = topic.replace(/^(your|the) /, '');
  const drift = rng.pick(DRIFT_TOPICS);
  const nPoints = c.points + 1;
  const aspects = rng.sample(ASPECTS, nPoints);

  // a writer does not repeat itself by accident: draw templates without reuse within one answer
  const used = new Set<string>();
  const fresh = (make: () => string): string => {
    const key = (x: string): string => x.replace(/\d+/g, '#');
    let s = make();
    for (let tries = 0; used.has(key(s)) && tries < 12; tries++) s = make();
    used.add(key(s));
    return s;
  };
  const points: { marker: string; sentences: string[] }[] = aspects.map((a, i) => {
    const onTopic = c.relevance === 2 || (c.relevance === 1 && i % 2 === 0);
    const subject = onTopic ? rng.pick(subjects) : drift;
    const sentences = [fresh(() => fill(rng.pick(a.lines), subject, rng))];
    if (c.expertise === 2 || (c.expertise === 1 && i % 2 === 0)) {
      sentences.push(fresh(() => {
        const d = fill(rng.pick(DETAIL_LINES), subject, rng);
        return `With ${subject}, ${d.charAt(0).toLowerCase()}${d.slice(1)}`;
      }));
    }
    for (let e = 0; e < c.elaboration; e++) sentences.push(fresh(() => fill(rng.pick(ELABORATION_LINES), subject, rng)));
    return { marker: a.marker, sentences };
  });

  const fillers: string[] = [];
  for (let f = 0; f < c.filler; f++) {
    fillers.push(fresh(() => (f === 2 ? rng.pick(FILLER_CLOSERS) : `${rng.pick(FILLER_OPENERS)} ${rng.pick(FILLER_BODIES)}.`)));
  }
  const intro = rng.pick([`Here is how I would approach ${topic}.`, `There are a few things to get right with ${topic}.`, `Good question about ${topic}.`]);
  const closing = `In short, keep ${points.map((p) => p.marker).slice(0, 3).join(', ')} in view and ${topic} will go much better.`;

  if (c.structure === 0) {
    const all = points.flatMap((p) => p.sentences);
    for (const f of fillers) all.splice(rng.int(all.length + 1), 0, f);
    return all.join(' ');
  }
  if (c.structure === 1) {
    const paras = points.map((p, i) => {
      const t = i === points.length - 1 && i > 0 ? 'Finally,' : TRANSITIONS[Math.min(i, TRANSITIONS.length - 2)];
      const [first, ...rest] = p.sentences;
      return [`${t} ${first.charAt(0).toLowerCase()}${first.slice(1)}`, ...rest].join(' ');
    });
    if (fillers.length) paras.splice(1 + rng.int(paras.length), 0, fillers.join(' '));
    return [intro, ...paras].join('\n\n');
  }
  const list = points.map((p, i) => `${i + 1}. **${cap(p.marker)}.** ${p.sentences.join(' ')}`).join('\n');
  const parts = [`### ${cap(heading)}`, intro, list, closing];
  if (fillers.length) parts.splice(2, 0, fillers.join(' '));
  return parts.join('\n\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Sampling latent configurations from a policy
// ---------------------------------------------------------------------------------------------------------------

interface Nucleus {
  order: number[];
  cum: number[];
}
const nucleusCache = new WeakMap<SimPolicy, Map<string, Nucleus | number>>();

/** temperature 0 → the most likely configuration; otherwise sample from softmax(logits/T) truncated to top-p. */
export function sampleConfig(policy: SimPolicy, temperature: number, topP: number, rng: Rng): LatentConfig {
  const { configs } = latentSpace();
  let perPolicy = nucleusCache.get(policy);
  if (!perPolicy) nucleusCache.set(policy, (perPolicy = new Map()));
  const key = temperature <= 0 ? 'argmax' : `${temperature}|${topP}`;
  let entry = perPolicy.get(key);
  if (entry === undefined) {
    const logits = configLogits(policy);
    if (temperature <= 0) {
      let best = 0;
      for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
      entry = best;
    } else {
      const probs = softmax(logits.map((l) => l / temperature));
      const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a]);
      const cum: number[] = [];
      let mass = 0;
      for (const i of order) {
        mass += probs[i];
        cum.push(mass);
        if (mass >= topP) break;
      }
      entry = { order: order.slice(0, cum.length), cum };
    }
    perPolicy.set(key, entry);
  }
  if (typeof entry === 'number') return configs[entry];
  const u = rng.next() * entry.cum[entry.cum.length - 1];
  let lo = 0;
  let hi = entry.cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entry.cum[mid] >= u) hi = mid;
    else lo = mid + 1;
  }
  return configs[entry.order[lo]];
}

export function generateAnswer(policy: SimPolicy, instruction: string, temperature: number, topP: number, rng: Rng): string {
  const c = sampleConfig(policy, temperature, topP, rng);
  return renderAnswer(c, instruction, rng.fork('render'));
}
