import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateConfig } from '../../../remote/config/config';
import { TrlTrainer, trlCommand, watchCheckpoints } from '../../../remote/backends/trl';
import { TrainerProgress } from '../../../remote/backends/trainerProgress';
import type { ModelEntry, RunConfig, TrainMetrics } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';
import { alive, groupMembers, readRecord, standin, trlFixtures } from '../../helpers/standins';

const root = tmpDir('selfreward-trl-');
let n = 0;

function config(trainer: Record<string, unknown>): RunConfig {
  return validateConfig({
    name: 'trl test',
    seed: 7,
    model: { backend: 'vllm', name: '/models/base' },
    seedData: [{ path: 'builtin:demo' }],
    trainer: { backend: 'trl', beta: 0.1, learningRate: 5e-7, batchSize: 2, gradientAccumulationSteps: 4, epochs: 1, ...trainer },
  });
}

interface Env {
  [k: string]: string;
}

/** Run one training through the stand-ins; env vars reach them through process.env (inherited by spawn). */
async function train(cfg: RunConfig, env: Env, opts: { base?: ModelEntry; signal?: AbortSignal; prepare?(trainDir: string): void } = {}) {
  const dir = path.join(root, `case-${++n}`);
  const trainDir = path.join(dir, 'iterations', '1', 'train');
  fs.mkdirSync(trainDir, { recursive: true });
  opts.prepare?.(trainDir);
  const datasetFile = path.join(dir, 'pairs-train.jsonl');
  fs.writeFileSync(datasetFile, JSON.stringify({ prompt: 'p', chosen: 'c', rejected: 'r' }) + '\n');
  const record = path.join(dir, 'argv.jsonl');
  const saved: Record<string, string | undefined> = {};
  const all: Env = {
    STANDIN_RECORD: record,
    STANDIN_TRL_STATE: path.join(trlFixtures, 'trainer_state.json'),
    STANDIN_TRL_REPLAY: path.join(trlFixtures, 'dpo-output.log'),
    STANDIN_SLURM_DIR: dir,
    STANDIN_DELAY_MS: '3',
    ...env,
  };
  for (const [k, v] of Object.entries(all)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const metrics: TrainMetrics[] = [];
  const lines: string[] = [];
  try {
    const result = await new TrlTrainer(cfg)
      .train({
        kind: 'dpo',
        runDir: dir,
        iteration: 1,
        baseModel: opts.base ?? { iteration: 1, name: '/models/base', madeBy: 'base' },
        trainDir,
        datasetFile,
        config: cfg.trainer,
        signal: opts.signal ?? new AbortController().signal,
        onMetrics: (m) => metrics.push(m),
        onLog: (l) => lines.push(l),
      })
      .then((r) => ({ ok: true as const, r }), (e: Error) => ({ ok: false as const, e }));
    return { result, metrics, lines, record: readRecord(record), trainDir, dir };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

// The flags every configuration passes (TRL docs: `trl dpo` with ModelConfig / ScriptArguments / DPOConfig fields).
function baseFlags(trainDir: string, extra: string[] = []): string[] {
  return [
    '--model_name_or_path', '/models/base',
    '--dataset_name', path.join(trainDir, 'dataset'),
    '--output_dir', path.join(trainDir, 'output'),
    '--beta', '0.1',
    '--learning_rate', '5e-7',
    '--lr_scheduler_type', 'linear',
    '--per_device_train_batch_size', '2',
    '--gradient_accumulation_steps', '4',
    '--num_train_epochs', '1',
    '--logging_steps', '1',
    '--save_steps', '4',
    '--report_to', 'none',
    '--seed', '8',
    ...extra,
  ];
}

test('full fine-tune with `trl dpo`: exact command, dataset folder, metrics streamed, output dir as the next model', async () => {
  const cfg = config({ trl: { command: [standin('trl'), 'dpo'], saveSteps: 4 } });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record.map((x) => x.argv), [['dpo', ...baseFlags(r.trainDir)]]);
  assert.equal(fs.readFileSync(path.join(r.trainDir, 'dataset', 'train.jsonl'), 'utf8'), JSON.stringify({ prompt: 'p', chosen: 'c', rejected: 'r' }) + '\n');
  const logged = r.metrics.filter((m) => m.loss !== undefined);
  assert.deepEqual(logged.map((m) => m.step), [2, 4, 6, 8]);
  assert.equal(logged[3].rewardsMargins, 0.2);
  assert.equal(logged[3].totalSteps, 8);
  const model = r.result.ok ? r.result.r.model : undefined;
  assert.deepEqual(model, { iteration: 2, name: 'selfreward-m2', servedName: 'selfreward-m2', path: path.join(r.trainDir, 'output'), madeBy: 'trl' });
  assert.equal(r.result.ok && r.result.r.final?.step, 8);
  const log = fs.readFileSync(path.join(r.trainDir, 'train.log'), 'utf8');
  assert.match(log, /rewards\/margins/);
  assert.ok(fs.existsSync(path.join(r.trainDir, 'output', 'checkpoint-4', 'trainer_state.json')));
});

test('LoRA + bf16 + max length + gradient checkpointing + extra args: flags and an adapter as the next model', async () => {
  const cfg = config({
    lora: { r: 16, alpha: 32 }, bf16: true, maxLength: 2048, extraArgs: ['--warmup_ratio', '0.1'],
    trl: { command: [standin('trl'), 'dpo'], saveSteps: 4, gradientCheckpointing: true },
  });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record[0].argv, [
    'dpo',
    ...baseFlags(r.trainDir, ['--max_length', '2048', '--use_peft', '--lora_r', '16', '--lora_alpha', '32', '--bf16', '--gradient_checkpointing', '--warmup_ratio', '0.1']),
  ]);
  assert.equal(r.result.ok && r.result.r.model.adapterBase, '/models/base');
});

test('accelerate with a config file (multi-GPU / DeepSpeed passthrough): accelerate launch --config_file F -m trl.scripts.dpo', async () => {
  const acc = path.join(root, 'zero3.yaml');
  fs.writeFileSync(acc, 'distributed_type: DEEPSPEED\n');
  const cfg = config({ accelerateConfig: acc, trl: { accelerateCommand: [standin('accelerate'), 'launch'], saveSteps: 4 } });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record[0].argv, ['launch', '--config_file', acc, '-m', 'trl.scripts.dpo', ...baseFlags(r.trainDir)]);
});

test('launcher prefix (srun …) wraps the command', async () => {
  const cfg = config({ launcher: { kind: 'prefix', prefix: [standin('srun'), '--gres=gpu:8', '--nodes=1'] }, trl: { command: [standin('trl'), 'dpo'], saveSteps: 4 } });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record.map((x) => x.tool), ['srun', 'trl']);
  assert.deepEqual(r.record[0].argv, ['--gres=gpu:8', '--nodes=1', standin('trl'), 'dpo', ...baseFlags(r.trainDir)]);
});

test('sbatch: job script submitted with --parsable and --output, polled until done, progress from the job log', async () => {
  const cfg = config({
    launcher: { kind: 'sbatch', sbatchArgs: ['--gres=gpu:8', '--time=01:00:00'], pollSec: 0.1, sbatch: standin('sbatch'), squeue: standin('squeue'), sacct: standin('sacct'), scancel: standin('scancel') },
    trl: { command: [standin('trl'), 'dpo'], saveSteps: 4 },
  });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  const script = path.join(r.trainDir, 'job.sbatch');
  const sb = r.record.find((x) => x.tool === 'sbatch');
  assert.deepEqual(sb?.argv, ['--parsable', `--output=${path.join(r.trainDir, 'train.log')}`, '--gres=gpu:8', '--time=01:00:00', script]);
  assert.match(fs.readFileSync(script, 'utf8'), new RegExp(`exec ${standin('trl').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} dpo --model_name_or_path /models/base`));
  assert.ok(r.record.some((x) => x.tool === 'squeue' && x.argv?.join(' ').startsWith('-h -j ')));
  assert.ok(r.record.some((x) => x.tool === 'sacct'));
  assert.deepEqual(r.metrics.filter((m) => m.loss !== undefined).map((m) => m.step), [2, 4, 6, 8]);
});

test('sbatch job that fails: the Slurm state and the log tail in the error', async () => {
  const cfg = config({
    launcher: { kind: 'sbatch', pollSec: 0.1, sbatch: standin('sbatch'), squeue: standin('squeue'), sacct: standin('sacct'), scancel: standin('scancel') },
    trl: { command: [standin('trl'), 'dpo'] },
  });
  const r = await train(cfg, { STANDIN_TRL_FAIL: path.join(trlFixtures, 'oom.log') });
  assert.equal(r.result.ok, false);
  const msg = !r.result.ok ? r.result.e.message : '';
  assert.match(msg, /Slurm job \d+ ended FAILED/);
  assert.match(msg, /CUDA out of memory\. Likely fix/);
});

test('CUDA OOM in the log: a clear error with the likely fix and the log tail', async () => {
  const cfg = config({ maxLength: 4096, trl: { command: [standin('trl'), 'dpo'] } });
  const r = await train(cfg, { STANDIN_TRL_FAIL: path.join(trlFixtures, 'oom.log') });
  assert.equal(r.result.ok, false);
  const msg = !r.result.ok ? r.result.e.message : '';
  assert.match(msg, /trainer exited with code 1/);
  assert.match(msg, /CUDA out of memory\. Likely fix: lower trainer\.batchSize \(now 2\)/);
  assert.match(msg, /trainer\.maxLength \(now 4096\)/);
  assert.match(msg, /gradientCheckpointing/);
  assert.match(msg, /LoRA adapter/);
  assert.match(msg, /torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 3\.91 GiB/);
  assert.match(msg, new RegExp(`Last lines of ${path.join(r.trainDir, 'train.log').replace(/[/.]/g, '\\$&')}`));
});

test('non-zero exit without OOM: the exit code and the tail, no OOM advice', async () => {
  const cfg = config({ trl: { command: [standin('trl'), 'dpo'], saveSteps: 4 } });
  const r = await train(cfg, { STANDIN_EXIT: '3' });
  const msg = !r.result.ok ? r.result.e.message : '';
  assert.match(msg, /trainer exited with code 3/);
  assert.doesNotMatch(msg, /out of memory/);
  assert.match(msg, /train_runtime/);
});

test('stop: SIGTERM to the group, the trainer and its workers are gone (checked in /proc)', async () => {
  const cfg = config({ trl: { command: [standin('trl'), 'dpo'], saveSteps: 4, stopGraceSec: 2 } });
  const ac = new AbortController();
  const dir = path.join(root, `case-${n + 1}`);
  // stop once the worker is up and training has logged its first step
  const timer = setInterval(() => {
    const rec = readRecord(path.join(dir, 'argv.jsonl'));
    if (rec.some((x) => x.worker) && fs.existsSync(path.join(dir, 'iterations', '1', 'train', 'output', 'checkpoint-8'))) {
      clearInterval(timer);
      ac.abort();
    }
  }, 20);
  const r = await train(cfg, { STANDIN_SPAWN_WORKER: '1', STANDIN_HANG: '1' }, { signal: ac.signal });
  clearInterval(timer);
  assert.equal(r.result.ok, false);
  assert.match(!r.result.ok ? r.result.e.message : '', /training stopped/);
  const leader = r.record.find((x) => x.tool === 'trl')!.pid!;
  const worker = r.record.find((x) => x.worker)!.worker!;
  assert.deepEqual(groupMembers(leader), []);
  assert.equal(alive(worker), false);
  assert.equal(alive(leader), false);
});

test('chokidar: checkpoints written while watching become metrics (no stdout needed)', async () => {
  const out = path.join(root, 'watch-out');
  const got: TrainMetrics[] = [];
  const p = new TrainerProgress((m) => got.push(m));
  const w = watchCheckpoints(out, p);
  const state = JSON.parse(fs.readFileSync(path.join(trlFixtures, 'trainer_state.json'), 'utf8'));
  await new Promise((r) => setTimeout(r, 300)); // watcher ready
  for (const step of [4, 8]) {
    fs.mkdirSync(path.join(out, `checkpoint-${step}`), { recursive: true });
    fs.writeFileSync(path.join(out, `checkpoint-${step}`, 'trainer_state.json'), JSON.stringify({ ...state, global_step: step, log_history: state.log_history.filter((e: { step: number }) => e.step <= step) }));
  }
  const deadline = Date.now() + 10_000;
  while (got.filter((m) => m.loss !== undefined).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await w.close();
  assert.deepEqual(got.filter((m) => m.loss !== undefined).map((m) => m.step), [2, 4, 6, 8]);
  assert.equal(got[got.length - 1].rewardsAccuracies, 0.8125);
});

test('checkpoints of an earlier, killed attempt are not reported as this run\'s progress', async () => {
  const cfg = config({ trl: { command: [standin('trl'), 'dpo'], saveSteps: 4 } });
  const r = await train(cfg, {}, {
    prepare(trainDir) {
      const old = path.join(trainDir, 'output', 'checkpoint-99');
      fs.mkdirSync(old, { recursive: true });
      fs.writeFileSync(path.join(old, 'trainer_state.json'), JSON.stringify({ global_step: 99, max_steps: 99, log_history: [{ loss: 9, step: 99, epoch: 3 }] }));
      const t = new Date(Date.now() - 3600_000);
      fs.utimesSync(path.join(old, 'trainer_state.json'), t, t);
    },
  });
  assert.ok(r.result.ok);
  assert.deepEqual(r.metrics.filter((m) => m.loss !== undefined).map((m) => m.step), [2, 4, 6, 8]);
});

test('sbatch stop: the job is cancelled with scancel and its processes end', async () => {
  const cfg = config({
    launcher: { kind: 'sbatch', pollSec: 0.1, sbatch: standin('sbatch'), squeue: standin('squeue'), sacct: standin('sacct'), scancel: standin('scancel') },
    trl: { command: [standin('trl'), 'dpo'], saveSteps: 4 },
  });
  const ac = new AbortController();
  const log = path.join(root, `case-${n + 1}`, 'iterations', '1', 'train', 'train.log');
  // stop once the job has logged training progress
  const timer = setInterval(() => {
    if (fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('train_runtime')) {
      clearInterval(timer);
      ac.abort();
    }
  }, 20);
  const r = await train(cfg, { STANDIN_HANG: '1', STANDIN_SPAWN_WORKER: '1' }, { signal: ac.signal });
  clearInterval(timer);
  assert.equal(r.result.ok, false);
  assert.match(!r.result.ok ? r.result.e.message : '', /training stopped \(Slurm job (\d+) cancelled\)/);
  const jobId = /Slurm job (\d+)/.exec(!r.result.ok ? r.result.e.message : '')![1];
  assert.deepEqual(r.record.find((x) => x.tool === 'scancel')?.argv, [jobId]);
  const jobPid = Number(fs.readFileSync(path.join(r.dir, `${jobId}.pid`), 'utf8'));
  const worker = r.record.find((x) => x.worker)!.worker!;
  const deadline = Date.now() + 5000;
  while ((groupMembers(jobPid).length || alive(worker)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(groupMembers(jobPid), []);
  assert.equal(alive(worker), false);
});

test('venv python forms: python -m trl.cli dpo; python -m accelerate.commands.launch … -m trl.scripts.dpo', () => {
  const py = '/opt/venvs/trl/bin/python';
  assert.deepEqual(trlCommand(config({ trl: { python: py } }).trainer, ['--x', '1']), [py, '-m', 'trl.cli', 'dpo', '--x', '1']);
  assert.deepEqual(trlCommand(config({ accelerateConfig: '/a/fsdp.yaml', trl: { python: py } }).trainer, ['--x', '1']), [
    py, '-m', 'accelerate.commands.launch', '--config_file', '/a/fsdp.yaml', '-m', 'trl.scripts.dpo', '--x', '1',
  ]);
  // accelerate without a config file (its default config), behind a launcher prefix
  assert.deepEqual(trlCommand(config({ launcherPrefix: ['srun', '-N', '2'], trl: { launch: 'accelerate' } }).trainer, []), ['srun', '-N', '2', 'accelerate', 'launch', '-m', 'trl.scripts.dpo']);
});
