/**
 * The pipeline's one way to call a model: chat completions through the `openai` package against any
 * OpenAI-compatible server (vLLM, llama.cpp, Ollama, SGLang, OpenAI). Requests are spread round-robin over the
 * endpoint's base URLs (a retry goes to the next one), each attempt has its own timeout, and the package's own
 * retries are off so `withRetry` is the only retry loop. The package does the request (URL, headers, auth, errors
 * by status); httpFetch carries it, and the hot path allocates nothing the package does not need (see attempt).
 * Servers that ignore `n` (llama.cpp, Ollama) get follow-up requests for the missing choices.
 */
import OpenAI, { APIConnectionTimeoutError } from 'openai';
import type { ModelEndpoint } from '../backends/types';
import { promptMessages, type ChatMessage } from '../backends/rows';
import { MalformedResponseError, RequestTimeoutError, withRetry } from './retry';
import { abortReason } from './signals';
import { STOP_SIGNAL, httpFetch } from './httpFetch';

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
      (baseURL) => new OpenAI({ baseURL, apiKey: endpoint.apiKey || 'none', maxRetries: 0, timeout: opts.timeoutMs, fetch: httpFetch as typeof fetch, logLevel: 'off' }),
    );
  }

  /** `n` choices for one user prompt; throws (after the retries) with the last error. */
  async chat(req: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const first = await this.once(req, signal);
    if (first.choices.length >= req.n) return first.choices.length === req.n ? first : { ...first, choices: first.choices.slice(0, req.n) };
    // a server that ignores `n` (llama.cpp, Ollama): ask again for the missing choices
    const choices = first.choices.slice();
    let tokens = first.completionTokens;
    for (let round = 1; choices.length < req.n; round++) {
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
        () => {
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

  /**
   * One HTTP attempt. Nothing is allocated per attempt for stopping or timing out: the caller's stop signal goes to
   * httpFetch as it is (one listener, removed when the answer is in — never handed to the package, whose listener
   * on a signal would stay until the signal fires), and the package's own per-request timer is the timeout, which
   * httpFetch makes cover the whole body (it resolves only once the body is read). The answer is taken as a raw
   * response and parsed here: the package's parse step (its debug formatting, a request-id property) is skipped.
   */
  private async attempt(client: OpenAI, req: ChatRequest, stop: AbortSignal): Promise<ChatResult> {
    try {
      const res = await client.chat.completions
        .create(
          {
            model: this.endpoint.model,
            messages: req.messages ? [...req.messages] : promptMessages(req.prompt),
            n: req.n,
            temperature: req.temperature,
            top_p: req.topP,
            max_tokens: req.maxTokens,
            seed: req.seed,
          },
          { timeout: this.opts.timeoutMs, fetchOptions: { [STOP_SIGNAL]: stop } as never },
        )
        .asResponse();
      // as the package parses a body: JSON when the server says so, else the text (then refused as not an object)
      const json = /\bjson\b/i.test(res.headers.get('content-type') ?? '');
      return checkCompletion(json ? await res.json() : await res.text());
    } catch (e) {
      if (stop.aborted) throw abortReason(stop);
      if (e instanceof APIConnectionTimeoutError) throw new RequestTimeoutError(this.opts.timeoutMs);
      throw e;
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
