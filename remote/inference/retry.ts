/**
 * Retries with exponential backoff and full jitter. Retryable: 408/409/429 and 5xx answers, timeouts, connection
 * errors (refused, reset, a body cut off mid-way) and malformed bodies. A `retry-after` / `retry-after-ms` header
 * sets the wait instead of the backoff. A stop (the caller's signal) is never retried.
 */
import { APIError, APIConnectionError, APIUserAbortError } from 'openai';
import { abortReason, sleep } from './signals';

export interface RetryOptions {
  maxRetries: number;
  /** first backoff step (default 500 ms); doubles per attempt */
  baseDelayMs?: number;
  /** cap of one backoff wait (default 30 s) */
  maxDelayMs?: number;
  signal: AbortSignal;
  onRetry?(info: { attempt: number; delayMs: number; error: string }): void;
}

/** Thrown by the client when a 200 answer does not have the shape of a chat completion. */
export class MalformedResponseError extends Error {
  constructor(message: string) {
    super(`malformed response: ${message}`);
    this.name = 'MalformedResponseError';
  }
}

/** Thrown when one attempt runs past the per-request timeout. */
export class RequestTimeoutError extends Error {
  constructor(ms: number) {
    super(`request timed out after ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export function isRetryable(e: unknown): boolean {
  if (e instanceof RequestTimeoutError || e instanceof MalformedResponseError) return true;
  if (e instanceof APIUserAbortError) return false;
  if (e instanceof APIConnectionError) return true;
  if (e instanceof APIError) {
    const s = e.status ?? 0;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  // fetch/undici failures (socket closed mid-body: "terminated") and JSON parse errors of a cut body.
  return e instanceof TypeError || e instanceof SyntaxError;
}

/** Wait requested by the server, in ms, from retry-after-ms / retry-after (seconds or an HTTP date). */
export function retryAfterMs(e: unknown, now = Date.now()): number | undefined {
  if (!(e instanceof APIError) || !e.headers) return undefined;
  const h = e.headers as Headers;
  const ms = Number(h.get?.('retry-after-ms'));
  if (h.get?.('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const ra = h.get?.('retry-after');
  if (!ra) return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function describeError(e: unknown): string {
  if (e instanceof APIError && e.status) return `HTTP ${e.status}: ${e.message}`;
  if (e instanceof SyntaxError) return `malformed response body: ${e.message}`;
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const extra = cause instanceof Error && cause.message && !e.message.includes(cause.message) ? ` (${cause.message})` : '';
    const name = e instanceof TypeError ? 'connection error' : e.name === 'Error' ? '' : e.name;
    return `${name ? name + ': ' : ''}${e.message}${extra}`;
  }
  return String(e);
}

/** Backoff before retry number `attempt` (1-based): full jitter over [0, min(max, base·2^(attempt−1))]. */
export function backoffMs(attempt: number, base: number, max: number, rand = Math.random): number {
  return Math.round(rand() * Math.min(max, base * 2 ** (attempt - 1)));
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const base = o.baseDelayMs ?? 500;
  const max = o.maxDelayMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    if (o.signal.aborted) throw abortReason(o.signal);
    try {
      return await fn(attempt);
    } catch (e) {
      if (o.signal.aborted) throw abortReason(o.signal);
      if (attempt >= o.maxRetries || !isRetryable(e)) throw e;
      const asked = retryAfterMs(e);
      // Honour the server's wait (capped so a silly header cannot park the stage), plus a little jitter.
      const delayMs = asked !== undefined ? Math.min(asked, 5 * 60_000) + backoffMs(1, Math.min(base, 250), max) : backoffMs(attempt + 1, base, max);
      o.onRetry?.({ attempt: attempt + 1, delayMs, error: describeError(e) });
      await sleep(delayMs, o.signal);
    }
  }
}
