/**
 * Managed vLLM: the agent starts `vllm serve` on a free loopback port, waits until `GET /v1/models` lists the
 * served name (`/health` only says the process lives), keeps the server log in the run folder (logs/vllm.log) and
 * stops the server (process group) with the run.
 *
 * Several GPUs: `tensorParallelSize` splits one model over GPUs; `dataParallelSize` runs N engine copies behind one
 * server (`--data-parallel-size`, vLLM balances the requests); `replicas` runs N servers, each on its own
 * tensorParallelSize × dataParallelSize GPUs (CUDA_VISIBLE_DEVICES, from the GPUs the agent sees) and port, and the
 * endpoint lists every replica's URL so the inference client spreads requests over them.
 *
 * Between iterations (docs.vllm.ai "LoRA Adapters", `vllm serve` flags --port, --served-model-name,
 * --tensor-parallel-size, --data-parallel-size, --seed, --enable-lora, --max-lora-rank, --lora-modules name=path):
 *  - full fine-tune (and a LoRA adapter merged by the trainer) → restart on the new checkpoint folder;
 *  - an unmerged LoRA adapter, lora "runtime" → `POST /v1/load_lora_adapter {"lora_name", "lora_path"}` on the
 *    running base server (started with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True);
 *  - an unmerged LoRA adapter, lora "restart" → restart with `--enable-lora --lora-modules name=path`.
 * Command lines are checked against vLLM's real parser in the tests (remote/backends/argv-contract): values as
 * `--flag=value`, `--enable-lora` bare (a BooleanOptionalAction takes no value), a model path starting with "-"
 * made `./-…` for the positional slot of `vllm serve`.
 */
import * as path from 'node:path';
import type { ModelEntry, RunConfig, VllmOptions } from '../protocol';
import type { InferenceBackend, ModelEndpoint } from './types';
import { spawnManaged, type ManagedProcess } from './processes';
import { shellQuote } from '../shellQuote';
import { freePort } from '../freePort';
import { servedNameFor } from './trl';
import { visibleGpus } from './trainingPlan';

export class VllmError extends Error {}

/** What a server is started with. */
interface Launch {
  weights: string;
  servedName: string;
  lora: boolean;
  /** --lora-modules at start (restart mode) */
  adapters: { name: string; path: string }[];
}

/** A positional argument must not look like a flag: a local path starting with "-" is the same path as ./-… */
export function positional(p: string): string {
  return p.startsWith('-') ? `./${p}` : p;
}

export function vllmCommand(o: VllmOptions, l: Launch, port: number, seed: number): string[] {
  const head = o.command
    ? [...o.command, positional(l.weights)]
    : o.python
      ? [o.python, '-m', 'vllm.entrypoints.openai.api_server', `--model=${l.weights}`]
      : ['vllm', 'serve', positional(l.weights)];
  const cmd = [...head, '--host=127.0.0.1', `--port=${port}`, `--served-model-name=${l.servedName}`, `--seed=${seed}`];
  if (o.tensorParallelSize) cmd.push(`--tensor-parallel-size=${o.tensorParallelSize}`);
  if (o.dataParallelSize) cmd.push(`--data-parallel-size=${o.dataParallelSize}`);
  if (l.lora) {
    cmd.push('--enable-lora');
    if (o.maxLoraRank) cmd.push(`--max-lora-rank=${o.maxLoraRank}`);
    if (l.adapters.length) cmd.push('--lora-modules', ...l.adapters.map((a) => `${a.name}=${a.path}`));
  }
  return [...cmd, ...(o.extraArgs ?? [])];
}

/** GPUs per replica and the CUDA_VISIBLE_DEVICES of each; one replica without a split when replicas is 1. */
export function replicaDevices(o: VllmOptions, gpus: string[]): (string | undefined)[] {
  const n = o.replicas ?? 1;
  if (n <= 1) return [undefined];
  const per = (o.tensorParallelSize ?? 1) * (o.dataParallelSize ?? 1);
  if (gpus.length < n * per) {
    throw new VllmError(`model.vllm.replicas ${n} × ${per} GPU(s) each (tensorParallelSize × dataParallelSize) needs ${n * per} GPUs; the agent sees ${gpus.length}${gpus.length ? ` (${gpus.join(',')})` : ''}`);
  }
  return Array.from({ length: n }, (_, i) => gpus.slice(i * per, (i + 1) * per).join(','));
}

interface Server {
  proc: ManagedProcess;
  port: number;
  logFile: string;
  /** adapters loaded at runtime into this server */
  loaded: Set<string>;
}

export class VllmBackend implements InferenceBackend {
  private servers: Server[] = [];
  private launch: Launch | undefined;
  readonly logFile: string;

  constructor(private readonly config: RunConfig, private readonly runDir: string) {
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
        for (const s of this.servers) if (!s.loaded.has(served)) await this.loadAdapter(s, adapter);
      } else if (!(this.running() && this.launch?.adapters.some((a) => a.name === served && a.path === model.path))) {
        await this.start({ weights: model.adapterBase, servedName: this.baseServedName(model.adapterBase), lora: true, adapters: [adapter] }, signal);
      }
    } else {
      const weights = model.path ?? model.name;
      if (!(this.running() && this.launch?.weights === weights && this.launch.servedName === served)) {
        await this.start({ weights, servedName: served, lora: loraMode !== 'none', adapters: [] }, signal);
      }
    }
    return { baseUrls: this.servers.map((s) => `http://127.0.0.1:${s.port}/v1`), model: served };
  }

  private baseServedName(weights: string): string {
    return weights === this.config.model.name ? this.opts.servedName ?? this.config.model.name : weights;
  }

  private running(): boolean {
    return this.servers.length > 0 && this.servers.every((s) => !s.proc.done);
  }

  private async start(l: Launch, signal?: AbortSignal): Promise<void> {
    await this.stop();
    const devices = replicaDevices(this.opts, (this.opts.replicas ?? 1) > 1 ? await visibleGpus() : []);
    const runtimeLora = this.opts.lora === 'runtime' && l.lora;
    this.launch = l;
    try {
      for (const [i, dev] of devices.entries()) {
        const port = this.opts.port !== undefined ? this.opts.port + i : await freePort();
        const cmd = vllmCommand(this.opts, l, port, this.config.seed);
        const env = { ...process.env, ...(runtimeLora ? { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True' } : {}), ...(dev !== undefined ? { CUDA_VISIBLE_DEVICES: dev } : {}) };
        const logFile = i === 0 ? this.logFile : path.join(this.runDir, 'logs', `vllm-${i}.log`);
        const proc = spawnManaged(cmd, { logFile, env });
        this.servers.push({ proc, port, logFile, loaded: new Set(l.adapters.map((a) => a.name)) });
      }
      await Promise.all(this.servers.map((s) => this.waitReady(s, l, signal)));
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private async waitReady(server: Server, l: Launch, signal?: AbortSignal): Promise<void> {
    const { proc, port, logFile } = server;
    const timeoutMs = (this.opts.readyTimeoutSec ?? 900) * 1000;
    const deadline = Date.now() + timeoutMs;
    const want = [l.servedName, ...l.adapters.map((a) => a.name)];
    const url = `http://127.0.0.1:${port}/v1/models`;
    const cmdLine = proc.argv.map(shellQuote).join(' ');
    for (;;) {
      if (signal?.aborted) throw new VllmError('stopped while vLLM was starting');
      if (proc.done) {
        const r = await proc.exited;
        throw new VllmError(`vLLM exited (code ${r.code}${r.signal ? `, signal ${r.signal}` : ''}) before it was ready: ${cmdLine}\n` +
          `Last lines of ${logFile}:\n${proc.tail(30).join('\n')}`);
      }
      if (Date.now() > deadline) {
        throw new VllmError(`vLLM did not answer GET ${url} within ${timeoutMs / 1000} s (model.vllm.readyTimeoutSec): ${cmdLine}\n` +
          `Last lines of ${logFile}:\n${proc.tail(30).join('\n')}`);
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

  private async loadAdapter(server: Server, a: { name: string; path: string }): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${server.port}/v1/load_lora_adapter`, {
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
    server.loaded.add(a.name);
  }

  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    this.launch = undefined;
    await Promise.all(servers.map((s) => s.proc.stop((this.opts.stopGraceSec ?? 20) * 1000)));
  }

  /** pid of the (first) running server's process group (tests, preflight) */
  get pid(): number | undefined {
    return this.running() ? this.servers[0]?.proc.pid : undefined;
  }
}
