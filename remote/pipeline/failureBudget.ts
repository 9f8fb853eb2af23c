/**
 * The failure budget of a stage: how many of its items may fail for good (after every retry) before the iteration
 * stops. A dead server, a wrong key or a missing model makes every request fail; without a budget the stage would
 * "finish" on what little got through and the model would be trained on it. Past the budget the stage's requests
 * are aborted and the iteration ends `failed` with the reason, read from the errors (server down, authentication,
 * model not found…). Failed items are never final while the stage is unfinished: a resume requests them again.
 */
import type { StageName } from '../protocol';
import type { Run } from '../store/runStore';
import { info } from '../log';

export type FailureKind = 'unreachable' | 'timeout' | 'auth' | 'model_not_found' | 'rate_limited' | 'server_error' | 'malformed' | 'refused' | 'other';

/** What each kind means for the person reading the error, and what to do about it. */
const EXPLAIN: Record<FailureKind, string> = {
  unreachable: 'the inference server is down or unreachable (connection refused or cut): check that it is running and its baseUrls',
  timeout: 'the inference server does not answer in time (inference.requestTimeoutMs): it may be overloaded or hung',
  auth: 'the server refuses the credentials (HTTP 401/403): check the API key named by model.apiKeyEnv',
  model_not_found: 'the server does not know the model (HTTP 404): check model.name against what the server serves',
  rate_limited: 'the server keeps rate-limiting the requests (HTTP 429): lower inference.concurrency or raise the quota',
  server_error: 'the server answers with errors (HTTP 5xx): see its log',
  malformed: 'the server answers with bodies that are not chat completions',
  refused: 'the server refuses the requests as invalid (HTTP 4xx): see the example error',
  other: 'requests fail',
};

/** The kind of a failed request, from its recorded reason (remote/inference/retry.ts describeError). */
export function classifyFailure(error: string): FailureKind {
  const http = /HTTP (\d{3})/.exec(error);
  const status = http ? Number(http[1]) : undefined;
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'model_not_found';
  if (status === 429) return 'rate_limited';
  if (status !== undefined && status >= 500) return 'server_error';
  if (status !== undefined && status >= 400) return 'refused';
  if (/timed out/i.test(error)) return 'timeout';
  if (/malformed/i.test(error)) return 'malformed';
  if (/connection error|fetch failed|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|socket hang up|terminated|other side closed/i.test(error)) return 'unreachable';
  return 'other';
}

export class FailureBudgetError extends Error {
  constructor(readonly stage: StageName, readonly failed: number, readonly total: number, readonly fraction: number, readonly kind: FailureKind, example: string) {
    super(
      `${stage}: ${failed} of ${total} items failed, over the failure budget of ${fmtPct(fraction)} (${Math.floor(fraction * total)} items): ` +
        `${EXPLAIN[kind]}. Example: ${example}. Nothing was trained; start the iteration again once fixed and the failed items are requested again.`,
    );
    this.name = 'FailureBudgetError';
  }
}

const fmtPct = (f: number): string => `${Math.round(f * 1000) / 10} %`;

/**
 * One stage's budget. `fail(reason)` counts a failed item; past `fraction × total` it aborts `signal` with a
 * FailureBudgetError (the stage's requests listen to it), so the stage stops at once and throws that error.
 */
export class FailureBudget {
  private readonly controller = new AbortController();
  private readonly kinds = new Map<FailureKind, { count: number; example: string }>();
  failed = 0;

  constructor(readonly stage: StageName, public total: number, readonly fraction: number) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get allowed(): number {
    return Math.floor(this.fraction * this.total);
  }

  get exceeded(): FailureBudgetError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as FailureBudgetError) : undefined;
  }

  fail(reason: string): void {
    this.failed++;
    const kind = classifyFailure(reason);
    const k = this.kinds.get(kind) ?? { count: 0, example: reason };
    k.count++;
    this.kinds.set(kind, k);
    if (this.failed > this.allowed && !this.controller.signal.aborted) {
      // the most frequent kind names the cause
      const [top, info] = [...this.kinds.entries()].sort((a, b) => b[1].count - a[1].count)[0];
      this.controller.abort(new FailureBudgetError(this.stage, this.failed, this.total, this.fraction, top, info.example));
    }
  }
}

/**
 * Before an unfinished stage resumes: its failed items go back to the queue. Prompt attempts are filtered in
 * attempt order (each decision depends on what was kept before), so the file is cut at the first failed attempt
 * and everything from there is requested again with the same seeds; answers and judgments are independent items,
 * so only the failed records are taken out. Returns how many records were removed.
 */
export function requeueFailed(run: Run, t: number, stage: 'prompts' | 'candidates' | 'judgments'): number {
  const records = run.read(t, stage) as { error?: string }[];
  const first = records.findIndex((r) => r.error !== undefined);
  if (first < 0) return 0;
  const keep = stage === 'prompts' ? records.slice(0, first) : records.filter((r) => r.error === undefined);
  run.replaceRecords(t, stage, keep as never);
  info(`iteration ${t}: ${records.length - keep.length} ${stage} record(s) from failed requests are requested again`);
  return records.length - keep.length;
}
