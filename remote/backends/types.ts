/**
 * The seams between the pipeline and the things that serve and train models. `sim` implements them for the demo
 * and tests; vLLM / external endpoints / TRL / OpenAI implement them for real runs. Chosen from the run config.
 */
import type { ModelEntry, RunConfig, TrainMetrics, TrainerConfig } from '../protocol';
import type { TrainingPlan } from './trainingPlan';

/** How to reach a served model through the `openai` package. */
export interface ModelEndpoint {
  /** OpenAI-compatible base URLs (…/v1); requests are spread over them. */
  baseUrls: string[];
  /** the `model` field of requests */
  model: string;
  /** held in memory only, never written to the run folder */
  apiKey?: string;
}

export interface InferenceBackend {
  /** Make iteration t's model servable (start or restart a server, load an adapter) and say how to reach it. */
  ensureServing(model: ModelEntry, signal?: AbortSignal): Promise<ModelEndpoint>;
  /** Stop whatever this backend started (no orphan processes). */
  stop(): Promise<void>;
}

/** What a training run optimises: DPO on preference rows, or supervised fine-tuning on prompt → completion rows. */
export type TrainKind = 'dpo' | 'sft';

export interface TrainRequest {
  /** dpo: datasetFile holds preference rows (rows.ts trlRow); sft: prompt-completion rows (rows.ts sftRow), loss on
   * the completion only. DPO-only settings (beta) are ignored for sft. */
  kind: TrainKind;
  runDir: string;
  iteration: number;
  /** the model to start from (M_t; for DPO also the reference model) */
  baseModel: ModelEntry;
  /** iterations/<t>/train — the backend's working folder (dataset, output, logs) */
  trainDir: string;
  /** rows already written (train.jsonl), in config.rowFormat */
  datasetFile: string;
  config: TrainerConfig;
  signal: AbortSignal;
  onMetrics(m: TrainMetrics): void;
  onLog?(line: string): void;
}

export interface TrainResult {
  /** the trained model; the caller sets its iteration, role and label before registering it */
  model: ModelEntry;
  final?: TrainMetrics;
  /** what the trainer was told (TRL: processes, per-device batch, accumulation, effective batch, schedule,
   * dropout), for the iteration manifest */
  plan?: TrainingPlan;
}

export interface TrainerBackend {
  train(req: TrainRequest): Promise<TrainResult>;
}

export type BackendFactory = (config: RunConfig, runDir: string) => { inference: InferenceBackend; trainer: TrainerBackend };
