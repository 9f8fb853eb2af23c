import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { validateConfig } from '../../../remote/config/config';
import { OpenAiDpoTrainer } from '../../../remote/backends/openaiDpo';
import { selectBackends } from '../../../remote/backends/index';
import { setSecret } from '../../../remote/secrets';
import type { RunConfig, TrainMetrics } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';

/**
 * A loopback server with the shapes of OpenAI's files and fine-tuning endpoints (POST /v1/files multipart with
 * purpose; POST /v1/fine_tuning/jobs; GET /v1/fine_tuning/jobs/{id}; GET …/events newest first with `has_more`;
 * POST …/cancel). A job moves validating_files → running (metrics events) → succeeded over successive polls.
 */
interface Job {
  id: string;
  body: Record<string, unknown>;
  polls: number;
  status: string;
  events: Record<string, unknown>[];
  failWith?: string;
}
const state = { files: [] as { id: string; purpose: string; content: string; auth: string }[], jobs: new Map<string, Job>(), creates: 0, nextFail: '' };

function multipart(body: Buffer, type: string): Record<string, string> {
  const boundary = /boundary=(.+)$/.exec(type)![1];
  const out: Record<string, string> = {};
  for (const part of body.toString('utf8').split(`--${boundary}`)) {
    const m = /name="([^"]+)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*)\r\n$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const send = (code: number, v: unknown): void => {
      res.statusCode = code;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(v));
    };
    const url = new URL(req.url!, 'http://x');
    const now = Math.floor(Date.now() / 1000);
    if (req.method === 'POST' && url.pathname === '/v1/files') {
      const f = multipart(body, String(req.headers['content-type']));
      const id = `file-${state.files.length + 1}`;
      state.files.push({ id, purpose: f.purpose, content: f.file, auth: String(req.headers.authorization) });
      return send(200, { id, object: 'file', bytes: f.file.length, created_at: now, filename: 'selfreward-dpo.jsonl', purpose: f.purpose, status: 'processed' });
    }
    if (req.method === 'POST' && url.pathname === '/v1/fine_tuning/jobs') {
      const b = JSON.parse(body.toString());
      const id = `ftjob-${++state.creates}`;
      state.jobs.set(id, { id, body: b, polls: 0, status: 'validating_files', events: [], failWith: state.nextFail || undefined });
      return send(200, jobJson(state.jobs.get(id)!));
    }
    const m = /^\/v1\/fine_tuning\/jobs\/([^/]+)(\/events|\/cancel)?$/.exec(url.pathname);
    const job = m && state.jobs.get(m[1]);
    if (!job) return send(404, { error: { message: 'not found', type: 'invalid_request_error' } });
    if (m![2] === '/cancel') {
      job.status = 'cancelled';
      return send(200, jobJson(job));
    }
    if (m![2] === '/events') {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const newestFirst = [...job.events].reverse();
      return send(200, { object: 'list', data: newestFirst.slice(0, limit), has_more: newestFirst.length > limit });
    }
    // GET job: advance the simulated job one phase per poll
    job.polls++;
    const ev = (e: Record<string, unknown>) => job.events.push({ object: 'fine_tuning.job.event', id: `ftevent-${job.id}-${job.events.length}`, created_at: now + job.events.length, level: 'info', type: 'message', ...e });
    if (job.status === 'validating_files') {
      job.status = 'running';
      ev({ message: 'Validating training file' });
    } else if (job.status === 'running') {
      const step = job.polls - 1;
      ev({ type: 'metrics', message: `Step ${step}/3: training loss=${(0.7 - step * 0.1).toFixed(2)}`, data: { step, total_steps: 3, train_loss: 0.7 - step * 0.1 } });
      if (step >= 3) {
        if (job.failWith) {
          job.status = 'failed';
          ev({ level: 'error', message: 'Job failed' });
        } else {
          job.status = 'succeeded';
          ev({ message: 'The job has successfully completed' });
        }
      }
    }
    return send(200, jobJson(job));
  });
});

function jobJson(j: Job): Record<string, unknown> {
  return {
    id: j.id, object: 'fine_tuning.job', created_at: 1, model: j.body.model, training_file: j.body.training_file, status: j.status,
    fine_tuned_model: j.status === 'succeeded' ? `ft:${j.body.model}:selfreward::${j.id}` : null,
    error: j.status === 'failed' ? { code: 'invalid_training_file', message: j.failWith, param: 'training_file' } : null,
    method: j.body.method, seed: j.body.seed, hyperparameters: {}, organization_id: 'org', result_files: [], trained_tokens: null, validation_file: null, finished_at: null,
  };
}

let baseUrl = '';
const ready = new Promise<void>((r) => server.listen(0, '127.0.0.1', () => {
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  r();
}));
after(() => server.close());

const root = tmpDir('selfreward-openai-');

async function setup(): Promise<{ cfg: RunConfig; trainDir: string; datasetFile: string }> {
  await ready;
  const cfg = validateConfig({
    name: 'openai test', seed: 11,
    model: { backend: 'openai', name: 'gpt-4.1-mini-2025-04-14', baseUrls: [baseUrl], apiKeyEnv: 'SELFREWARD_TEST_OPENAI_KEY' },
    seedData: [{ path: 'builtin:demo' }],
    trainer: { backend: 'openai', beta: 0.2, openai: { pollSec: 0.02, suffix: 'selfreward' } },
  });
  const dir = fs.mkdtempSync(path.join(root, 'case-'));
  const datasetFile = path.join(dir, 'train.jsonl');
  fs.writeFileSync(datasetFile, [
    { prompt: 'Name a prime.', chosen: '7 is prime.', rejected: '8.' },
    { prompt: [{ role: 'user', content: 'Say hi.' }], chosen: [{ role: 'assistant', content: 'Hi!' }], rejected: [{ role: 'assistant', content: '...' }] },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { cfg, trainDir: path.join(dir, 'train'), datasetFile };
}

test('OpenAI DPO: rows uploaded in OpenAI DPO format, job with method dpo and β, events as progress, fine-tuned model as the next model', async () => {
  setSecret('SELFREWARD_TEST_OPENAI_KEY', 'sk-test-in-memory');
  const { cfg, trainDir, datasetFile } = await setup();
  const metrics: TrainMetrics[] = [];
  const logs: string[] = [];
  const r = await new OpenAiDpoTrainer(cfg).train({
    kind: 'dpo',
    runDir: root, iteration: 1, baseModel: { iteration: 1, name: 'gpt-4.1-mini-2025-04-14', madeBy: 'base' }, trainDir, datasetFile, config: cfg.trainer,
    signal: new AbortController().signal, onMetrics: (m) => metrics.push(m), onLog: (l) => logs.push(l),
  });
  const file = state.files[state.files.length - 1];
  assert.equal(file.purpose, 'fine-tune');
  assert.equal(file.auth, 'Bearer sk-test-in-memory');
  assert.deepEqual(file.content.trim().split('\n').map((l) => JSON.parse(l)), [
    { input: { messages: [{ role: 'user', content: 'Name a prime.' }] }, preferred_output: [{ role: 'assistant', content: '7 is prime.' }], non_preferred_output: [{ role: 'assistant', content: '8.' }] },
    { input: { messages: [{ role: 'user', content: 'Say hi.' }] }, preferred_output: [{ role: 'assistant', content: 'Hi!' }], non_preferred_output: [{ role: 'assistant', content: '...' }] },
  ]);
  const job = [...state.jobs.values()].pop()!;
  assert.deepEqual(job.body, { model: 'gpt-4.1-mini-2025-04-14', training_file: file.id, method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.2 } } }, seed: 12, suffix: 'selfreward' });
  assert.deepEqual(metrics, [1, 2, 3].map((step) => ({ step, totalSteps: 3, loss: 0.7 - step * 0.1 })));
  assert.ok(logs.some((l) => /Validating training file/.test(l)));
  assert.deepEqual(r.model, { iteration: 2, name: `ft:gpt-4.1-mini-2025-04-14:selfreward::${job.id}`, servedName: `ft:gpt-4.1-mini-2025-04-14:selfreward::${job.id}`, madeBy: 'openai', jobId: job.id });
  // the key never reaches the train folder
  for (const f of fs.readdirSync(trainDir)) assert.doesNotMatch(fs.readFileSync(path.join(trainDir, f), 'utf8'), /sk-test-in-memory/);
  // inference for the next iteration goes to the same endpoint with the fine-tuned id
  const { inference } = selectBackends(cfg, trainDir);
  assert.deepEqual(await inference.ensureServing(r.model), { baseUrls: [baseUrl], model: r.model.name, apiKey: 'sk-test-in-memory' });
});

test('OpenAI SFT (kind sft): prompt-completion rows uploaded as conversations, a supervised job, made by openai-sft', async () => {
  setSecret('SELFREWARD_TEST_OPENAI_KEY', 'sk-test-in-memory');
  const { cfg, trainDir } = await setup();
  const datasetFile = path.join(path.dirname(trainDir), 'sft.jsonl');
  fs.writeFileSync(datasetFile, [
    { prompt: 'Name a prime.', completion: '7 is prime.' },
    { prompt: [{ role: 'user', content: 'Grade this.' }], completion: [{ role: 'assistant', content: 'Score: 4' }] },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const sftConfig = { ...cfg.trainer, learningRate: 5.5e-6, minLearningRate: 1.1e-6, batchSize: 16, epochs: 2 };
  const metrics: TrainMetrics[] = [];
  const r = await new OpenAiDpoTrainer(cfg).train({
    kind: 'sft',
    runDir: root, iteration: 0, baseModel: { iteration: 0, name: 'gpt-4.1-mini-2025-04-14', madeBy: 'base' }, trainDir, datasetFile, config: sftConfig,
    signal: new AbortController().signal, onMetrics: (m) => metrics.push(m),
  });
  const file = state.files[state.files.length - 1];
  assert.deepEqual(file.content.trim().split('\n').map((l) => JSON.parse(l)), [
    { messages: [{ role: 'user', content: 'Name a prime.' }, { role: 'assistant', content: '7 is prime.' }] },
    { messages: [{ role: 'user', content: 'Grade this.' }, { role: 'assistant', content: 'Score: 4' }] },
  ]);
  const job = [...state.jobs.values()].pop()!;
  assert.deepEqual(job.body.method, { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, batch_size: 16 } } });
  assert.equal(r.model.madeBy, 'openai-sft');
  assert.equal(r.model.iteration, 1);
  assert.ok(metrics.length > 0, 'progress from the job events');
  assert.ok(fs.existsSync(path.join(trainDir, 'openai-sft.jsonl')));
});

test('OpenAI DPO: an agent restarted mid-job resumes the recorded job instead of creating another', async () => {
  setSecret('SELFREWARD_TEST_OPENAI_KEY', 'sk-test-in-memory');
  const { cfg, trainDir, datasetFile } = await setup();
  const ac = new AbortController();
  const first = new OpenAiDpoTrainer(cfg).train({
    kind: 'dpo',
    runDir: root, iteration: 1, baseModel: { iteration: 1, name: 'gpt-4.1-mini-2025-04-14', madeBy: 'base' }, trainDir, datasetFile, config: cfg.trainer,
    signal: ac.signal, onMetrics: () => undefined,
  });
  // simulate the kill: record exists, then pretend the process died by starting another trainer on the same folder
  while (!fs.existsSync(path.join(trainDir, 'openai-job.json'))) await new Promise((r) => setTimeout(r, 5));
  const creates = state.creates;
  const second = await new OpenAiDpoTrainer(cfg).train({
    kind: 'dpo',
    runDir: root, iteration: 1, baseModel: { iteration: 1, name: 'gpt-4.1-mini-2025-04-14', madeBy: 'base' }, trainDir, datasetFile, config: cfg.trainer,
    signal: new AbortController().signal, onMetrics: () => undefined,
  });
  assert.equal(state.creates, creates);
  assert.equal(second.model.jobId, JSON.parse(fs.readFileSync(path.join(trainDir, 'openai-job.json'), 'utf8')).jobId);
  await first;
});

test('OpenAI DPO: a failed job is an error with OpenAI\'s reason; stop cancels the job', async () => {
  setSecret('SELFREWARD_TEST_OPENAI_KEY', 'sk-test-in-memory');
  const { cfg, trainDir, datasetFile } = await setup();
  state.nextFail = 'Training file has 2 examples; at least 10 are required';
  const base = { iteration: 1, name: 'gpt-4.1-mini-2025-04-14', madeBy: 'base' as const };
  await assert.rejects(
    new OpenAiDpoTrainer(cfg).train({ kind: 'dpo', runDir: root, iteration: 1, baseModel: base, trainDir, datasetFile, config: cfg.trainer, signal: new AbortController().signal, onMetrics: () => undefined }),
    /OpenAI fine-tuning job ftjob-\d+ failed: Training file has 2 examples; at least 10 are required \(training_file\)/,
  );
  state.nextFail = '';
  const ac = new AbortController();
  const p = new OpenAiDpoTrainer(cfg).train({ kind: 'dpo', runDir: root, iteration: 1, baseModel: base, trainDir: trainDir + '-2', datasetFile, config: cfg.trainer, signal: ac.signal, onMetrics: () => ac.abort() });
  await assert.rejects(p, /training stopped \(OpenAI job (ftjob-\d+) cancelled\)/);
  assert.equal([...state.jobs.values()].pop()!.status, 'cancelled');
});

test('OpenAI DPO: no key → says how to set one', async () => {
  setSecret('SELFREWARD_TEST_OPENAI_KEY', '');
  const { cfg, trainDir, datasetFile } = await setup();
  await assert.rejects(
    new OpenAiDpoTrainer(cfg).train({ kind: 'dpo', runDir: root, iteration: 1, baseModel: { iteration: 1, name: 'm', madeBy: 'base' }, trainDir, datasetFile, config: cfg.trainer, signal: new AbortController().signal, onMetrics: () => undefined }),
    /no API key: run "Self-Rewarding: Set API Key…" in VS Code for SELFREWARD_TEST_OPENAI_KEY/,
  );
});

test('OpenAI DPO with judge pairs (Meta-Rewarding): the judge rows go up as DPO rows beside the actor rows, the judge prompt as the user turn', async () => {
  setSecret('SELFREWARD_TEST_OPENAI_KEY', 'sk-test-in-memory');
  const { cfg, trainDir, datasetFile } = await setup();
  const { trlRow } = await import('../../../remote/backends/rows');
  const { DEFAULT_RUBRIC, fillRubric } = await import('../../../remote/rubric/template');
  const judgePrompt = fillRubric(DEFAULT_RUBRIC, 'Name a prime.', '7 is prime.');
  const rows = [
    trlRow({ prompt: 'Name a prime.', chosen: '7 is prime.', rejected: '8.' }, 'conversational'),
    trlRow({ prompt: judgePrompt, chosen: 'Correct and direct.\n\nScore: 4', rejected: 'Seems fine.\n\nScore: 1' }, 'conversational'),
  ];
  fs.writeFileSync(datasetFile, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await new OpenAiDpoTrainer(cfg).train({
    kind: 'dpo',
    runDir: root, iteration: 1, baseModel: { iteration: 1, name: 'gpt-4.1-mini-2025-04-14', madeBy: 'base' }, trainDir, datasetFile, config: cfg.trainer,
    signal: new AbortController().signal, onMetrics: () => undefined,
  });
  const uploaded = state.files[state.files.length - 1].content.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(uploaded.length, 2);
  assert.deepEqual(uploaded[1], { input: { messages: [{ role: 'user', content: judgePrompt }] }, preferred_output: [{ role: 'assistant', content: 'Correct and direct.\n\nScore: 4' }], non_preferred_output: [{ role: 'assistant', content: 'Seems fine.\n\nScore: 1' }] });
});
