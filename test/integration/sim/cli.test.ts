/** The bundled agent's sim-server and sim-train commands, and the sim backends the pipeline uses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import * as readline from 'node:readline';
import OpenAI from 'openai';
import { repoRoot, tmpDir } from '../../helpers/tmp';
import { createSimBackends } from '../../../remote/backends/sim/backend';
import { validateConfig } from '../../../remote/config/config';
import { renderAnswer } from '../../../remote/backends/sim/answers';
import { Rng } from '../../../remote/backends/sim/rng';
import type { TrainMetrics } from '../../../remote/protocol';

const agent = path.join(repoRoot, 'dist', 'agent.js');
const dir = tmpDir();

/** Start `agent.js sim-server …` and read the base URL it prints; stop() sends SIGTERM and returns the exit code. */
async function cliServer(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [agent, 'sim-server', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
      void exited.then((code) => reject(new Error(`sim-server exited with ${code}`)));
    });
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function writePairs(file: string): void {
  const rows = Array.from({ length: 24 }, (_, i) => {
    const prompt = `How do I plan a picnic for ${i + 2} friends?`;
    return JSON.stringify({
      prompt: [{ role: 'user', content: prompt }],
      chosen: [{ role: 'assistant', content: renderAnswer({ relevance: 2, points: 4, structure: 2, expertise: 2, filler: 0, elaboration: 0 }, prompt, new Rng(i)) }],
      rejected: [{ role: 'assistant', content: renderAnswer({ relevance: 1, points: 1, structure: 0, expertise: 0, filler: 2, elaboration: 0 }, prompt, new Rng(i)) }],
    });
  });
  fs.writeFileSync(file, rows.join('\n') + '\n');
}

test('sim-train writes a checkpoint and prints TRL-style progress; sim-server serves it and stops on SIGTERM', async () => {
  const data = path.join(dir, 'train.jsonl');
  writePairs(data);
  const train = spawnSync(process.execPath, [agent, 'sim-train', '--model', 'sim-base', '--data', data, '--output-dir', path.join(dir, 'ckpt'), '--batch-size', '8', '--beta', '0.1'], { encoding: 'utf8' });
  assert.equal(train.status, 0, train.stderr);
  assert.equal(train.stdout.split('\n').filter((l) => l.startsWith("{'epoch'") && l.includes("'loss'")).length, 3);
  assert.match(train.stdout, /'rewards\/accuracies': /);
  assert.ok(fs.existsSync(path.join(dir, 'ckpt', 'checkpoint-3', 'trainer_state.json')));

  // an environment fault rate applies only where no flag sets the rate: here the flag turns it off
  const server = await cliServer(['--port', '0', '--model-dir', dir, '--zero-latency', '--fault-500', '0'], { ...process.env, SELFREWARD_SIM_FAULT_500: '1' });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = new OpenAI({ baseURL: server.url, apiKey: 'sim', maxRetries: 0 });
    assert.deepEqual((await client.models.list()).data.map((m) => m.id).sort(), ['ckpt', 'ckpt/checkpoint-3', 'sim-base', 'sim-pretrained']);
    const r = await client.chat.completions.create({ model: 'ckpt', messages: [{ role: 'user', content: 'How do I plan a picnic?' }], seed: 1 });
    assert.ok(r.choices[0].message.content!.length > 20);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('fault rates come from the environment when no flag sets them', async () => {
  const server = await cliServer(['--zero-latency'], { ...process.env, SELFREWARD_SIM_FAULT_500: '1' });
  try {
    const client = new OpenAI({ baseURL: server.url, apiKey: 'sim', maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: 'hi' }] }), (e: { status?: number }) => e.status === 500);
  } finally {
    await server.stop();
  }
});

test('bad flags are refused with a clear message and exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [['sim-server', '--fault-429', '2'], /--fault-429: expected a number >= 0 and <= 1, got "2"/],
    [['sim-server', '--max-concurrency', 'many'], /--max-concurrency: expected an integer/],
    [['sim-server', '--bogus'], /Unknown option '--bogus'/],
    [['sim-server', '--fault-500', '0.7', '--fault-hang', '0.6'], /add up to 1\.3/],
    [['sim-train', '--model', 'sim-base'], /--data is required/],
    [['sim-train', '--model', 'sim-base', '--data', 'x', '--output-dir', 'y', '--batch-size', '0'], /--batch-size: expected an integer >= 1/],
  ];
  const badEnv = spawnSync(process.execPath, [agent, 'sim-server'], { encoding: 'utf8', env: { ...process.env, SELFREWARD_SIM_FAULT_CUT: 'lots' } });
  assert.equal(badEnv.status, 2);
  assert.match(badEnv.stderr, /SELFREWARD_SIM_FAULT_CUT: must be a number in \[0, 1\]/);
  for (const [args, msg] of cases) {
    const r = spawnSync(process.execPath, [agent, ...args], { encoding: 'utf8', env: { ...process.env } });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});

test('createSimBackends: serves models lazily on one in-process server and trains into the train folder', async () => {
  const config = validateConfig({ name: 't', seed: 3, model: { backend: 'sim', name: 'sim-base', sim: { zeroLatency: true } }, seedData: [{ path: 'builtin:demo', format: 'auto' }] });
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(runDir);
  const { inference, trainer } = createSimBackends(config, runDir);
  try {
    const ep = await inference.ensureServing({ iteration: 1, name: 'sim-base', madeBy: 'base' });
    assert.equal(ep.model, 'sim-base');
    assert.match(ep.baseUrls[0], /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const trainDir = path.join(runDir, 'iterations', '1', 'train');
    fs.mkdirSync(trainDir, { recursive: true });
    const datasetFile = path.join(trainDir, 'train.jsonl');
    writePairs(datasetFile);
    const seen: TrainMetrics[] = [];
    const res = await trainer.train({
      kind: 'dpo',
      runDir, iteration: 1, baseModel: { iteration: 1, name: 'sim-base', madeBy: 'base' }, trainDir, datasetFile, config: config.trainer,
      signal: new AbortController().signal, onMetrics: (m) => seen.push(m),
    });
    assert.equal(res.model.iteration, 2);
    assert.equal(res.model.madeBy, 'sim-train');
    assert.ok(res.model.name.startsWith(trainDir) && path.isAbsolute(res.model.name));
    assert.ok(seen.length >= 1 && seen[seen.length - 1].step === seen.length);
    const ep2 = await inference.ensureServing(res.model);
    assert.equal(ep2.baseUrls[0], ep.baseUrls[0], 'one server for all iterations');
    const client = new OpenAI({ baseURL: ep2.baseUrls[0], apiKey: 'sim', maxRetries: 0 });
    const r = await client.chat.completions.create({ model: ep2.model, messages: [{ role: 'user', content: 'How do I plan a picnic?' }], seed: 1 });
    assert.ok(r.choices[0].message.content);
  } finally {
    await inference.stop();
  }
});
