/**
 * The pipeline's one way to call a model: chat completions through the `openai` package against any
 * OpenAI-compatible server (vLLM, llama.cpp, Ollama, SGLang, OpenAI). Requests are spread round-robin over the
 * endpoint's base URLs (a retry goes to the next one), each attempt has its own timeout, and the package's own
 * retries are off so `withRetry` is the only retry loop. Servers that ignore `n` (llama.cpp, Ollama) get follow-up
 * requests for the missing choices.
 */
import OpenAI from 'openai';
import type { ModelEndpoint } from '../backends/types';
import { promptMessages, type ChatMessage } from '../backends/rows';
import { MalformedResponseError, RequestTimeoutError, withRetry } from './retry';
import { anySignal } from './signals';
import { httpFetch } from './httpFetch';

export type { ChatMessage };

export interface ChatRequest {
  /** the user turn of a single-turn request (with `messages`: the last user turn, for logs) */
  prompt: string;
  /** the whole conversation, sent instead of a single user turn with `prompt` when set */
  messages?: readonly ChatMessage[];
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
}

export interface ChatChoice {
  text: string;
  finishReason?: string;
}

export interface ChatResult {
  choices: ChatChoice[];
  completionTokens?: number;
}

export interface ClientOptions {
  maxRetries: number;
  timeoutMs: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface ClientStats {
  requests: number;
  retries: number;
  failures: number;
}

export class InferenceClient {
  private clients: OpenAI[];
  private next = 0;
  readonly stats: ClientStats = { requests: 0, retries: 0, failures: 0 };

  constructor(readonly endpoint: ModelEndpoint, readonly opts: ClientOptions) {
    if (!endpoint.baseUrls.length) throw new Error(`model ${endpoint.model}: no base URL to reach it`);
    this.clients = endpoint.baseUrls.map(
      (baseURL) => new OpenAI({ baseURL, apiKey: endpoint.apiKey || 'none', maxRetries: 0, timeout: opts.timeoutMs, fetch: httpFetch as typeof fetch }),
    );
  }

  /** `n` choices for one user prompt; throws (after the retries) with the last error. */
  async chat(req: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const choices: ChatChoice[] = [];
    let tokens: number | undefined;
    for (let round = 0; choices.length < req.n; round++) {
      if (round > req.n) throw new MalformedResponseError(`server returned ${choices.length} of ${req.n} choices`);
      const want = req.n - choices.length;
      const r = await this.once({ ...req, n: want, seed: req.seed + round }, signal);
      choices.push(...r.choices.slice(0, want));
      if (r.completionTokens !== undefined) tokens = (tokens ?? 0) + r.completionTokens;
    }
    return { choices, completionTokens: tokens };
  }

  private async once(req: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    try {
      return await withRetry(
        async () => {
          const client = this.clients[this.next++ % this.clients.length];
          this.stats.requests++;
          return this.attempt(client, req, signal);
        },
        {
          maxRetries: this.opts.maxRetries,
          baseDelayMs: this.opts.baseDelayMs,
          maxDelayMs: this.opts.maxDelayMs,
          signal,
          onRetry: () => this.stats.retries++,
        },
      );
    } catch (e) {
      if (!signal.aborted) this.stats.failures++;
      throw e;
    }
  }

  private async attempt(client: OpenAI, req: ChatRequest, outer: AbortSignal): Promise<ChatResult> {
    // Our own timer (not only the package's) so a hung body read is cut too and reported as a timeout.
    const timer = new AbortController();
    const t = setTimeout(() => timer.abort(new RequestTimeoutError(this.opts.timeoutMs)), this.opts.timeoutMs);
    const both = anySignal([outer, timer.signal]);
    try {
      const res = (await client.chat.completions.create(
        {
          model: this.endpoint.model,
          messages: req.messages ? [...req.messages] : promptMessages(req.prompt),
          n: req.n,
          temperature: req.temperature,
          top_p: req.topP,
          max_tokens: req.maxTokens,
          seed: req.seed,
        },
        { signal: both.signal, timeout: this.opts.timeoutMs + 1000 },
      )) as unknown;
      return checkCompletion(res);
    } catch (e) {
      if (timer.signal.aborted && !outer.aborted) throw new RequestTimeoutError(this.opts.timeoutMs);
      throw e;
    } finally {
      clearTimeout(t);
      both.dispose();
    }
  }
}

/** Validate the shape of a chat completion (a server can answer 200 with garbage). */
export function checkCompletion(res: unknown): ChatResult {
  if (!res || typeof res !== 'object') throw new MalformedResponseError(`body is ${typeof res}, not a JSON object`);
  const r = res as { choices?: unknown; usage?: { completion_tokens?: unknown } };
  if (!Array.isArray(r.choices) || r.choices.length === 0) throw new MalformedResponseError('no "choices" array');
  const choices: ChatChoice[] = r.choices.map((c: unknown, i: number) => {
    const content = (c as { message?: { content?: unknown } })?.message?.content;
    if (typeof content !== 'string') throw new MalformedResponseError(`choices[${i}].message.content is not a string`);
    const finish = (c as { finish_reason?: unknown }).finish_reason;
    return typeof finish === 'string' ? { text: content, finishReason: finish } : { text: content };
  });
  const tokens = r.usage?.completion_tokens;
  return typeof tokens === 'number' ? { choices, completionTokens: tokens } : { choices };
}
