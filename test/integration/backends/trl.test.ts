import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateConfig } from '../../../remote/config/config';
import { TrlTrainer, trlCommand, watchCheckpoints } from '../../../remote/backends/trl';
import type { TrainKind } from '../../../remote/backends/types';
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
    trainer: { backend: 'trl', beta: 0.1, learningRate: 5e-7, batchSize: 8, gradientAccumulationSteps: 4, processes: 1, epochs: 1, ...trainer },
  });
}

interface Env {
  [k: string]: string;
}

/** Run one training through the stand-ins; env vars reach them through process.env (inherited by spawn). */
async function train(cfg: RunConfig, env: Env, opts: { base?: ModelEntry; signal?: AbortSignal; prepare?(trainDir: string): void; kind?: TrainKind; iteration?: number } = {}) {
  const dir = path.join(root, `case-${++n}`);
  const trainDir = path.join(dir, 'iterations', String(opts.iteration ?? 1), 'train');
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
        kind: opts.kind ?? 'dpo',
        runDir: dir,
        iteration: opts.iteration ?? 1,
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

// The flags every configuration passes (ModelConfig / ScriptArguments / DPOConfig fields; the stand-ins check each
// against the contract extracted from TRL's and transformers' sources). Global batch 8 = 1 process × 2 × 4.
function baseFlags(trainDir: string, extra: string[] = [], o: { model?: string; perDevice?: number; accum?: number; kind?: TrainKind } = {}): string[] {
  return [
    `--model_name_or_path=${o.model ?? '/models/base'}`,
    `--dataset_name=${path.join(trainDir, 'dataset')}`,
    `--output_dir=${path.join(trainDir, 'output')}`,
    ...((o.kind ?? 'dpo') === 'dpo' ? ['--beta=0.1'] : []),
    '--learning_rate=5e-7',
    '--lr_scheduler_type=polynomial',
    '--lr_scheduler_kwargs={"lr_end":1e-7,"power":1}',
    `--per_device_train_batch_size=${o.perDevice ?? 2}`,
    `--gradient_accumulation_steps=${o.accum ?? 4}`,
    '--num_train_epochs=1',
    '--logging_steps=1',
    '--save_steps=4',
    '--report_to=none',
    '--seed=8',
    ...(o.kind === 'sft' ? ['--completion_only_loss=true'] : []),
    ...extra,
  ];
}
/** dropout 0.1 (the default) on DPO: TRL's disable_dropout turned off */
const DPO_DROPOUT = ['--disable_dropout=false'];

test('full fine-tune with `trl dpo`: exact command, dataset folder, metrics streamed, output dir as the next model', async () => {
  const cfg = config({ trl: { command: [standin('trl')], saveSteps: 4 } });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record.map((x) => x.argv), [['dpo', '--num_processes=1', ...baseFlags(r.trainDir, DPO_DROPOUT)]]);
  assert.equal(fs.readFileSync(path.join(r.trainDir, 'dataset', 'train.jsonl'), 'utf8'), JSON.stringify({ prompt: 'p', chosen: 'c', rejected: 'r' }) + '\n');
  const logged = r.metrics.filter((m) => m.loss !== undefined);
  assert.deepEqual(logged.map((m) => m.step), [2, 4, 6, 8]);
  assert.equal(logged[3].rewardsMargins, 0.2);
  assert.equal(logged[3].totalSteps, 8);
  const model = r.result.ok ? r.result.r.model : undefined;
  assert.deepEqual(model, { iteration: 2, name: 'selfreward-m2', servedName: 'selfreward-m2', path: path.join(r.trainDir, 'output'), madeBy: 'trl' });
  assert.deepEqual(r.result.ok && r.result.r.plan?.batch, { processes: 1, processesFrom: 'trainer.processes', perDevice: 2, gradientAccumulation: 4, effective: 8 });
  assert.equal(r.result.ok && r.result.r.final?.step, 8);
  const log = fs.readFileSync(path.join(r.trainDir, 'train.log'), 'utf8');
  assert.match(log, /rewards\/margins/);
  assert.ok(fs.existsSync(path.join(r.trainDir, 'output', 'checkpoint-4', 'trainer_state.json')));
});

test('LoRA + bf16 + max length + gradient checkpointing + extra args: explicit boolean values, and the adapter merged into M2 (the chain)', async () => {
  const cfg = config({
    lora: { r: 16, alpha: 32 }, bf16: true, maxLength: 2048, extraArgs: ['--warmup_steps=0.1'],
    trl: { command: [standin('trl')], python: standin('python'), saveSteps: 4, gradientCheckpointing: true },
  });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record[0].argv, [
    'dpo', '--num_processes=1',
    ...baseFlags(r.trainDir, ['--max_length=2048', '--use_peft=true', '--lora_r=16', '--lora_alpha=32', '--bf16=true', '--gradient_checkpointing=true', ...DPO_DROPOUT, '--warmup_steps=0.1']),
  ]);
  // the merge step ran with the configured python on the adapter, and M2 is the merged full model
  const merge = r.record.find((x) => x.tool === 'python' && x.argv?.[0]?.endsWith('merge_lora.py'));
  const out = path.join(r.trainDir, 'output');
  const merged = path.join(r.trainDir, 'merged');
  assert.deepEqual(merge?.argv, [path.join(r.trainDir, 'merge_lora.py'), '--base=/models/base', `--adapter=${out}`, `--out=${merged}`, '--dtype=bfloat16']);
  const m = r.result.ok ? r.result.r.model : undefined;
  assert.equal(m?.path, merged);
  assert.equal(m?.adapterBase, undefined);
  assert.deepEqual(m?.lora, { adapter: out, base: '/models/base', chain: 'merged' });
  assert.ok(fs.existsSync(path.join(merged, 'config.json')));
});

test('LoRA between iterations: iteration 2 trains from iteration 1\'s merged model, not from the base', async () => {
  const cfg = config({ lora: { r: 8, alpha: 16 }, trl: { command: [standin('trl')], python: standin('python'), saveSteps: 4 } });
  const r1 = await train(cfg, {});
  assert.ok(r1.result.ok, !r1.result.ok ? r1.result.e.message : '');
  const m2 = r1.result.ok ? r1.result.r.model : undefined;
  const r2 = await train(cfg, {}, { base: m2, iteration: 2 });
  assert.ok(r2.result.ok, !r2.result.ok ? r2.result.e.message : '');
  assert.equal(r2.record[0].argv?.find((a) => a.startsWith('--model_name_or_path=')), `--model_name_or_path=${m2?.path}`);
  const merge2 = r2.record.find((x) => x.argv?.[0]?.endsWith('merge_lora.py'));
  assert.equal(merge2?.argv?.[1], `--base=${m2?.path}`);
  assert.equal(r2.result.ok && r2.result.r.model.lora?.base, m2?.path);
});

test('accelerate with a config file (multi-GPU / DeepSpeed passthrough): accelerate launch --config_file=F --num_processes=N -m trl.scripts.dpo', async () => {
  const acc = path.join(root, 'zero3.yaml');
  fs.writeFileSync(acc, 'distributed_type: DEEPSPEED\nnum_processes: 4\n');
  const cfg = config({ processes: undefined, gradientAccumulationSteps: undefined, accelerateConfig: acc, trl: { accelerateCommand: [standin('accelerate'), 'launch'], saveSteps: 4 } });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record[0].argv, ['launch', `--config_file=${acc}`, '--num_processes=4', '-m', 'trl.scripts.dpo', ...baseFlags(r.trainDir, DPO_DROPOUT, { perDevice: 2, accum: 1 })]);
});

for (const [processes, perDevice, accum] of [[1, 2, 8], [2, 2, 4], [8, 2, 1]] as const) {
  test(`effective batch with ${processes} process(es) from the accelerate config: global 16 = ${processes} × ${perDevice} × ${accum}, told to accelerate and TRL, returned as the plan`, async () => {
    const acc = path.join(root, `acc-${processes}.yaml`);
    fs.writeFileSync(acc, `compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nnum_processes: ${processes}\n`);
    const cfg = config({ batchSize: 16, processes: undefined, gradientAccumulationSteps: undefined, accelerateConfig: acc, trl: { python: standin('python'), saveSteps: 4 } });
    const r = await train(cfg, {});
    assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
    const argv = r.record.find((x) => x.tool === 'python')!.argv!;
    assert.deepEqual(argv.slice(0, 5), ['-m', 'accelerate.commands.launch', `--config_file=${acc}`, `--num_processes=${processes}`, '-m']);
    assert.ok(argv.includes(`--per_device_train_batch_size=${perDevice}`) && argv.includes(`--gradient_accumulation_steps=${accum}`), argv.join(' '));
    assert.deepEqual(r.result.ok && r.result.r.plan?.batch, { processes, processesFrom: 'accelerate config', perDevice, gradientAccumulation: accum, effective: 16 });
  });
}

test('processes from the visible GPUs (CUDA_VISIBLE_DEVICES) when nothing else says: `trl dpo --num_processes=3`, and a global batch they do not divide is refused', async () => {
  const saved = process.env.CUDA_VISIBLE_DEVICES;
  process.env.CUDA_VISIBLE_DEVICES = '0,1,2';
  try {
    let r = await train(config({ batchSize: 12, processes: undefined, gradientAccumulationSteps: undefined, trl: { command: [standin('trl')], saveSteps: 4 } }), {});
    assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
    assert.deepEqual(r.record[0].argv?.slice(0, 2), ['dpo', '--num_processes=3']);
    assert.deepEqual(r.result.ok && r.result.r.plan?.batch, { processes: 3, processesFrom: 'visible GPUs', perDevice: 2, gradientAccumulation: 2, effective: 12 });
    r = await train(config({ batchSize: 16, processes: undefined, gradientAccumulationSteps: undefined, trl: { command: [standin('trl')] } }), {});
    assert.equal(r.result.ok, false);
    assert.match(!r.result.ok ? r.result.e.message : '', /trainer\.batchSize \(16, the global batch\) is not a multiple of the 3 training processes \(visible GPUs\)/);
    assert.deepEqual(r.record, [], 'nothing was started');
  } finally {
    if (saved === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
    else process.env.CUDA_VISIBLE_DEVICES = saved;
  }
});

test('a bare --bf16 (what the old command line passed) is refused by the contract-checking stand-in, as TRL refuses it', async () => {
  const r = await train(config({ extraArgs: ['--bf16'], trl: { command: [standin('trl')] } }), {});
  assert.equal(r.result.ok, false);
  const msg = !r.result.ok ? r.result.e.message : '';
  assert.match(msg, /trainer exited with code 2/);
  assert.match(msg, /argument --bf16: expected one argument/);
});

test('`python -m trl.cli dpo` (the old venv form) fails as Python fails it: trl.cli is a package without __main__', async () => {
  const r = await train(config({ trl: { command: [standin('python'), '-m', 'trl.cli'] } }), {});
  assert.equal(r.result.ok, false);
  assert.match(!r.result.ok ? r.result.e.message : '', /No module named trl\.cli\.__main__; 'trl\.cli' is a package and cannot be directly executed/);
});

test('a model path beginning with "-" arrives as one value (--flag=value), and the stand-in (TRL\'s parser) takes it', async () => {
  const weird = path.join(root, '-odd-model');
  const r = await train(config({ trl: { command: [standin('trl')], saveSteps: 4 } }), {}, { base: { iteration: 1, name: '-odd-model', path: weird, madeBy: 'base' } });
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.equal(r.record[0].argv?.filter((a) => a.includes('-odd-model')).length, 1);
  assert.ok(r.record[0].argv?.includes(`--model_name_or_path=${weird}`));
});

test('SFT (kind sft): `trl sft` with loss on the completion only, no DPO flags, made by trl-sft', async () => {
  const cfg = config({ learningRate: 5.5e-6, minLearningRate: 1.1e-6, trl: { command: [standin('trl')], saveSteps: 4 } });
  const r = await train(cfg, {}, { kind: 'sft' });
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  const argv = r.record[0].argv!;
  assert.deepEqual(argv.slice(0, 2), ['sft', '--num_processes=1']);
  assert.ok(argv.includes('--completion_only_loss=true'));
  assert.ok(argv.includes('--lr_scheduler_kwargs={"lr_end":0.0000011,"power":1}'), argv.join(' '));
  assert.ok(!argv.some((a) => a.startsWith('--beta') || a.startsWith('--disable_dropout')), 'no DPO-only flags');
  assert.equal(r.result.ok && r.result.r.model.madeBy, 'trl-sft');
});

test('SFT with a venv python: python -m trl.scripts.sft (one process), checked against the SFT parser', async () => {
  const r = await train(config({ trl: { python: standin('python'), saveSteps: 4 } }), {}, { kind: 'sft' });
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record[0].argv, ['-m', 'trl.scripts.sft', ...baseFlags(r.trainDir, [], { kind: 'sft' })]);
});

test('dropout 0.1: the model config\'s dropout attributes are set through --model_init_kwargs (read from its config.json)', async () => {
  const model = path.join(root, 'llama-like');
  fs.mkdirSync(model, { recursive: true });
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ model_type: 'llama', attention_dropout: 0.0, hidden_size: 64, classifier_dropout: null }));
  const r = await train(config({ trl: { command: [standin('trl')], saveSteps: 4 } }), {}, { base: { iteration: 1, name: model, path: model, madeBy: 'base' } });
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.ok(r.record[0].argv?.includes('--model_init_kwargs={"attention_dropout":0.1}'), r.record[0].argv?.join(' '));
  assert.deepEqual(r.result.ok && r.result.r.plan?.dropout, { requested: 0.1, attributes: ['attention_dropout'], source: path.join(model, 'config.json') });
  // dropout 0: TRL's default (dropout disabled), nothing set
  const r0 = await train(config({ dropout: 0, trl: { command: [standin('trl')], saveSteps: 4 } }), {}, { base: { iteration: 1, name: model, path: model, madeBy: 'base' } });
  assert.ok(!r0.record[0].argv?.some((a) => a.includes('dropout')));
});

test('launcher prefix (srun …) wraps the command', async () => {
  const cfg = config({ launcher: { kind: 'prefix', prefix: [standin('srun'), '--gres=gpu:8', '--nodes=1'] }, trl: { command: [standin('trl')], saveSteps: 4 } });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  assert.deepEqual(r.record.map((x) => x.tool), ['srun', 'trl']);
  assert.deepEqual(r.record[0].argv, ['--gres=gpu:8', '--nodes=1', standin('trl'), 'dpo', '--num_processes=1', ...baseFlags(r.trainDir, DPO_DROPOUT)]);
});

test('sbatch: job script submitted with --parsable and --output, polled until done, progress from the job log', async () => {
  const cfg = config({
    launcher: { kind: 'sbatch', sbatchArgs: ['--gres=gpu:8', '--time=01:00:00'], pollSec: 0.1, sbatch: standin('sbatch'), squeue: standin('squeue'), sacct: standin('sacct'), scancel: standin('scancel') },
    trl: { command: [standin('trl')], saveSteps: 4 },
  });
  const r = await train(cfg, {});
  assert.ok(r.result.ok, !r.result.ok ? r.result.e.message : '');
  const script = path.join(r.trainDir, 'job.sbatch');
  const sb = r.record.find((x) => x.tool === 'sbatch');
  assert.deepEqual(sb?.argv, ['--parsable', `--output=${path.join(r.trainDir, 'train.log')}`, '--gres=gpu:8', '--time=01:00:00', script]);
  assert.match(fs.readFileSync(script, 'utf8'), new RegExp(`exec ${standin('trl').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} dpo --num_processes=1 --model_name_or_path=/models/base`));
  assert.ok(r.record.some((x) => x.tool === 'squeue' && x.argv?.join(' ').startsWith('-h -j ')));
  assert.ok(r.record.some((x) => x.tool === 'sacct'));
  assert.deepEqual(r.metrics.filter((m) => m.loss !== undefined).map((m) => m.step), [2, 4, 6, 8]);
});

test('sbatch job that fails: the Slurm state and the log tail in the error', async () => {
  const cfg = config({
    launcher: { kind: 'sbatch', pollSec: 0.1, sbatch: standin('sbatch'), squeue: standin('squeue'), sacct: standin('sacct'), scancel: standin('scancel') },
    trl: { command: [standin('trl')] },
  });
  const r = await train(cfg, { STANDIN_TRL_FAIL: path.join(trlFixtures, 'oom.log') });
  assert.equal(r.result.ok, false);
  const msg = !r.result.ok ? r.result.e.message : '';
  assert.match(msg, /Slurm job \d+ ended FAILED/);
  assert.match(msg, /CUDA out of memory\. Likely fix/);
});

test('CUDA OOM in the log: a clear error with the likely fix and the log tail', async () => {
  const cfg = config({ maxLength: 4096, trl: { command: [standin('trl')] } });
  const r = await train(cfg, { STANDIN_TRL_FAIL: path.join(trlFixtures, 'oom.log') });
  assert.equal(r.result.ok, false);
  const msg = !r.result.ok ? r.result.e.message : '';
  assert.match(msg, /trainer exited with code 1/);
  assert.match(msg, /CUDA out of memory\. Likely fix: lower trainer\.perDeviceBatchSize \(now 2\): gradient accumulation grows to keep the global batch \(trainer\.batchSize 8\)/);
  assert.match(msg, /trainer\.maxLength \(now 4096\)/);
  assert.match(msg, /gradientCheckpointing/);
  assert.match(msg, /LoRA adapter/);
  assert.match(msg, /torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 3\.91 GiB/);
  assert.match(msg, new RegExp(`Last lines of ${path.join(r.trainDir, 'train.log').replace(/[/.]/g, '\\$&')}`));
});

test('non-zero exit without OOM: the exit code and the tail, no OOM advice', async () => {
  const cfg = config({ trl: { command: [standin('trl')], saveSteps: 4 } });
  const r = await train(cfg, { STANDIN_EXIT: '3' });
  const msg = !r.result.ok ? r.result.e.message : '';
  assert.match(msg, /trainer exited with code 3/);
  assert.doesNotMatch(msg, /out of memory/);
  assert.match(msg, /train_runtime/);
});

test('stop: SIGTERM to the group, the trainer and its workers are gone (checked in /proc)', async () => {
  const cfg = config({ trl: { command: [standin('trl')], saveSteps: 4, stopGraceSec: 2 } });
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
  const cfg = config({ trl: { command: [standin('trl')], saveSteps: 4 } });
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
    trl: { command: [standin('trl')], saveSteps: 4 },
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

test('venv python forms: python -m trl.scripts.dpo (one process); python -m accelerate.commands.launch --num_processes=N -m trl.scripts.dpo', () => {
  const py = '/opt/venvs/trl/bin/python';
  assert.deepEqual(trlCommand('dpo', config({ trl: { python: py } }).trainer, 1, ['--x=1']), [py, '-m', 'trl.scripts.dpo', '--x=1']);
  assert.deepEqual(trlCommand('sft', config({ trl: { python: py } }).trainer, 4, ['--x=1']), [py, '-m', 'accelerate.commands.launch', '--num_processes=4', '-m', 'trl.scripts.sft', '--x=1']);
  assert.deepEqual(trlCommand('dpo', config({ accelerateConfig: '/a/fsdp.yaml', trl: { python: py } }).trainer, 8, ['--x=1']), [
    py, '-m', 'accelerate.commands.launch', '--config_file=/a/fsdp.yaml', '--num_processes=8', '-m', 'trl.scripts.dpo', '--x=1',
  ]);
  // accelerate without a config file, behind a launcher prefix
  assert.deepEqual(trlCommand('dpo', config({ launcherPrefix: ['srun', '-N', '2'], trl: { launch: 'accelerate' } }).trainer, 2, []), ['srun', '-N', '2', 'accelerate', 'launch', '--num_processes=2', '-m', 'trl.scripts.dpo']);
});
