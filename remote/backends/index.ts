/**
 * Backend selection from the run config: how the model is served (inference) and how it is trained (trainer).
 *   sim       built-in simulated server and trainer (createSimBackends)
 *   external  any OpenAI-compatible base URL(s) you run; the API key comes from the environment variable named by
 *             model.apiKeyEnv and stays in memory (never written to the run folder)
 * vllm / trl / openai come with the backends issue.
 */
import type { ModelEntry, RunConfig } from '../protocol';
import type { InferenceBackend, ModelEndpoint, TrainerBackend } from './types';
import { createSimBackends } from './sim/backend';

export function apiKeyFrom(envName: string | undefined): string | undefined {
  if (!envName) return undefined;
  const key = process.env[envName];
  if (!key) throw new Error(`environment variable ${envName} (model.apiKeyEnv) is not set`);
  return key;
}

/** An already-running OpenAI-compatible server: nothing to start or stop. */
export function externalInference(config: RunConfig): InferenceBackend {
  const baseUrls = config.model.baseUrls;
  if (!baseUrls?.length) throw new Error('model.baseUrls: required for backend "external"');
  const apiKey = apiKeyFrom(config.model.apiKeyEnv);
  return {
    async ensureServing(model: ModelEntry): Promise<ModelEndpoint> {
      return { baseUrls, model: model.servedName ?? model.name, ...(apiKey ? { apiKey } : {}) };
    },
    async stop(): Promise<void> {},
  };
}

export function selectBackends(config: RunConfig, runDir: string): { inference: InferenceBackend; trainer: TrainerBackend } {
  let sim: ReturnType<typeof createSimBackends> | undefined;
  const simBackends = () => (sim ??= createSimBackends(config, runDir));
  let inference: InferenceBackend;
  switch (config.model.backend) {
    case 'sim':
      inference = simBackends().inference;
      break;
    case 'external':
      inference = externalInference(config);
      break;
    default:
      throw new Error(`model.backend "${config.model.backend}" is not available in this build yet (use "sim" or "external")`);
  }
  let trainer: TrainerBackend;
  switch (config.trainer.backend) {
    case 'sim':
      trainer = simBackends().trainer;
      break;
    default:
      throw new Error(`trainer.backend "${config.trainer.backend}" is not available in this build yet (use "sim")`);
  }
  return { inference, trainer };
}
