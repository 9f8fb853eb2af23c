/**
 * The evaluation judges behind any OpenAI-compatible chat endpoint — an external judge (the paper-grade choice: GPT-4
 * in the paper) or the run's own current model (self-judging, as in the loop), or the sim server in the demo and
 * tests. Two tasks, each with its prompt in our own words:
 *   - pairwise comparison of two answers to one instruction → `Verdict: A|B` (remote/eval/verdicts.ts parseVerdict);
 *   - single-answer grading on 1–10 of the assistant's last reply in a one- or two-turn conversation (the MT-Bench
 *     shape) → `Rating: [[x]]` (parseRating).
 * Temperature 0: a verdict should depend on the answers, not on sampling. A request that fails after its retries
 * gives no verdict — counted as unreadable by the callers, with its error recorded.
 */
import type { ModelEndpoint } from '../backends/types';
import { InferenceClient, type ClientOptions } from '../inference/client';
import { describeError } from '../inference/retry';
import type { PairwiseJudge } from './headToHead';
import { parseRating, parseVerdict, type ParsedRating } from './verdicts';

export const DEFAULT_EVAL_CLIENT: ClientOptions = { maxRetries: 3, timeoutMs: 120_000 };

/** The pairwise prompt. Answers are fenced in tags so text inside them reads as content, not as instructions. */
export const PAIRWISE_PROMPT = `You are an impartial reviewer comparing two AI assistant answers to the same user instruction. Decide which answer
serves the user better: judge how correct, helpful, relevant and complete each one is, and how clearly it is written.
Do not let the order of the answers, their length, or the names of the assistants sway you; a longer answer is only
better if the extra content is useful.

<instruction>
{{instruction}}
</instruction>

<answer_a>
{{answerA}}
</answer_a>

<answer_b>
{{answerB}}
</answer_b>

Explain your reasoning in at most 80 words, then end with one last line in exactly this form:
Verdict: A
or
Verdict: B
`;

/** Fill placeholders in one pass, so text inside a value is never substituted again. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (m, k: string) => (k in values ? values[k] : m));
}

export function fillPairwisePrompt(prompt: string, answerA: string, answerB: string): string {
  return fill(PAIRWISE_PROMPT, { instruction: prompt, answerA, answerB });
}

/** Grading of a single reply (turn 1, or a one-turn question). */
export const GRADING_PROMPT = `You are grading one reply of an AI assistant. Read the user's question and the assistant's reply, and judge how
helpful, correct, relevant, deep and clearly written the reply is.{{reference}} Be strict: a reply with a mistake or
an unanswered part of the question must not get a high rating.

<question>
{{question}}
</question>

<reply>
{{reply}}
</reply>

Explain your assessment in at most 80 words, then give a rating from 1 (useless) to 10 (excellent) on the last line
in exactly this form:
Rating: [[7]]
`;

/** Grading of the second reply of a two-turn conversation; the first turn is context only. */
export const GRADING_PROMPT_TURN2 = `You are grading the SECOND reply of an AI assistant in a two-turn conversation. The first question and reply are
there for context; grade only how well the second reply answers the second question, taking the first turn into
account (helpful, correct, relevant, deep, clearly written).{{reference}} Be strict: a reply with a mistake or an
unanswered part of the question must not get a high rating.

<turn_1_question>
{{question1}}
</turn_1_question>

<turn_1_reply>
{{reply1}}
</turn_1_reply>

<turn_2_question>
{{question2}}
</turn_2_question>

<turn_2_reply>
{{reply2}}
</turn_2_reply>

Explain your assessment in at most 80 words, then give a rating from 1 (useless) to 10 (excellent) on the last line
in exactly this form:
Rating: [[7]]
`;

const referenceNote = (ref: string | undefined): string =>
  ref ? `\n\nA reference answer written in advance is given below; use it to check correctness, not wording.\n\n<reference>\n${ref}\n</reference>\n` : '';

/** One conversation turn to grade: the questions so far and the assistant's replies (the last reply is graded). */
export interface GradingItem {
  questions: string[];
  replies: string[];
  /** a reference answer for the graded turn (MT-Bench has them for math, reasoning and coding) */
  reference?: string;
}

export function fillGradingPrompt(item: GradingItem): string {
  const reference = referenceNote(item.reference);
  if (item.questions.length <= 1) return fill(GRADING_PROMPT, { question: item.questions[0] ?? '', reply: item.replies[0] ?? '', reference });
  const n = item.questions.length;
  return fill(GRADING_PROMPT_TURN2, {
    question1: item.questions[n - 2], reply1: item.replies[n - 2] ?? '', question2: item.questions[n - 1], reply2: item.replies[n - 1] ?? '', reference,
  });
}

export interface Grade extends ParsedRating {
  text: string;
  error?: string;
}

export interface GradingJudge {
  grade(item: GradingItem, signal?: AbortSignal): Promise<Grade>;
}

export interface JudgeOptions {
  maxTokens?: number;
  seed?: number;
  client?: ClientOptions;
}

async function ask(client: InferenceClient, prompt: string, opts: JudgeOptions, signal: AbortSignal | undefined): Promise<{ text: string } | { error: string }> {
  try {
    const r = await client.chat({ prompt, n: 1, temperature: 0, topP: 1, maxTokens: opts.maxTokens ?? 400, seed: opts.seed ?? 0 }, signal ?? new AbortController().signal);
    return { text: r.choices[0]?.text ?? '' };
  } catch (e) {
    if (signal?.aborted) throw e;
    return { error: describeError(e) };
  }
}

export function openAiPairwiseJudge(endpoint: ModelEndpoint, opts: JudgeOptions = {}): PairwiseJudge {
  const client = new InferenceClient(endpoint, opts.client ?? DEFAULT_EVAL_CLIENT);
  return {
    async compare(prompt, answerA, answerB, signal) {
      const r = await ask(client, fillPairwisePrompt(prompt, answerA, answerB), opts, signal);
      return 'error' in r ? { verdict: null, text: '', error: r.error } : { verdict: parseVerdict(r.text), text: r.text };
    },
  };
}

export function openAiGradingJudge(endpoint: ModelEndpoint, opts: JudgeOptions = {}): GradingJudge {
  const client = new InferenceClient(endpoint, opts.client ?? DEFAULT_EVAL_CLIENT);
  return {
    async grade(item, signal) {
      const r = await ask(client, fillGradingPrompt(item), { maxTokens: 500, ...opts }, signal);
      return 'error' in r ? { rating: null, text: '', error: r.error, reason: 'request failed' } : { ...parseRating(r.text), text: r.text };
    },
  };
}
