/**
 * The prompt filter (promptFilter.ts) on a worker thread, so near-duplicate checks never hold up the event loop
 * that keeps requests flowing. Checks are posted in attempt order and a worker handles its messages one at a time,
 * in order, so verdicts come back in attempt order and the filter's state is what an in-line filter would have.
 *
 * The worker runs this same module: from the agent bundle (remote/main.ts imports this file, so loading the bundle
 * in a worker lands here), or from the TypeScript source under tsx (tests), whichever `__filename` is.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PromptFilter, type PromptFilterInit, type Verdict } from './promptFilter';

const ROLE = 'selfreward.promptFilter';

interface CheckMessage {
  n: number;
  raw: string;
  finishReason?: string;
  examples: string[];
}
type Reply = { n: number; verdict: Verdict } | { n: number; error: string };

/** True in a worker started by PromptFilterWorker: the bundle's command line must not run there. */
export const isFilterWorker = !isMainThread && (workerData as { role?: string } | null)?.role === ROLE;

if (isFilterWorker) {
  const filter = new PromptFilter((workerData as { init: PromptFilterInit }).init);
  parentPort!.on('message', (m: CheckMessage) => {
    let reply: Reply;
    try {
      reply = { n: m.n, verdict: filter.check(m.raw, m.finishReason, m.examples) };
    } catch (e) {
      reply = { n: m.n, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    parentPort!.postMessage(reply);
  });
}

export class PromptFilterWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(v: Verdict): void; reject(e: Error): void }>();
  private failure: Error | undefined;

  constructor(init: PromptFilterInit) {
    // execArgv: none of the process's flags: a worker would otherwise inherit them, and preloads (`--import`,
    // `--require`) or `--inspect` meant for the agent fail or clash there; the filter needs none
    const options = { workerData: { role: ROLE, init }, execArgv: [] };
    this.worker = __filename.endsWith('.ts')
      ? // from source (tests run under tsx, whose hooks do not reach a worker's entry file): load tsx there first
        new Worker(`require(require.resolve('tsx/cjs', { paths: [${JSON.stringify(__dirname)}] })); require(${JSON.stringify(__filename)});`, { eval: true, ...options })
      : new Worker(__filename, options);
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.n);
      if (!p) return;
      this.pending.delete(r.n);
      if ('error' in r) p.reject(new Error(`prompt filter: ${r.error}`));
      else p.resolve(r.verdict);
    });
    const fail = (e: Error): void => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(new Error(`prompt filter worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`prompt filter worker exited (code ${code})`)));
  }

  /** The verdict on attempt `n`; call in attempt order. */
  check(n: number, raw: string, finishReason: string | undefined, examples: string[]): Promise<Verdict> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(n, { resolve, reject });
      this.worker.postMessage({ n, raw, finishReason, examples } satisfies CheckMessage);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('prompt filter closed');
    await this.worker.terminate();
  }
}
