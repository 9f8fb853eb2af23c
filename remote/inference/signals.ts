/** Small AbortSignal helpers (Node 18 has no AbortSignal.any). */

/** A signal that aborts when any of the inputs does, plus a `dispose` that detaches the listeners. */
export function anySignal(signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const offs: (() => void)[] = [];
  for (const s of signals) {
    if (s.aborted) {
      ac.abort(s.reason);
      break;
    }
    const on = (): void => ac.abort(s.reason);
    s.addEventListener('abort', on, { once: true });
    offs.push(() => s.removeEventListener('abort', on));
  }
  return { signal: ac.signal, dispose: () => offs.forEach((f) => f()) };
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', on);
      resolve();
    }, ms);
    const on = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    signal?.addEventListener('abort', on, { once: true });
  });
}

export class StoppedError extends Error {
  constructor(message = 'stopped') {
    super(message);
    this.name = 'StoppedError';
  }
}

export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new StoppedError(String(signal.reason ?? 'stopped'));
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortReason(signal);
}
