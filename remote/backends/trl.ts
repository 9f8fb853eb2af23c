/**
 * Training with TRL: DPO for the self-rewarding iterations, SFT (prompt-completion rows, loss on the completion
 * only) for the SFT step. The agent writes nothing but the command line: the rows (req.datasetFile) go as
 * `train.jsonl` into a folder of their own, which `--dataset_name=<folder>` loads (datasets' local-folder loader
 * picks the `train` split from the file name).
 *
 * Command lines (checked against the real parsers: remote/backends/argv-contract, README there):
 *   trl dpo|sft --num_processes=N <flags>                          (the console script; what TRL's parser does not
 *        know goes to `accelerate launch`, so --num_processes reaches accelerate)
 *   python -m trl.scripts.dpo|sft <flags>                           (trl.python, one process; the scripts have a
 *        __main__ guard; `python -m trl.cli` does not run: trl.cli is a package without __main__)
 *   python -m accelerate.commands.launch --num_processes=N -m trl.scripts.dpo|sft <flags>   (trl.python, several)
 *   accelerate launch [--config_file=F] --num_processes=N -m trl.scripts.dpo|sft <flags>   (an accelerate config:
 *        multi-GPU / DeepSpeed / FSDP / multi-node)
 * every one optionally behind a launcher prefix (srun …) or inside a Slurm job script (`sbatch --parsable`, squeue,
 * sacct). Every value is passed as `--flag=value` (a model path or folder starting with "-" stays one value), every
 * boolean with an explicit value (`--bf16=true`: bf16 is `bool | None` in TrainingArguments and takes one).
 *
 * Progress: chokidar watches the output folder for `checkpoint-*\/trainer_state.json`, and stdout is parsed; both
 * go through trainerProgress.ts. LoRA: the adapter is merged into full weights after training (loraMerge.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { watch } from 'chokidar';
import type { ModelEntry, RunConfig, TrainerConfig } from '../protocol';
import type { TrainKind, TrainRequest, TrainResult, TrainerBackend } from './types';
import { lineSplitter, runShort, spawnManaged, type ManagedProcess } from './processes';
import { shellQuote } from '../shellQuote';
import { TrainerProgress, parseTrainerState } from './trainerProgress';
import { sleep } from '../inference/signals';
import { trainingPlan, type TrainingPlan } from './trainingPlan';
import { mergeLora } from './loraMerge';

/** The served name of iteration t's model, the same for every backend that makes one. */
export function servedNameFor(iteration: number): string {
  return `selfreward-m${iteration}`;
}

/** The weights a training run starts from: M_t's folder (a merged LoRA model is a full model) or its hub id. */
export function startingWeights(base: ModelEntry): string {
  return base.adapterBase ?? base.path ?? base.name;
}

const flag = (name: string, value: string | number | boolean): string => `--${name}=${typeof value === 'boolean' ? String(value) : value}`;

/** The script's flags (ModelConfig, ScriptArguments, DPOConfig / SFTConfig and TrainingArguments fields). */
export function trlFlags(kind: TrainKind, req: Pick<TrainRequest, 'baseModel' | 'config'>, plan: TrainingPlan, datasetDir: string, outputDir: string, seed: number): string[] {
  const c = req.config;
  const f = [
    flag('model_name_or_path', startingWeights(req.baseModel)),
    flag('dataset_name', datasetDir),
    flag('output_dir', outputDir),
    ...(kind === 'dpo' ? [flag('beta', c.beta)] : []),
    flag('learning_rate', c.learningRate),
    flag('lr_scheduler_type', plan.schedule.type),
    ...(plan.schedule.kwargs ? [flag('lr_scheduler_kwargs', JSON.stringify(plan.schedule.kwargs))] : []),
    flag('per_device_train_batch_size', plan.batch.perDevice),
    flag('gradient_accumulation_steps', plan.batch.gradientAccumulation),
    flag('num_train_epochs', c.epochs),
    flag('logging_steps', 1),
    flag('save_steps', c.trl?.saveSteps ?? 50),
    flag('report_to', 'none'),
    flag('seed', seed),
  ];
  // SFT: loss on the completion only (SFTTrainer infers it from prompt-completion rows; said explicitly here)
  if (kind === 'sft') f.push(flag('completion_only_loss', true));
  if (c.maxLength !== undefined) f.push(flag('max_length', c.maxLength));
  if (c.lora) f.push(flag('use_peft', true), flag('lora_r', c.lora.r), flag('lora_alpha', c.lora.alpha));
  if (c.bf16 !== undefined) f.push(flag('bf16', c.bf16));
  if (c.trl?.gradientCheckpointing !== undefined) f.push(flag('gradient_checkpointing', c.trl.gradientCheckpointing));
  if (plan.dropout.requested > 0 && kind === 'dpo') f.push(flag('disable_dropout', false));
  if (plan.dropout.attributes.length) {
    f.push(flag('model_init_kwargs', JSON.stringify(Object.fromEntries(plan.dropout.attributes.map((k) => [k, plan.dropout.requested])))));
  }
  return [...f, ...(c.extraArgs ?? [])];
}

/** The full command line (before a sbatch job script wraps it). */
export function trlCommand(kind: TrainKind, c: TrainerConfig, processes: number, flags: string[]): string[] {
  const t = c.trl ?? {};
  const launch = t.launch ?? (c.accelerateConfig ? 'accelerate' : 'trl');
  const script = `trl.scripts.${kind}`;
  const nproc = flag('num_processes', processes);
  let cmd: string[];
  if (launch === 'accelerate' || (t.python && !t.command && processes > 1)) {
    const acc = t.accelerateCommand ?? (t.python ? [t.python, '-m', 'accelerate.commands.launch'] : ['accelerate', 'launch']);
    cmd = [...acc, ...(c.accelerateConfig ? [flag('config_file', c.accelerateConfig)] : []), nproc, '-m', script, ...flags];
  } else if (t.python && !t.command) {
    cmd = [t.python, '-m', script, ...flags];
  } else {
    cmd = [...(t.command ?? ['trl']), kind, nproc, ...flags];
  }
  return [...launcherPrefix(c), ...cmd];
}

function launcherPrefix(c: TrainerConfig): string[] {
  return (c.launcher?.kind === 'prefix' ? c.launcher.prefix : c.launcherPrefix) ?? [];
}

const OOM_RE = /CUDA out of memory|torch\.(?:cuda\.)?OutOfMemoryError|CUDA error: out of memory/;

export class TrainerError extends Error {}

/** A clear error for a failed run: the cause, the likely fix, the log tail and where the full log is. */
export function trainFailure(what: string, tail: string[], logFile: string, c: TrainerConfig, perDevice?: number): TrainerError {
  const oom = tail.some((l) => OOM_RE.test(l));
  const head = oom
    ? `${what}: CUDA out of memory. Likely fix: lower trainer.perDeviceBatchSize${perDevice ? ` (now ${perDevice})` : ''}: ` +
      `gradient accumulation grows to keep the global batch (trainer.batchSize ${c.batchSize}); lower trainer.maxLength` +
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
    const c = req.config;
    const kind = req.kind;
    // the plan first: a batch the processes cannot divide is refused before the server is stopped
    const from = startingWeights(req.baseModel);
    const plan = await trainingPlan(c, from);
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
    const cmd = trlCommand(kind, c, plan.batch.processes, trlFlags(kind, req, plan, datasetDir, outputDir, this.config.seed + req.iteration));
    req.onLog?.(`training plan: ${plan.batch.processes} process(es) (${plan.batch.processesFrom}) × ${plan.batch.perDevice} per device × ${plan.batch.gradientAccumulation} accumulation = ${plan.batch.effective} per step; ` +
      `lr ${plan.schedule.from} → ${plan.schedule.to} (${plan.schedule.type}); dropout ${plan.dropout.requested}${plan.dropout.attributes.length ? ` on ${plan.dropout.attributes.join(', ')}` : ` not applied (${plan.dropout.source})`}`);
    const progress = new TrainerProgress(req.onMetrics);
    const onLine = (l: string): void => {
      progress.line(l);
      req.onLog?.(l);
    };
    const watcher = watchCheckpoints(outputDir, progress);
    try {
      if (c.launcher?.kind === 'sbatch') await this.runSbatch(req, cmd, logFile, onLine, plan.batch.perDevice);
      else await this.runLocal(req, cmd, logFile, onLine, plan.batch.perDevice);
      await watcher.flush();
    } finally {
      await watcher.close();
    }
    const isAdapter = fs.existsSync(path.join(outputDir, 'adapter_config.json'));
    if (!isAdapter && !fs.existsSync(path.join(outputDir, 'config.json'))) {
      throw new TrainerError(`trainer finished but saved no model (config.json or adapter_config.json) in ${outputDir}; see ${logFile}`);
    }
    const t = req.iteration + 1;
    let model: ModelEntry = { iteration: t, name: servedNameFor(t), servedName: servedNameFor(t), path: outputDir, madeBy: kind === 'sft' ? 'trl-sft' : 'trl' };
    if (isAdapter) {
      // LoRA keeps the chain: the adapter is merged into M_t's weights, and M_{t+1} is that full model
      const merged = path.join(req.trainDir, 'merged');
      req.onLog?.(`merging the LoRA adapter into ${from} (peft merge_and_unload) → ${merged}`);
      await mergeLora({
        python: c.trl?.python ?? 'python3',
        prefix: launcherPrefix(c),
        base: from,
        adapter: outputDir,
        out: merged,
        bf16: c.bf16,
        logFile: path.join(req.trainDir, 'merge.log'),
        cwd: req.trainDir,
        signal: req.signal,
        onLine: req.onLog,
      });
      model = { ...model, path: merged, lora: { adapter: outputDir, base: from, chain: 'merged' } };
    }
    return { model, final: progress.latest, plan };
  }

  private async runLocal(req: TrainRequest, cmd: string[], logFile: string, onLine: (l: string) => void, perDevice: number): Promise<void> {
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
        throw trainFailure(`trainer exited with ${r.signal ? `signal ${r.signal}` : `code ${r.code}`}: ${cmd.map(shellQuote).join(' ')}`, proc.tail(30), logFile, req.config, perDevice);
      }
    } finally {
      req.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Slurm: a job script with the command, `sbatch --parsable`, squeue until it leaves the queue, sacct for the end. */
  private async runSbatch(req: TrainRequest, cmd: string[], logFile: string, onLine: (l: string) => void, perDevice: number): Promise<void> {
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
      throw trainFailure(`Slurm job ${jobId} ended ${state || 'in an unknown state'}${exit ? ` (exit ${exit})` : ''}`, tail, logFile, req.config, perDevice);
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
