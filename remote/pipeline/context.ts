/** What every stage of an iteration gets: the run, the iteration's frozen parameters, clients and the stop signal. */
import type { IterationManifest, ModelEntry } from '../protocol';
import type { Run } from '../store/runStore';
import type { TrainerBackend } from '../backends/types';
import type { InferenceClient } from '../inference/client';
import type { LoadedSeed } from '../seed/index';
import type { FailureBudget } from './failureBudget';

export interface StageContext {
  run: Run;
  t: number;
  /** the manifest's params: frozen when the iteration started, so a resume uses the same ones */
  params: IterationManifest['params'];
  rubric: IterationManifest['rubric'];
  runSeed: number;
  concurrency: number;
  modelIn: ModelEntry;
  /** the current model (candidates, judgments) */
  model: InferenceClient;
  /** the prompt generator (config.generator, or the current model) */
  generator: InferenceClient;
  trainer: TrainerBackend;
  seed: LoadedSeed;
  signal: AbortSignal;
  /** per-stage failure budgets (runIteration sets them; a stage without one records failures as before) */
  budgets?: { prompts?: FailureBudget; candidates?: FailureBudget; judgments?: FailureBudget };
}

/** Counts a stage reports for the manifest and the `stage.finished` event. */
export type StageCounts = Record<string, number>;
