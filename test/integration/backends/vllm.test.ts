import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateConfig } from '../../../remote/config/config';
import { VllmBackend } from '../../../remote/backends/vllm';
import type { ModelEntry, RunConfig } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';
import { alive, groupMembers, readRecord, standin } from '../../helpers/standins';

const root = tmpDir('selfreward-vllm-');
const backends: VllmBackend[] = [];
after(async () => {
  for (const b of backends) await b.stop();
});

let n = 0;
function setup(vllm: Record<string, unknown>, env: Record<string, string> = {}) {
  const runDir = path.join(root, `run-${++n}`);
  fs.mkdirSync(runDir, { recursive: true });
  const record = path.join(runDir, 'argv.jsonl');
  const cfg: RunConfig = validateConfig({
    name: 'vllm test',
    seed: 3,
    model: { backend: 'vllm', name: 'org/base-7b', vllm: { command: [standin('vllm'), 'serve'], readyTimeoutSec: 20, stopGraceSec: 2, ...vllm } },
    seedData: [{ path: 'builtin:demo' }],
  });
  // the stand-in reads these from the environment the agent passes on
  Object.assign(process.env, { STANDIN_RECORD: record, STANDIN_VLLM_STARTUP_MS: '150', STANDIN_SPAWN_WORKER: '1', ...env });
  const b = new VllmBackend(cfg, runDir);
  backends.push(b);
  return { b, record, runDir };
}

function clearEnv(): void {
  for (const k of ['STANDIN_VLLM_NEVER_READY', 'STANDIN_SPAWN_WORKER']) delete process.env[k];
}

const base: ModelEntry = { iteration: 1, name: 'org/base-7b', madeBy: 'base' };

async function models(baseUrl: string): Promise<string[]> {
  const r = (await (await fetch(`${baseUrl}/models`)).json()) as { data: { id: string }[] };
  return r.data.map((m) => m.id);
}

test('full fine-tune: start on the base, restart on the new checkpoint folder, exact command lines, log in the run folder', async () => {
  const { b, record, runDir } = setup({ tensorParallelSize: 2, extraArgs: ['--max-model-len', '4096'] });
  const e1 = await b.ensureServing(base);
  const port1 = Number(new URL(e1.baseUrls[0]).port);
  assert.equal(e1.model, 'org/base-7b');
  assert.deepEqual(await models(e1.baseUrls[0]), ['org/base-7b']);
  // same model again: no restart
  assert.deepEqual(await b.ensureServing(base), e1);
  const ckpt = path.join(runDir, 'iterations', '1', 'train', 'output');
  const e2 = await b.ensureServing({ iteration: 2, name: 'selfreward-m2', servedName: 'selfreward-m2', path: ckpt, madeBy: 'trl' });
  const port2 = Number(new URL(e2.baseUrls[0]).port);
  assert.equal(e2.model, 'selfreward-m2');
  assert.deepEqual(await models(e2.baseUrls[0]), ['selfreward-m2']);
  const rec = readRecord(record).filter((r) => r.tool === 'vllm' && r.argv && !r.request);
  assert.deepEqual(rec.map((r) => r.argv), [
    ['serve', 'org/base-7b', '--host=127.0.0.1', `--port=${port1}`, '--served-model-name=org/base-7b', '--seed=3', '--tensor-parallel-size=2', '--max-model-len', '4096'],
    ['serve', ckpt, '--host=127.0.0.1', `--port=${port2}`, '--served-model-name=selfreward-m2', '--seed=3', '--tensor-parallel-size=2', '--max-model-len', '4096'],
  ]);
  // the first server and its worker are gone
  assert.deepEqual(groupMembers(rec[0].pid!), []);
  const log = fs.readFileSync(path.join(runDir, 'logs', 'vllm.log'), 'utf8');
  assert.match(log, /vLLM API server version/);
  assert.match(log, /--served-model-name=selfreward-m2/);
  await b.stop();
  clearEnv();
});

test('python venv form: python -m vllm.entrypoints.openai.api_server --model …', async () => {
  // the stand-in plays the python executable; it records what it was asked to run
  const { b, record } = setup({ command: undefined, python: standin('vllm'), servedName: 'base' });
  const e = await b.ensureServing(base);
  assert.equal(e.model, 'base');
  const argv = readRecord(record).find((r) => r.tool === 'vllm')!.argv!;
  assert.deepEqual(argv.slice(0, 3), ['-m', 'vllm.entrypoints.openai.api_server', '--model=org/base-7b']);
  await b.stop();
  clearEnv();
});

test('LoRA at runtime: the base server starts with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True; adapters load via POST /v1/load_lora_adapter, no restart', async () => {
  const { b, record } = setup({ lora: 'runtime', maxLoraRank: 64, servedName: 'base' });
  const e1 = await b.ensureServing(base);
  const a2: ModelEntry = { iteration: 2, name: 'selfreward-m2', servedName: 'selfreward-m2', path: '/runs/x/iterations/1/train/output', adapterBase: 'org/base-7b', madeBy: 'trl' };
  const a3: ModelEntry = { ...a2, iteration: 3, name: 'selfreward-m3', servedName: 'selfreward-m3', path: '/runs/x/iterations/2/train/output' };
  const e2 = await b.ensureServing(a2);
  const e3 = await b.ensureServing(a3);
  assert.equal(e2.baseUrls[0], e1.baseUrls[0]);
  assert.equal(e3.model, 'selfreward-m3');
  assert.deepEqual(await models(e3.baseUrls[0]), ['base', 'selfreward-m2', 'selfreward-m3']);
  const rec = readRecord(record);
  const starts = rec.filter((r) => r.tool === 'vllm' && r.argv && !r.request);
  assert.equal(starts.length, 1);
  assert.deepEqual(starts[0].env, { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True', CUDA_VISIBLE_DEVICES: process.env.CUDA_VISIBLE_DEVICES ?? null });
  const port = new URL(e1.baseUrls[0]).port;
  assert.deepEqual(starts[0].argv, ['serve', 'org/base-7b', '--host=127.0.0.1', `--port=${port}`, '--served-model-name=base', '--seed=3', '--enable-lora', '--max-lora-rank=64']);
  assert.deepEqual(rec.filter((r) => r.request === 'load_lora_adapter').map((r) => r.body), [
    { lora_name: 'selfreward-m2', lora_path: '/runs/x/iterations/1/train/output' },
    { lora_name: 'selfreward-m3', lora_path: '/runs/x/iterations/2/train/output' },
  ]);
  await b.stop();
  clearEnv();
});

test('LoRA by restart: --enable-lora --lora-modules name=path on the base', async () => {
  const { b, record } = setup({ lora: 'restart' });
  const a2: ModelEntry = { iteration: 2, name: 'selfreward-m2', servedName: 'selfreward-m2', path: '/out/adapter', adapterBase: 'org/base-7b', madeBy: 'trl' };
  const e = await b.ensureServing(a2);
  assert.equal(e.model, 'selfreward-m2');
  const start = readRecord(record).find((r) => r.tool === 'vllm')!;
  const port = new URL(e.baseUrls[0]).port;
  assert.deepEqual(start.argv, ['serve', 'org/base-7b', '--host=127.0.0.1', `--port=${port}`, '--served-model-name=org/base-7b', '--seed=3', '--enable-lora', '--lora-modules', 'selfreward-m2=/out/adapter']);
  assert.deepEqual(start.env, { VLLM_ALLOW_RUNTIME_LORA_UPDATING: null, CUDA_VISIBLE_DEVICES: process.env.CUDA_VISIBLE_DEVICES ?? null });
  await b.stop();
  clearEnv();
});

test('data parallelism: --data-parallel-size with tensor parallelism, one server, accepted by vLLM\'s parser (the stand-in)', async () => {
  const { b, record } = setup({ tensorParallelSize: 2, dataParallelSize: 4 });
  const e = await b.ensureServing(base);
  assert.equal(e.baseUrls.length, 1);
  const start = readRecord(record).find((r) => r.tool === 'vllm' && r.argv)!;
  assert.deepEqual(start.argv?.slice(-2), ['--tensor-parallel-size=2', '--data-parallel-size=4']);
  await b.stop();
  clearEnv();
});

test('replicas: N servers, each on its own GPUs (CUDA_VISIBLE_DEVICES) and port, every URL in the endpoint; requests spread over them', async () => {
  const saved = process.env.CUDA_VISIBLE_DEVICES;
  process.env.CUDA_VISIBLE_DEVICES = '0,1,2,3,4,5';
  try {
    const { b, record } = setup({ replicas: 3, tensorParallelSize: 2 });
    const e = await b.ensureServing(base);
    assert.equal(e.baseUrls.length, 3);
    assert.equal(new Set(e.baseUrls).size, 3);
    const starts = readRecord(record).filter((r) => r.tool === 'vllm' && r.argv);
    assert.deepEqual(starts.map((r) => r.env?.CUDA_VISIBLE_DEVICES).sort(), ['0,1', '2,3', '4,5']);
    for (const u of e.baseUrls) assert.deepEqual(await models(u), ['org/base-7b']);
    const { InferenceClient } = await import('../../../remote/inference/client');
    const client = new InferenceClient(e, { maxRetries: 0, timeoutMs: 5000 });
    assert.equal((client as unknown as { clients: unknown[] }).clients.length, 3);
    // more replicas than GPUs: refused before anything starts
    const { b: b2 } = setup({ replicas: 4, tensorParallelSize: 2 });
    await assert.rejects(b2.ensureServing(base), /model\.vllm\.replicas 4 × 2 GPU\(s\) each .* needs 8 GPUs; the agent sees 6 \(0,1,2,3,4,5\)/);
    await b.stop();
  } finally {
    if (saved === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
    else process.env.CUDA_VISIBLE_DEVICES = saved;
    clearEnv();
  }
});

test('a model path beginning with "-" arrives as one value: ./-… in `vllm serve`\'s positional slot, --model=… for the api_server form', async () => {
  const { b, record } = setup({});
  await b.ensureServing({ iteration: 1, name: '-odd/model', madeBy: 'base' });
  const argv = readRecord(record).find((r) => r.tool === 'vllm' && r.argv)!.argv!;
  assert.deepEqual(argv.slice(0, 2), ['serve', './-odd/model']);
  await b.stop();
  const { b: b2, record: rec2 } = setup({ command: undefined, python: standin('vllm'), servedName: 'odd' });
  await b2.ensureServing({ iteration: 1, name: '-odd/model', madeBy: 'base' });
  assert.deepEqual(readRecord(rec2).find((r) => r.tool === 'vllm' && r.argv)!.argv!.slice(0, 3), ['-m', 'vllm.entrypoints.openai.api_server', '--model=-odd/model']);
  await b2.stop();
  clearEnv();
});

test('the stand-in holds vLLM\'s parser: a value for --enable-lora, or an unknown flag, stops the server before it is ready', async () => {
  const { b } = setup({ extraArgs: ['--enable-lora', 'true'] });
  await assert.rejects(b.ensureServing(base), /vLLM exited \(code 2\)[\s\S]*unrecognized arguments: true/);
  const { b: b2 } = setup({ extraArgs: ['--max-lora-rank=48'] });
  await assert.rejects(b2.ensureServing(base), /invalid choice: '48'/);
  await b.stop();
  clearEnv();
});

test('readiness timeout: an error with the server log tail; the server and its worker are stopped', async () => {
  const { b, record } = setup({ readyTimeoutSec: 1.5 }, { STANDIN_VLLM_NEVER_READY: '1' });
  await assert.rejects(b.ensureServing(base), (e: Error) => {
    assert.match(e.message, /vLLM did not answer GET http:\/\/127\.0\.0\.1:\d+\/v1\/models within 1\.5 s/);
    assert.match(e.message, /Last lines of .*logs\/vllm\.log:/);
    assert.match(e.message, /EngineCore failed to start: stand-in never becomes ready/);
    return true;
  });
  const rec = readRecord(record);
  const leader = rec.find((r) => r.tool === 'vllm')!.pid!;
  const worker = rec.find((r) => r.worker)!.worker!;
  assert.deepEqual(groupMembers(leader), []);
  assert.equal(alive(worker), false);
  clearEnv();
});

test('server exits before ready: the exit code and the log tail', async () => {
  const { b } = setup({ command: ['/bin/sh', '-c', 'echo "ValueError: model org/base-7b not found" >&2; exit 4', 'sh'] });
  await assert.rejects(b.ensureServing(base), /vLLM exited \(code 4\) before it was ready[\s\S]*ValueError: model org\/base-7b not found/);
  clearEnv();
});

test('stop: SIGTERM to the group leaves no process of the server behind', async () => {
  const { b, record } = setup({});
  await b.ensureServing(base);
  const rec = readRecord(record);
  const leader = rec.find((r) => r.tool === 'vllm')!.pid!;
  const worker = rec.find((r) => r.worker)!.worker!;
  assert.ok(groupMembers(leader).length >= 2, 'server and worker run in one group');
  await b.stop();
  assert.deepEqual(groupMembers(leader), []);
  assert.equal(alive(worker), false);
  clearEnv();
});

test('vLLM not installed: the error says the command could not start', async () => {
  const { b } = setup({ command: [path.join(root, 'no-such-venv', 'bin', 'vllm'), 'serve'] });
  await assert.rejects(b.ensureServing(base), /vLLM exited \(code 127\) before it was ready[\s\S]*failed to start .*no-such-venv\/bin\/vllm: spawn .* ENOENT/);
  clearEnv();
});

test('the agent killed by SIGTERM takes its vLLM server group along (no orphan)', async () => {
  const { spawn } = await import('node:child_process');
  const { repoRoot } = await import('../../helpers/tmp');
  const runDir = path.join(root, 'orphan');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/fixtures/agents/serve-then-wait.ts'), standin('vllm'), runDir], {
    cwd: repoRoot,
    env: { ...process.env, STANDIN_SPAWN_WORKER: '1', STANDIN_VLLM_STARTUP_MS: '100', STANDIN_RECORD: path.join(root, 'orphan.jsonl') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const serverPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`agent exited ${code} before ready`)));
  });
  assert.ok(groupMembers(serverPid).length >= 2, 'server and its worker run');
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, sig) => r(sig)));
  child.kill('SIGTERM');
  assert.equal(await exited, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (groupMembers(serverPid).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(groupMembers(serverPid), []);
});
