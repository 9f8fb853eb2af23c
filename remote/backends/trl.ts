/**
 * DPO training with TRL. The agent writes nothing but the command line: the pipeline has written the rows
 * (req.datasetFile); they are put as `train.jsonl` in a folder of their own, which `--dataset_name <folder>` loads
 * (datasets' local-folder loader picks the `train` split from the file name).
 *
 * Command (flags as documented for `trl dpo` — ModelConfig: model_name_or_path, use_peft, lora_r, lora_alpha;
 * ScriptArguments: dataset_name; DPOConfig/TrainingArguments: output_dir, beta, learning_rate, lr_scheduler_type,
 * per_device_train_batch_size, gradient_accumulation_steps, num_train_epochs, max_length, bf16, logging_steps,
 * save_steps, gradient_checkpointing, report_to, seed — huggingface.co/docs/trl clis + dpo_trainer):
 *   [launcher prefix] trl dpo <flags>
 *   [launcher prefix] accelerate launch [--config_file F] -m trl.scripts.dpo <flags>  (multi-GPU / DeepSpeed / FSDP:
 *      the accelerate config carries it; `accelerate launch --config_file` as in TRL's "Distributing Training").
 *      Not `-m trl.cli dpo`: trl/cli.py's `dpo` itself calls accelerate's launch_command on trl/scripts/dpo.py
 *      (checked in huggingface/trl trl/cli.py), so under `accelerate launch` every rank would launch again.
 * or the same inside a Slurm job script submitted with `sbatch --parsable` and waited on with squeue/sacct.
 *
 * Progress: chokidar watches the output folder for `checkpoint-*\/trainer_state.json`, and stdout is parsed; both
 * go through trainerProgress.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { watch } from 'chokidar';
import type { ModelEntry, RunConfig, TrainMetrics, TrainerConfig } from '../protocol';
import type { TrainRequest, TrainResult, TrainerBackend } from './types';
import { lineSplitter, runShort, spawnManaged, type ManagedProcess } from './processes';
import { shellQuote } from '../shellQuote';
import { TrainerProgress, parseTrainerState } from './trainerProgress';
import { sleep } from '../inference/signals';

/** The served name of iteration t's model, the same for every backend that makes one. */
export function servedNameFor(iteration: number): string {
  return `selfreward-m${iteration}`;
}

export function trlFlags(req: Pick<TrainRequest, 'baseModel' | 'config'>, datasetDir: string, outputDir: string, seed: number): string[] {
  const c = req.config;
  const base = req.baseModel;
  // A LoRA model trains from the base weights it applies to (vLLM serves one adapter at a time on the base).
  const from = base.adapterBase ?? base.path ?? base.name;
  const f = [
    '--model_name_or_path', from,
    '--dataset_name', datasetDir,
    '--output_dir', outputDir,
    '--beta', String(c.beta),
    '--learning_rate', String(c.learningRate),
    '--lr_scheduler_type', c.lrScheduler,
    '--per_device_train_batch_size', String(c.batchSize),
    '--gradient_accumulation_steps', String(c.gradientAccumulationSteps),
    '--num_train_epochs', String(c.epochs),
    '--logging_steps', '1',
    '--save_steps', String(c.trl?.saveSteps ?? 50),
    '--report_to', 'none',
    '--seed', String(seed),
  ];
  if (c.maxLength !== undefined) f.push('--max_length', String(c.maxLength));
  if (c.lora) f.push('--use_peft', '--lora_r', String(c.lora.r), '--lora_alpha', String(c.lora.alpha));
  if (c.bf16) f.push('--bf16');
  if (c.trl?.gradientCheckpointing) f.push('--gradient_checkpointing');
  return [...f, ...(c.extraArgs ?? [])];
}

/** The full command line (before a sbatch job script wraps it). */
export function trlCommand(c: TrainerConfig, flags: string[]): string[] {
  const t = c.trl ?? {};
  const launch = t.launch ?? (c.accelerateConfig ? 'accelerate' : 'trl');
  let cmd: string[];
  if (launch === 'accelerate') {
    const acc = t.accelerateCommand ?? (t.python ? [t.python, '-m', 'accelerate.commands.launch'] : ['accelerate', 'launch']);
    cmd = [...acc, ...(c.accelerateConfig ? ['--config_file', c.accelerateConfig] : []), '-m', 'trl.scripts.dpo', ...flags];
  } else {
    cmd = [...(t.command ?? (t.python ? [t.python, '-m', 'trl.cli', 'dpo'] : ['trl', 'dpo'])), ...flags];
  }
  const prefix = c.launcher?.kind === 'prefix' ? c.launcher.prefix : c.launcherPrefix;
  return [...(prefix ?? []), ...cmd];
}

const OOM_RE = /CUDA out of memory|torch\.(?:cuda\.)?OutOfMemoryError|CUDA error: out of memory/;

export class TrainerError extends Error {}

/** A clear error for a failed run: the cause, the likely fix, the log tail and where the full log is. */
export function trainFailure(what: string, tail: string[], logFile: string, c: TrainerConfig): TrainerError {
  const oom = tail.some((l) => OOM_RE.test(l));
  const head = oom
    ? `${what}: CUDA out of memory. Likely fix: lower trainer.batchSize (now ${c.batchSize}) and raise ` +
      `trainer.gradientAccumulationSteps to keep the effective batch, lower trainer.maxLength` +
      `${c.maxLength ? ` (now ${c.maxLength})` : ''}, set trainer.trl.gradientCheckpointing: true` +
      `${c.lora ? '' : ', or train a LoRA adapter (trainer.lora {r, alpha})'}; with several GPUs use an accelerate ` +
      `config with DeepSpeed ZeRO-3 or FSDP (trainer.accelerateConfig).`
    : what;
  return new TrainerError(`${head}\nLast lines of ${logFile}:\n${tail.join('\n')}`);
}

export class TrlTrainer implements TrainerBackend {
  /** `beforeTrain`: e.g. stop the managed vLLM server, which holds most of the GPU memory training needs. */
  constructor(private readonly config: RunConfig, private readonly hooks: { beforeTrain?(): Promise<void> } = {}) {}

  async train(req: TrainRequest): Promise<TrainResult> {
    if (req.kind !== 'dpo') throw new Error(`this trainer does not do ${req.kind} yet`);
    const c = req.config;
    await this.hooks.beforeTrain?.();
    fs.mkdirSync(req.trainDir, { recursive: true });
    const datasetDir = path.join(req.trainDir, 'dataset');
    const outputDir = path.join(req.trainDir, 'output');
    const logFile = path.join(req.trainDir, 'train.log');
    const target = path.join(datasetDir, 'train.jsonl');
    if (path.resolve(req.datasetFile) !== path.resolve(target)) {
      fs.mkdirSync(datasetDir, { recursive: true });
      fs.copyFileSync(req.datasetFile, target);
    }
    const cmd = trlCommand(c, trlFlags(req, datasetDir, outputDir, this.config.seed + req.iteration));
    const progress = new TrainerProgress(req.onMetrics);
    const onLine = (l: string): void => {
      progress.line(l);
      req.onLog?.(l);
    };
    const watcher = watchCheckpoints(outputDir, progress);
    try {
      if (c.launcher?.kind === 'sbatch') await this.runSbatch(req, cmd, logFile, onLine);
      else await this.runLocal(req, cmd, logFile, onLine);
      await watcher.flush();
    } finally {
      await watcher.close();
    }
    const isAdapter = fs.existsSync(path.join(outputDir, 'adapter_config.json'));
    if (!isAdapter && !fs.existsSync(path.join(outputDir, 'config.json'))) {
      throw new TrainerError(`trainer finished but saved no model (config.json or adapter_config.json) in ${outputDir}; see ${logFile}`);
    }
    const t = req.iteration + 1;
    const base = req.baseModel;
    const model: ModelEntry = {
      iteration: t,
      name: servedNameFor(t),
      servedName: servedNameFor(t),
      path: outputDir,
      madeBy: 'trl',
      ...(isAdapter ? { adapterBase: base.adapterBase ?? base.path ?? base.name } : {}),
    };
    const final: TrainMetrics = progress.latest;
    return { model, final };
  }

  private async runLocal(req: TrainRequest, cmd: string[], logFile: string, onLine: (l: string) => void): Promise<void> {
    // Unbuffered Python: the log dicts (stdout) must not lag behind the progress bar (stderr).
    const env = { ...process.env, PYTHONUNBUFFERED: '1' };
    const proc: ManagedProcess = spawnManaged(cmd, { logFile, cwd: req.trainDir, onLine, env, mergeStderr: true });
    const grace = (req.config.trl?.stopGraceSec ?? 30) * 1000;
    const onAbort = (): void => void proc.stop(grace);
    req.signal.addEventListener('abort', onAbort, { once: true });
    if (req.signal.aborted) onAbort();
    try {
      const r = await proc.exited;
      if (req.signal.aborted) throw new TrainerError(`training stopped (${cmd[0]} pid ${proc.pid})`);
      if (r.code !== 0) {
        throw trainFailure(`trainer exited with ${r.signal ? `signal ${r.signal}` : `code ${r.code}`}: ${cmd.map(shellQuote).join(' ')}`, proc.tail(30), logFile, req.config);
      }
    } finally {
      req.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Slurm: a job script with the command, `sbatch --parsable`, squeue until it leaves the queue, sacct for the end. */
  private async runSbatch(req: TrainRequest, cmd: string[], logFile: string, onLine: (l: string) => void): Promise<void> {
    const l = req.config.launcher as Extract<TrainerConfig['launcher'], { kind: 'sbatch' }>;
    const script = path.join(req.trainDir, 'job.sbatch');
    fs.writeFileSync(
      script,
      `#!/bin/bash\n#SBATCH --job-name=selfreward-it${req.iteration}\n` +
        `cd ${shellQuote(req.trainDir)}\nexport PYTHONUNBUFFERED=1\nexec ${cmd.map(shellQuote).join(' ')}\n`,
      { mode: 0o755 },
    );
    const sub = await runShort([l.sbatch ?? 'sbatch', '--parsable', `--output=${logFile}`, ...(l.sbatchArgs ?? []), script]);
    const jobId = sub.stdout.trim().split(';')[0];
    if (sub.code !== 0 || !/^\d+$/.test(jobId)) {
      throw new TrainerError(`sbatch failed (code ${sub.code}): ${(sub.stderr || sub.stdout).trim()}`);
    }
    onLine(`submitted Slurm job ${jobId}`);
    const tail: string[] = [];
    let offset = 0;
    const split = lineSplitter((line) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      onLine(line);
    });
    const readLog = (): void => {
      if (!fs.existsSync(logFile)) return;
      const fd = fs.openSync(logFile, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= offset) return;
        const buf = Buffer.alloc(size - offset);
        fs.readSync(fd, buf, 0, buf.length, offset);
        offset = size;
        split.push(buf.toString('utf8'));
      } finally {
        fs.closeSync(fd);
      }
    };
    const pollMs = (l.pollSec ?? 15) * 1000;
    for (;;) {
      readLog();
      if (req.signal.aborted) {
        await runShort([l.scancel ?? 'scancel', jobId]);
        throw new TrainerError(`training stopped (Slurm job ${jobId} cancelled)`);
      }
      const q = await runShort([l.squeue ?? 'squeue', '-h', '-j', jobId, '-o', '%T']);
      if (q.code === 0 && !q.stdout.trim()) break; // left the queue
      await sleep(pollMs, req.signal).catch(() => undefined); // an abort is handled at the top of the loop
    }
    readLog();
    split.end();
    const acct = await runShort([l.sacct ?? 'sacct', '-n', '-X', '-P', '-j', jobId, '-o', 'State,ExitCode']);
    const [state, exit] = acct.stdout.trim().split('\n')[0]?.split('|') ?? [];
    if (state !== 'COMPLETED') {
      throw trainFailure(`Slurm job ${jobId} ended ${state || 'in an unknown state'}${exit ? ` (exit ${exit})` : ''}`, tail, logFile, req.config);
    }
  }
}

/** Watch `<output>/checkpoint-*\/trainer_state.json` (created or rewritten) and feed each to the progress parser. */
export function watchCheckpoints(outputDir: string, progress: TrainerProgress): { flush(): Promise<void>; close(): Promise<void> } {
  fs.mkdirSync(outputDir, { recursive: true });
  // Checkpoints left by an earlier (killed) attempt are not this run's progress.
  const since = Date.now() - 1000;
  const read = (file: string): void => {
    if (path.basename(file) !== 'trainer_state.json') return;
    try {
      progress.state(parseTrainerState(JSON.parse(fs.readFileSync(file, 'utf8')), file));
    } catch {
      /* written while we read it: the next change event brings the whole file */
    }
  };
  const w = watch(outputDir, {
    depth: 2,
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 },
    ignored: (p, stats) => !!stats?.isFile() && path.basename(p) !== 'trainer_state.json',
  });
  w.on('add', read).on('change', read);
  return {
    // A checkpoint saved just before exit may not have reached the watcher yet: read what is there.
    async flush() {
      for (const d of fs.readdirSync(outputDir).filter((n) => /^checkpoint-\d+$/.test(n)).sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)))) {
        const f = path.join(outputDir, d, 'trainer_state.json');
        if (fs.existsSync(f) && fs.statSync(f).mtimeMs >= since) read(f);
      }
    },
    close: () => w.close(),
  };
}
