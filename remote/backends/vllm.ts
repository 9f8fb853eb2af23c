/**
 * Managed vLLM: the agent starts `vllm serve` on a free loopback port, waits until `GET /v1/models` lists the
 * served name (`/health` only says the process lives), keeps the server log in the run folder (logs/vllm.log) and
 * stops the server (process group) with the run.
 *
 * Between iterations (docs.vllm.ai "LoRA Adapters", `vllm serve` flags --port, --served-model-name,
 * --tensor-parallel-size, --seed, --enable-lora, --max-lora-rank, --lora-modules name=path):
 *  - full fine-tune → restart on the new checkpoint folder;
 *  - LoRA, lora "runtime" → `POST /v1/load_lora_adapter {"lora_name", "lora_path"}` on the running base server
 *    (started with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True);
 *  - LoRA, lora "restart" → restart with `--enable-lora --lora-modules name=path`.
 */
import * as path from 'node:path';
import type { ModelEntry, RunConfig, VllmOptions } from '../protocol';
import type { InferenceBackend, ModelEndpoint } from './types';
import { spawnManaged, type ManagedProcess } from './processes';
import { shellQuote } from '../shellQuote';
import { freePort } from '../freePort';
import { servedNameFor } from './trl';

export class VllmError extends Error {}

/** What a server is started with. */
interface Launch {
  weights: string;
  servedName: string;
  lora: boolean;
  /** --lora-modules at start (restart mode) */
  adapters: { name: string; path: string }[];
}

export function vllmCommand(o: VllmOptions, l: Launch, port: number, seed: number): string[] {
  const head = o.command
    ? [...o.command, l.weights]
    : o.python
      ? [o.python, '-m', 'vllm.entrypoints.openai.api_server', '--model', l.weights]
      : ['vllm', 'serve', l.weights];
  const cmd = [...head, '--host', '127.0.0.1', '--port', String(port), '--served-model-name', l.servedName, '--seed', String(seed)];
  if (o.tensorParallelSize) cmd.push('--tensor-parallel-size', String(o.tensorParallelSize));
  if (l.lora) {
    cmd.push('--enable-lora');
    if (o.maxLoraRank) cmd.push('--max-lora-rank', String(o.maxLoraRank));
    if (l.adapters.length) cmd.push('--lora-modules', ...l.adapters.map((a) => `${a.name}=${a.path}`));
  }
  return [...cmd, ...(o.extraArgs ?? [])];
}

export class VllmBackend implements InferenceBackend {
  private proc: ManagedProcess | undefined;
  private port = 0;
  private launch: Launch | undefined;
  /** adapters loaded at runtime into the current server */
  private loaded = new Set<string>();
  readonly logFile: string;

  constructor(private readonly config: RunConfig, runDir: string) {
    this.logFile = path.join(runDir, 'logs', 'vllm.log');
  }

  private get opts(): VllmOptions {
    return this.config.model.vllm ?? {};
  }

  /** The name requests use for a model of the registry. */
  servedName(model: ModelEntry): string {
    if (model.servedName) return model.servedName;
    return model.madeBy === 'base' ? this.opts.servedName ?? model.name : servedNameFor(model.iteration);
  }

  async ensureServing(model: ModelEntry, signal?: AbortSignal): Promise<ModelEndpoint> {
    const served = this.servedName(model);
    const loraMode = this.opts.lora ?? 'none';
    if (model.adapterBase) {
      if (!model.path) throw new VllmError(`model of iteration ${model.iteration} is a LoRA adapter without a path`);
      const adapter = { name: served, path: model.path };
      if (loraMode === 'runtime') {
        if (!this.running() || this.launch?.weights !== model.adapterBase || !this.launch.lora) {
          await this.start({ weights: model.adapterBase, servedName: this.baseServedName(model.adapterBase), lora: true, adapters: [] }, signal);
        }
        if (!this.loaded.has(served)) await this.loadAdapter(adapter);
      } else if (!(this.running() && this.launch?.adapters.some((a) => a.name === served && a.path === model.path))) {
        await this.start({ weights: model.adapterBase, servedName: this.baseServedName(model.adapterBase), lora: true, adapters: [adapter] }, signal);
      }
    } else {
      const weights = model.path ?? model.name;
      if (!(this.running() && this.launch?.weights === weights && this.launch.servedName === served)) {
        await this.start({ weights, servedName: served, lora: loraMode !== 'none', adapters: [] }, signal);
      }
    }
    return { baseUrls: [`http://127.0.0.1:${this.port}/v1`], model: served };
  }

  private baseServedName(weights: string): string {
    return weights === this.config.model.name ? this.opts.servedName ?? this.config.model.name : weights;
  }

  private running(): boolean {
    return !!this.proc && !this.proc.done;
  }

  private async start(l: Launch, signal?: AbortSignal): Promise<void> {
    await this.stop();
    this.port = this.opts.port ?? (await freePort());
    const cmd = vllmCommand(this.opts, l, this.port, this.config.seed);
    const env = { ...process.env, ...(this.opts.lora === 'runtime' && l.lora ? { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True' } : {}) };
    const proc = spawnManaged(cmd, { logFile: this.logFile, env });
    this.proc = proc;
    this.launch = l;
    this.loaded = new Set(l.adapters.map((a) => a.name));
    try {
      await this.waitReady(proc, l, signal);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private async waitReady(proc: ManagedProcess, l: Launch, signal?: AbortSignal): Promise<void> {
    const timeoutMs = (this.opts.readyTimeoutSec ?? 900) * 1000;
    const deadline = Date.now() + timeoutMs;
    const want = [l.servedName, ...l.adapters.map((a) => a.name)];
    const url = `http://127.0.0.1:${this.port}/v1/models`;
    const cmdLine = proc.argv.map(shellQuote).join(' ');
    for (;;) {
      if (signal?.aborted) throw new VllmError('stopped while vLLM was starting');
      if (proc.done) {
        const r = await proc.exited;
        throw new VllmError(`vLLM exited (code ${r.code}${r.signal ? `, signal ${r.signal}` : ''}) before it was ready: ${cmdLine}\n` +
          `Last lines of ${this.logFile}:\n${proc.tail(30).join('\n')}`);
      }
      if (Date.now() > deadline) {
        throw new VllmError(`vLLM did not answer GET ${url} within ${timeoutMs / 1000} s (model.vllm.readyTimeoutSec): ${cmdLine}\n` +
          `Last lines of ${this.logFile}:\n${proc.tail(30).join('\n')}`);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) {
          const body = (await res.json()) as { data?: { id: string }[] };
          const ids = new Set((body.data ?? []).map((m) => m.id));
          if (want.every((n) => ids.has(n))) return;
        }
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  private async loadAdapter(a: { name: string; path: string }): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.port}/v1/load_lora_adapter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lora_name: a.name, lora_path: a.path }),
      signal: AbortSignal.timeout(600_000),
    });
    const text = await res.text();
    if (!res.ok) {
      throw new VllmError(`vLLM refused to load LoRA adapter ${a.name} from ${a.path} (HTTP ${res.status}: ${text.slice(0, 500)}). ` +
        `Runtime loading needs VLLM_ALLOW_RUNTIME_LORA_UPDATING=True (set by the agent) and a vLLM version with ` +
        `/v1/load_lora_adapter; or set model.vllm.lora to "restart".`);
    }
    this.loaded.add(a.name);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    this.launch = undefined;
    this.loaded.clear();
    if (p) await p.stop((this.opts.stopGraceSec ?? 20) * 1000);
  }

  /** pid of the running server's process group (tests, preflight) */
  get pid(): number | undefined {
    return this.running() ? this.proc?.pid : undefined;
  }
}
