/** Waiting on a condition in tests (never a fixed sleep): poll `probe` until it returns something truthy. */
export interface WaitOptions {
  everyMs?: number;
  /** keep polling when the probe throws (a detached frame, a file not there yet); the last error is reported */
  retryErrors?: boolean;
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      if (!opts.retryErrors) throw e;
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 25));
  }
}
