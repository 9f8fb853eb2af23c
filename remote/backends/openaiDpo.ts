/**
 * Fine-tuning through OpenAI's fine-tuning API (platform.openai.com docs, "Direct preference optimization" and
 * "Supervised fine-tuning"; openai-node v6 `files.create`, `fineTuning.jobs.create|retrieve|listEvents|cancel`):
 *   1. DPO: the pairs as OpenAI DPO rows ({input: {messages}, preferred_output, non_preferred_output}); SFT: the
 *      examples as conversations ({messages: [user, assistant]}) → a file with purpose "fine-tune";
 *   2. a job with `method: {type: "dpo", dpo: {hyperparameters: {beta}}}` or
 *      `method: {type: "supervised", supervised: {hyperparameters: {n_epochs, batch_size}}}` (integers only;
 *      OpenAI's own learning-rate multiplier: an absolute rate has no OpenAI equivalent);
 *   3. poll the job and its events (type "metrics" events carry step / total_steps / train_loss) into progress;
 *   4. `fine_tuned_model` becomes the next iteration's model, served by the same OpenAI endpoint.
 * The job id is kept in the train folder so an agent restarted mid-job resumes waiting instead of paying twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import OpenAI, { toFile } from 'openai';
import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import type { ModelEntry, RunConfig, TrainMetrics } from '../protocol';
import type { TrainRequest, TrainResult, TrainerBackend } from './types';
import { exampleFromSftRow, openAiDpoRow, openAiSftRow, tripleFromTrlRow } from './rows';
import { forEachJsonl } from '../store/jsonl';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic';
import { getSecret } from '../secrets';
import { sleep } from '../inference/signals';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export class OpenAiTrainError extends Error {}

/** The key named by the config, from memory (handed over by VS Code) or the agent's environment. */
export function openAiKey(config: RunConfig): string {
  const name = config.model.apiKeyEnv ?? 'OPENAI_API_KEY';
  const key = getSecret(name);
  if (!key) {
    throw new OpenAiTrainError(`no API key: run "Self-Rewarding: Set API Key…" in VS Code for ${name}, or start the agent with ${name} set in its environment`);
  }
  return key;
}

function client(config: RunConfig): OpenAI {
  return new OpenAI({ apiKey: openAiKey(config), baseURL: config.model.baseUrls?.[0] ?? OPENAI_BASE_URL, maxRetries: 3, timeout: 120_000 });
}

/** The model section with OpenAI's defaults (base URL, key variable), for serving through the external backend. */
export function withOpenAiDefaults(config: RunConfig): RunConfig {
  return { ...config, model: { ...config.model, baseUrls: config.model.baseUrls ?? [OPENAI_BASE_URL], apiKeyEnv: config.model.apiKeyEnv ?? 'OPENAI_API_KEY' } };
}

interface JobRecord {
  jobId: string;
  fileId: string;
}

export class OpenAiDpoTrainer implements TrainerBackend {
  constructor(private readonly config: RunConfig) {}

  async train(req: TrainRequest): Promise<TrainResult> {
    const sft = req.kind === 'sft';
    const api = client(this.config);
    const o = req.config.openai ?? {};
    fs.mkdirSync(req.trainDir, { recursive: true });
    const jobFile = path.join(req.trainDir, 'openai-job.json');
    let rec = readJsonIfExists<JobRecord>(jobFile);
    if (rec) {
      const prev = await api.fineTuning.jobs.retrieve(rec.jobId);
      if (prev.status === 'failed' || prev.status === 'cancelled') rec = undefined; // start over
    }
    if (!rec) {
      const what = sft ? 'sft' : 'dpo';
      const rowsFile = path.join(req.trainDir, `openai-${what}.jsonl`);
      let n = 0;
      const out: string[] = [];
      forEachJsonl(req.datasetFile, (row, _offset, lineNo) => {
        const where = `${req.datasetFile}:${lineNo}`;
        out.push(JSON.stringify(sft ? openAiSftRow(exampleFromSftRow(row, where)) : openAiDpoRow(tripleFromTrlRow(row, where))));
        n++;
      });
      if (!n) throw new OpenAiTrainError(`${req.datasetFile}: no ${sft ? 'examples' : 'preference pairs'} to train on`);
      fs.writeFileSync(rowsFile, out.join('\n') + '\n');
      const file = await api.files.create({ file: await toFile(fs.readFileSync(rowsFile), `selfreward-${what}.jsonl`), purpose: 'fine-tune' });
      const c = req.config;
      const job = await api.fineTuning.jobs.create({
        model: o.model ?? req.baseModel.name,
        training_file: file.id,
        method: sft
          ? { type: 'supervised', supervised: { hyperparameters: { ...(Number.isInteger(c.epochs) ? { n_epochs: c.epochs } : {}), batch_size: c.batchSize } } }
          : { type: 'dpo', dpo: { hyperparameters: { beta: c.beta } } },
        seed: this.config.seed + req.iteration,
        ...(o.suffix ? { suffix: o.suffix } : {}),
      });
      rec = { jobId: job.id, fileId: file.id };
      writeJsonAtomic(jobFile, rec);
      req.onLog?.(`OpenAI fine-tuning job ${job.id} created (${sft ? 'supervised' : 'dpo'}, file ${file.id}, ${n} ${sft ? 'examples' : 'pairs'})`);
    }
    const job = await this.wait(api, rec.jobId, req);
    const t = req.iteration + 1;
    const model: ModelEntry = { iteration: t, name: job.fine_tuned_model!, servedName: job.fine_tuned_model!, madeBy: sft ? 'openai-sft' : 'openai', jobId: job.id };
    return { model, final: this.last };
  }

  private last: TrainMetrics | undefined;

  private async wait(api: OpenAI, jobId: string, req: TrainRequest): Promise<FineTuningJob> {
    const o = req.config.openai ?? {};
    const pollMs = (o.pollSec ?? 20) * 1000;
    const deadline = Date.now() + (o.timeoutSec ?? 86_400) * 1000;
    const seen = new Set<string>();
    for (;;) {
      if (req.signal.aborted) {
        await api.fineTuning.jobs.cancel(jobId).catch(() => undefined);
        throw new OpenAiTrainError(`training stopped (OpenAI job ${jobId} cancelled)`);
      }
      const job = await api.fineTuning.jobs.retrieve(jobId);
      const page = await api.fineTuning.jobs.listEvents(jobId, { limit: 100 });
      const fresh = page.data.filter((e) => !seen.has(e.id)).sort((a, b) => a.created_at - b.created_at);
      for (const e of fresh) {
        seen.add(e.id);
        this.event(e, req);
      }
      if (job.status === 'succeeded') {
        if (!job.fine_tuned_model) throw new OpenAiTrainError(`OpenAI job ${jobId} succeeded without a fine_tuned_model`);
        return job;
      }
      if (job.status === 'failed' || job.status === 'cancelled') {
        const why = job.error?.message ? `: ${job.error.message}${job.error.param ? ` (${job.error.param})` : ''}` : '';
        throw new OpenAiTrainError(`OpenAI fine-tuning job ${jobId} ${job.status}${why}`);
      }
      if (Date.now() > deadline) throw new OpenAiTrainError(`OpenAI job ${jobId} still ${job.status} after ${o.timeoutSec ?? 86_400} s (trainer.openai.timeoutSec); it keeps running at OpenAI`);
      await sleep(pollMs, req.signal).catch(() => undefined); // an abort is handled at the top of the loop
    }
  }

  private event(e: FineTuningJobEvent, req: TrainRequest): void {
    req.onLog?.(`[${e.level}] ${e.message}`);
    const d = e.data as Record<string, unknown> | undefined;
    if (e.type === 'metrics' && d && typeof d.step === 'number') {
      const m: TrainMetrics = { step: d.step };
      if (typeof d.total_steps === 'number') m.totalSteps = d.total_steps;
      if (typeof d.train_loss === 'number') m.loss = d.train_loss;
      this.last = m;
      req.onMetrics(m);
    }
  }
}
