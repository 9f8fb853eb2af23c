// Train on what was sampled: every candidate of an iteration is requested through the inference client, and the
// conversational training rows are rendered by the training stage; both go through rows.ts promptMessages. Here a
// real iteration runs against the sim server behind a recording proxy (the bytes the client sent), with the TRL
// stand-in as trainer, and each training row is compared with the request its answers came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { RunStore } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { startSimServer } from '../../../remote/backends/sim/server';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { setQuiet } from '../../../remote/log';
import type { IterationManifest } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';
import { readRecord, standin, useTrlStandin } from '../../helpers/standins';
import { fastConfig } from './files';

setQuiet(true);

interface Exchange {
  messages: { role: string; content: string }[];
  answers: string[];
}

/** A proxy in front of the sim server that keeps every chat request's messages and the answers it got. */
async function recordingProxy(target: string): Promise<{ url: string; exchanges: Exchange[]; close(): Promise<void> }> {
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const upstream = await fetch(target + req.url!.replace(/^\/v1/, ''), { method: req.method, headers: { 'content-type': 'application/json' }, body: req.method === 'POST' ? body : undefined });
      const text = await upstream.text();
      if (req.url!.endsWith('/chat/completions') && upstream.ok) {
        const sent = JSON.parse(body.toString()) as { messages: Exchange['messages'] };
        const got = JSON.parse(text) as { choices: { message: { content: string } }[] };
        exchanges.push({ messages: sent.messages, answers: got.choices.map((c) => c.message.content) });
      }
      res.statusCode = upstream.status;
      res.setHeader('content-type', upstream.headers.get('content-type') ?? 'application/json');
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, exchanges, close: () => new Promise((r) => server.close(() => r())) };
}

test('conversational rows rendered from sampled records equal the messages the candidates were requested with; the manifest records the effective batch', async () => {
  const sim = await startSimServer({ maxConcurrency: 64, tokensPerSecond: 20000, ttftMs: 2 });
  const proxy = await recordingProxy(sim.baseUrl);
  const dir = tmpDir('selfreward-sampled-');
  const acc = path.join(dir, 'two-gpus.yaml');
  fs.writeFileSync(acc, 'distributed_type: MULTI_GPU\nnum_processes: 2\n');
  const restore = useTrlStandin(path.join(dir, 'argv.jsonl'));
  try {
    const cfg = fastConfig({
      model: { backend: 'external', name: 'sim-base', baseUrls: [proxy.url] },
      prompts: { perIteration: 10 },
      trainer: { backend: 'trl', accelerateConfig: acc, trl: { accelerateCommand: [standin('accelerate'), 'launch'], saveSteps: 4 } },
    });
    assert.equal(cfg.trainer.rowFormat, 'conversational', 'the default');
    const run = new RunStore(dir).create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
    const s = await runIteration(run, { signal: new AbortController().signal });
    assert.ok(s.pairs > 0, 'pairs to train on');
    const rows = fs.readFileSync(path.join(run.iterationDir(1), 'train', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, s.pairs);
    for (const row of rows) {
      // the request whose messages are exactly this row's prompt messages, and that produced both answers
      const asked = proxy.exchanges.filter((x) => JSON.stringify(x.messages) === JSON.stringify(row.prompt));
      assert.ok(asked.length >= 1, `a request was sent with exactly ${JSON.stringify(row.prompt)}`);
      const answers = asked.flatMap((x) => x.answers);
      assert.equal(row.chosen.length, 1);
      assert.equal(row.chosen[0].role, 'assistant');
      assert.ok(answers.includes(row.chosen[0].content), 'chosen is an answer sampled for these messages');
      assert.ok(answers.includes(row.rejected[0].content), 'rejected is an answer sampled for these messages');
    }
    // what TRL was told and what the manifest says: 2 processes × 2 per device × 4 accumulation = 16
    const argv = readRecord(path.join(dir, 'argv.jsonl')).find((r) => r.tool === 'accelerate')!.argv!;
    assert.ok(argv.includes('--num_processes=2') && argv.includes('--per_device_train_batch_size=2') && argv.includes('--gradient_accumulation_steps=4'), argv.join(' '));
    const manifest = JSON.parse(fs.readFileSync(path.join(run.iterationDir(1), 'manifest.json'), 'utf8')) as IterationManifest;
    const plan = manifest.stages.training?.params?.plan as { batch: Record<string, unknown> };
    assert.deepEqual(plan.batch, { processes: 2, processesFrom: 'accelerate config', perDevice: 2, gradientAccumulation: 4, effective: 16 });
    run.close();
  } finally {
    restore();
    await proxy.close();
    await sim.close();
  }
});
