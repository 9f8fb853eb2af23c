/**
 * Issue #15 (3): a server outage must not "succeed". The inference server goes down in the middle of a stage: past
 * the stage's failure budget the iteration stops `failed`, naming the cause read from the errors, and nothing is
 * trained; failed items are not final — the resume requests them again, and the finished iteration equals one that
 * never saw the outage. Wrong credentials and an unknown model are named as such; training refuses fewer pairs
 * than trainer.minPairs.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { RunConfig, RunEvent } from '../../../remote/protocol';
import { RunStore, type Run } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { createSimBackends } from '../../../remote/backends/sim/backend';
import type { InferenceBackend } from '../../../remote/backends/types';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';
import { diffIteration, fastConfig } from './files';

setQuiet(true);
const never = () => new AbortController().signal;

/** A TCP proxy in front of a server that can be switched off: down = every connection reset, new ones too. */
async function switchableProxy(): Promise<{ url: (target: string) => string; down: boolean; close(): void }> {
  const pairs = new Set<net.Socket>();
  let targetPort = 0;
  let down = false;
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (down) return void client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    pairs.add(client).add(upstream);
    client.on('close', () => pairs.delete(client));
    upstream.on('close', () => pairs.delete(upstream));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const p = {
    url(target: string): string {
      const u = new URL(target);
      targetPort = Number(u.port);
      u.port = String(port);
      return u.toString().replace(/\/$/, '');
    },
    get down() {
      return down;
    },
    set down(v: boolean) {
      down = v;
      if (v) for (const s of pairs) s.destroy();
    },
    close() {
      for (const s of pairs) s.destroy();
      server.close();
    },
  };
  after(() => p.close());
  return p;
}

/** The sim backends with the model server reached through `proxy`. */
function behind(proxy: Awaited<ReturnType<typeof switchableProxy>>, cfg: RunConfig, run: Run) {
  const sim = createSimBackends(cfg, run.dir);
  const inference: InferenceBackend = {
    async ensureServing(model, signal) {
      const ep = await sim.inference.ensureServing(model, signal);
      return { ...ep, baseUrls: ep.baseUrls.map((u) => proxy.url(u)) };
    },
    stop: () => sim.inference.stop(),
  };
  return { inference, trainer: sim.trainer };
}

function outageWhen(run: Run, type: RunEvent['type'], count: number, proxy: { down: boolean }): () => void {
  let n = 0;
  return run.events.onEvent((e) => {
    if (e.type === type && ++n === count) proxy.down = true;
  });
}

const cfg = fastConfig({ inference: { maxRetries: 1, concurrency: 8 } });

async function baseline(): Promise<Run> {
  const run = new RunStore(tmpDir()).create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const proxy = await switchableProxy();
  const backends = behind(proxy, cfg, run);
  await runIteration(run, { signal: never(), backends });
  await backends.inference.stop();
  return run;
}

for (const [stage, event, at] of [['prompts', 'prompt', 6], ['candidates', 'candidate', 12]] as const) {
  test(`the server goes down during ${stage}: the iteration fails past the budget naming the cause, trains nothing; resumed, it equals a run without the outage`, { timeout: 180_000 }, async () => {
    const ref = await baseline();
    const run = new RunStore(tmpDir()).create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
    const proxy = await switchableProxy();
    const backends = behind(proxy, cfg, run);
    const off = outageWhen(run, event, at, proxy);
    try {
      await assert.rejects(runIteration(run, { signal: never(), backends, retryBaseDelayMs: 5 }), (e: unknown) => {
        const m = (e as Error).message;
        return /^(prompts|candidates|judgments): \d+ of \d+ items failed, over the failure budget of 5 %/.test(m) && /down or unreachable/.test(m) && /Nothing was trained/.test(m);
      });
      off();
      const m = run.readManifest(1)!;
      assert.equal(m.status, 'failed');
      const failedStage = Object.entries(m.stages).find(([, s]) => s?.status === 'failed');
      assert.ok(failedStage && /failure budget/.test(failedStage[1]!.error ?? ''), JSON.stringify(m.stages));
      assert.equal(m.stages.training, undefined, 'training never started');
      assert.equal(run.modelFor(2), undefined, 'no model was trained');
      assert.ok(!fs.existsSync(path.join(run.iterationDir(1), 'train')));
      const failedEvent = run.events.readAfter(0, 1_000_000).events.find((e) => e.type === 'iteration.failed');
      assert.ok(failedEvent, 'clients are told');

      proxy.down = false;
      const s = await runIteration(run, { signal: never(), backends, retryBaseDelayMs: 5 });
      assert.equal(s.iteration, 1, 'the failed iteration resumes');
      assert.equal(s.failedItems, 0, 'every failed item was requested again');
      assert.deepEqual(diffIteration(ref.dir, run.dir, 1), [], 'the same records as a run that never saw the outage');
    } finally {
      off();
      await backends.inference.stop();
      run.close();
      ref.close();
    }
  });
}

/** A server that answers every request with the same error. */
async function failingServer(status: number, body: unknown): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

test('a wrong API key and an unknown model stop the iteration in its first stage, named as such', { timeout: 120_000 }, async () => {
  const auth = await failingServer(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
  const missing = await failingServer(404, { error: { message: 'The model `llama-9` does not exist.', type: 'invalid_request_error', code: 'model_not_found' } });
  for (const [url, cause] of [[auth, /credentials \(HTTP 401\/403\).*apiKeyEnv/], [missing, /does not know the model \(HTTP 404\).*model\.name/]] as const) {
    const run = new RunStore(tmpDir()).create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
    const sim = createSimBackends(cfg, run.dir);
    const backends = { trainer: sim.trainer, inference: { ensureServing: async () => ({ baseUrls: [url], model: 'llama-9' }), stop: async () => undefined } };
    await assert.rejects(runIteration(run, { signal: never(), backends }), (e: unknown) => /^prompts: \d+ of 24 items failed/.test((e as Error).message) && cause.test((e as Error).message));
    assert.equal(run.readManifest(1)!.status, 'failed');
    run.close();
  }
});

test('training refuses fewer pairs than trainer.minPairs, naming the count; nothing is trained', { timeout: 120_000 }, async () => {
  const few = fastConfig({ trainer: { minPairs: 1000 } });
  const run = new RunStore(tmpDir()).create(few, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  await assert.rejects(runIteration(run, { signal: never() }), (e: unknown) => /training: only (\d+) pair\(s\) to train on in iteration 1 .*fewer than trainer\.minPairs = 1000/.test((e as Error).message));
  const m = run.readManifest(1)!;
  assert.equal(m.status, 'failed');
  assert.equal(m.stages.training!.status, 'failed');
  assert.equal(run.modelFor(2), undefined);
  run.close();
});
