import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrainerProgress, parseLogLine, parseTrainerState } from '../../../remote/backends/trainerProgress';
import type { TrainMetrics } from '../../../remote/protocol';
import { trlFixtures } from '../../helpers/standins';

// Fixtures follow transformers' TrainerState.save_to_json (sorted keys, log_history entries with step/epoch) and
// TRL DPOTrainer's logged keys; the log follows ProgressCallback (str(dict) via tqdm.write) and tqdm's bar.
const state = JSON.parse(fs.readFileSync(path.join(trlFixtures, 'trainer_state.json'), 'utf8'));
const log = fs.readFileSync(path.join(trlFixtures, 'dpo-output.log'), 'utf8');

test('trainer_state.json: one entry per logged step, summary apart, max_steps as total', () => {
  const s = parseTrainerState(state, 'trainer_state.json');
  assert.equal(s.maxSteps, 8);
  assert.equal(s.globalStep, 8);
  assert.deepEqual(s.entries.map((e) => e.step), [2, 4, 6, 8]);
  const last = s.entries[3];
  assert.equal(last.loss, state.log_history[3].loss);
  assert.equal(last.rewardsMargins, state.log_history[3]['rewards/margins']);
  assert.equal(last.rewardsAccuracies, 0.8125);
  assert.equal(last.rewardsChosen, state.log_history[3]['rewards/chosen']);
  assert.equal(last.rewardsRejected, state.log_history[3]['rewards/rejected']);
  assert.equal(last.learningRate, state.log_history[3].learning_rate);
  assert.equal(last.epoch, 1);
  assert.equal(last.totalSteps, 8);
  assert.equal(s.summary?.loss, 0.6512);
  assert.equal(s.summary?.trainRuntimeSec, 41.37);
});

test('trainer_state.json: a file that is not one is named in the error', () => {
  assert.throws(() => parseTrainerState({ global_step: 3 }, '/x/checkpoint-3/trainer_state.json'), /checkpoint-3\/trainer_state\.json: not a trainer_state\.json/);
});

test('log lines: python dict repr, quoted numbers, JSON; training bar vs dataset bars', () => {
  const a = parseLogLine("{'loss': 0.6931, 'grad_norm': 12.5, 'learning_rate': 5e-07, 'rewards/margins': 0.0125, 'rewards/accuracies': 0.375, 'epoch': 0.25}");
  assert.deepEqual(a, { kind: 'logs', summary: false, metrics: { loss: 0.6931, learningRate: 5e-7, rewardsMargins: 0.0125, rewardsAccuracies: 0.375, epoch: 0.25 } });
  const b = parseLogLine("{'loss': '0.6931', 'learning_rate': '5e-07', 'rewards/chosen': '-0.01', 'epoch': '0.25'}");
  assert.deepEqual(b && b.kind === 'logs' && b.metrics, { loss: 0.6931, learningRate: 5e-7, rewardsChosen: -0.01, epoch: 0.25 });
  const c = parseLogLine('{"loss": 0.5, "rewards/margins": 0.2, "step": 7}');
  assert.deepEqual(c && c.kind === 'logs' && c.metrics, { loss: 0.5, rewardsMargins: 0.2, step: 7 });
  assert.deepEqual(parseLogLine(' 45%|####5     | 45/100 [01:30<01:50,  2.00s/it]'), { kind: 'bar', step: 45, total: 100, etaSec: 110 });
  assert.deepEqual(parseLogLine('  0%|          | 0/64 [00:00<?, ?it/s]'), { kind: 'bar', step: 0, total: 64, etaSec: undefined });
  assert.equal(parseLogLine('Map: 100%|##########| 64/64 [00:00<00:00, 3012.44 examples/s]'), undefined);
  assert.equal(parseLogLine('Loading checkpoint shards: 100%|##########| 2/2 [00:00<00:00,  8.66it/s]'), undefined);
  assert.equal(parseLogLine("{'model': 'x', 'port': 8000}"), undefined);
  const sum = parseLogLine("{'train_runtime': 41.37, 'train_loss': 0.6512, 'epoch': 1.0}");
  assert.equal(sum?.kind === 'logs' && sum.summary, true);
});

function feedLog(p: TrainerProgress, text: string): void {
  for (const l of text.split(/\r\n|\r|\n/)) if (l.trim()) p.line(l);
}

test('stdout alone: each logged step once, with the step of the bar and its total/ETA', () => {
  const got: TrainMetrics[] = [];
  const p = new TrainerProgress((m) => got.push(m), { barEveryMs: 1e9 });
  feedLog(p, log);
  const logged = got.filter((m) => m.loss !== undefined);
  assert.deepEqual(logged.map((m) => m.step), [2, 4, 6, 8]);
  const expect = parseTrainerState(state, 'f').entries;
  for (let i = 0; i < 4; i++) {
    assert.equal(logged[i].loss, expect[i].loss);
    assert.equal(logged[i].rewardsMargins, expect[i].rewardsMargins);
    assert.equal(logged[i].rewardsAccuracies, expect[i].rewardsAccuracies);
    assert.equal(logged[i].totalSteps, 8);
  }
  assert.equal(logged[1].etaSec, 20); // the bar at 4/8 said <00:20
  assert.equal(p.latest.step, 8);
});

test('trainer_state and stdout together: no step emitted twice, whichever comes first', () => {
  const got: TrainMetrics[] = [];
  const p = new TrainerProgress((m) => got.push(m), { barEveryMs: 1e9 });
  const s = parseTrainerState(state, 'f');
  p.state({ ...s, entries: s.entries.slice(0, 2) }); // checkpoint-4 seen first
  feedLog(p, log);
  p.state(s); // final checkpoint after the log
  assert.deepEqual(got.filter((m) => m.loss !== undefined).map((m) => m.step), [2, 4, 6, 8]);
});

test('trainer_state alone: ETA estimated from the mean step time', () => {
  let now = 1000;
  const got: TrainMetrics[] = [];
  const p = new TrainerProgress((m) => got.push(m), { now: () => now });
  const s = parseTrainerState(state, 'f');
  now += 20_000; // 20 s for 4 steps
  p.state({ ...s, entries: s.entries.slice(0, 2) });
  assert.equal(got[got.length - 1].step, 4);
  assert.equal(got[got.length - 1].etaSec, 20);
});

test('the sim trainer\'s output (stdout lines and trainer_state.json) through the same parser gives its own metrics', async () => {
  const { simTrain } = await import('../../../remote/backends/sim/trainer');
  const { BASE_MODEL_ID } = await import('../../../remote/backends/sim/policy');
  const { tmpDir } = await import('../../helpers/tmp');
  const dir = tmpDir('selfreward-simtrain-');
  const data = path.join(dir, 'train.jsonl');
  const rows = Array.from({ length: 40 }, (_, i) => ({
    prompt: `Explain topic ${i} in a few sentences.`,
    chosen: `Topic ${i} is explained here with care: first the idea, then an example, then a short summary of why it matters.`,
    rejected: i % 2 ? `No.` : `topic ${i} idk`,
  }));
  fs.writeFileSync(data, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const lines: string[] = [];
  const out = path.join(dir, 'out');
  const res = await simTrain({ model: BASE_MODEL_ID, data, outputDir: out, batchSize: 4, epochs: 1, saveSteps: 4, onLog: (l) => lines.push(l) });
  const want = res.metrics.map((m) => ({ step: m.step, loss: m.loss, margin: m.rewardsMargins, acc: m.rewardsAccuracies, lr: m.learningRate }));
  // stdout lines
  const fromLines: TrainMetrics[] = [];
  const p = new TrainerProgress((m) => fromLines.push(m));
  for (const l of lines) p.line(l);
  assert.deepEqual(fromLines.map((m) => ({ step: m.step, loss: m.loss, margin: m.rewardsMargins, acc: m.rewardsAccuracies, lr: m.learningRate })), want);
  // trainer_state.json of the last checkpoint
  const s = parseTrainerState(JSON.parse(fs.readFileSync(path.join(out, 'checkpoint-10', 'trainer_state.json'), 'utf8')), 'sim');
  assert.equal(s.maxSteps, 10);
  assert.deepEqual(s.entries.map((m) => ({ step: m.step, loss: m.loss, margin: m.rewardsMargins, acc: m.rewardsAccuracies, lr: m.learningRate })), want);
  assert.equal(s.summary?.loss !== undefined, true);
});
