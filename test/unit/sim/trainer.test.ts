/** The sim trainer's files and logs are shaped like TRL's, and bad data is named by file and line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simTrain } from '../../../remote/backends/sim/trainer';
import { loadPolicy, BASE_POLICY } from '../../../remote/backends/sim/policy';
import { renderAnswer } from '../../../remote/backends/sim/answers';
import { Rng } from '../../../remote/backends/sim/rng';
import { tmpDir } from '../../helpers/tmp';

const dir = tmpDir();

function writePairs(file: string, n: number): void {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const prompt = `How do I look after houseplant number ${i} in a dark flat?`;
    const chosen = renderAnswer({ relevance: 2, points: 4, structure: 2, expertise: 2, filler: 0, elaboration: 0 }, prompt, new Rng(i));
    const rejected = renderAnswer({ relevance: 0, points: 1, structure: 0, expertise: 0, filler: 2, elaboration: 1 }, prompt, new Rng(i + 1000));
    rows.push(JSON.stringify({ prompt, chosen, rejected }));
  }
  fs.writeFileSync(file, rows.join('\n') + '\n');
}

test('writes sim-policy.json, checkpoint-<step>/trainer_state.json with TRL field names, and TRL-style log lines', async () => {
  const data = path.join(dir, 'train.jsonl');
  writePairs(data, 40);
  const lines: string[] = [];
  const out = path.join(dir, 'out');
  const res = await simTrain({ model: 'sim-base', data, outputDir: out, batchSize: 16, epochs: 1.5, saveSteps: 2, onLog: (l) => lines.push(l) });
  // 40 pairs / 16 = 3 steps per epoch × 1.5 epochs → 5 steps
  assert.equal(res.metrics.length, 5);
  assert.deepEqual(res.metrics.map((m) => m.step), [1, 2, 3, 4, 5]);
  assert.ok(fs.existsSync(path.join(out, 'checkpoint-2', 'trainer_state.json')));
  assert.ok(fs.existsSync(path.join(out, 'checkpoint-4', 'sim-policy.json')));
  const state = JSON.parse(fs.readFileSync(path.join(out, 'checkpoint-5', 'trainer_state.json'), 'utf8'));
  assert.equal(state.global_step, 5);
  assert.equal(state.max_steps, 5);
  assert.equal(state.train_batch_size, 16);
  const logs = state.log_history.filter((e: Record<string, number>) => 'loss' in e);
  assert.equal(logs.length, 5);
  for (const key of ['loss', 'grad_norm', 'learning_rate', 'rewards/chosen', 'rewards/rejected', 'rewards/margins', 'rewards/accuracies', 'logps/chosen', 'logps/rejected', 'epoch', 'step']) {
    assert.ok(key in logs[0], `log_history has ${key}`);
  }
  assert.equal(logs[0].learning_rate, 1e-6);
  assert.ok(logs[4].learning_rate < logs[0].learning_rate, 'linear decay');
  assert.ok(Math.abs(logs[0].loss - Math.log(2)) < 1e-3, 'first step starts at log 2 (θ = θ_ref)');
  assert.ok(logs[4].loss < logs[0].loss);
  assert.ok(logs[4]['rewards/accuracies'] > 0.9);
  assert.ok(Math.abs(logs[4]['rewards/margins'] - (logs[4]['rewards/chosen'] - logs[4]['rewards/rejected'])) < 1e-3);
  assert.ok('train_loss' in state.log_history[state.log_history.length - 1]);
  // progress lines as transformers prints them
  assert.match(lines.find((l) => l.startsWith("{'loss'") || l.startsWith("{'epoch'"))!, /'loss': [\d.]+.*'rewards\/margins': -?[\d.]+/);
  // the model moved towards what the pairs prefer
  const p = loadPolicy(res.model);
  assert.ok(p.weights.relevance > 0 && p.weights.expertise > 0 && p.weights.filler < 0, JSON.stringify(p.weights));
  assert.equal(p.parent, 'sim-base');
  assert.deepEqual(p.priors, BASE_POLICY.priors);
  // chaining: training from the checkpoint uses it as the reference
  const res2 = await simTrain({ model: res.model, data, outputDir: path.join(dir, 'out2'), batchSize: 40 });
  // a rerun into the first folder with a bigger batch replaces the earlier attempt's checkpoints
  await simTrain({ model: 'sim-base', data, outputDir: out, batchSize: 40 });
  assert.deepEqual(fs.readdirSync(out).filter((n) => n.startsWith('checkpoint-')), ['checkpoint-1']);
  const p2 = loadPolicy(res2.model);
  assert.equal(p2.parent, res.model);
  assert.ok(p2.weights.expertise > p.weights.expertise);
});

test('bad rows and bad models are reported by file, line and field', async () => {
  const data = path.join(dir, 'bad.jsonl');
  fs.writeFileSync(data, JSON.stringify({ prompt: 'a', chosen: 'b', rejected: 'c' }) + '\n' + JSON.stringify({ prompt: 'a', chosen: 3, rejected: 'c' }) + '\n');
  await assert.rejects(simTrain({ model: 'sim-base', data, outputDir: path.join(dir, 'x') }), new RegExp(`bad\\.jsonl:2: field "chosen"`));
  fs.writeFileSync(data, '{"prompt": "a", \n');
  await assert.rejects(simTrain({ model: 'sim-base', data, outputDir: path.join(dir, 'x') }), /bad\.jsonl:1: invalid JSON/);
  await assert.rejects(simTrain({ model: path.join(dir, 'nowhere'), data, outputDir: path.join(dir, 'x') }), /does not exist/);
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(path.join(dir, 'broken', 'sim-policy.json'), JSON.stringify({ ...BASE_POLICY, format: 99 }));
  await assert.rejects(simTrain({ model: path.join(dir, 'broken'), data, outputDir: path.join(dir, 'x') }), /sim-policy\.json: field "format" must be 1/);
});

test('an abort signal stops training', async () => {
  const data = path.join(dir, 'abort.jsonl');
  writePairs(data, 64);
  const ctl = new AbortController();
  const p = simTrain({ model: 'sim-base', data, outputDir: path.join(dir, 'ab'), batchSize: 1, onMetrics: (m) => m.step === 3 && ctl.abort(), signal: ctl.signal });
  await assert.rejects(p, /aborted/);
});
