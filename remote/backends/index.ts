/**
 * Backend selection from the run config: how the model is served (inference) and how it is trained (trainer).
 *   sim       built-in simulated server and trainer (createSimBackends)
 *   external  any OpenAI-compatible base URL(s) you run; the API key comes from the environment variable named by
 *             model.apiKeyEnv and stays in memory (never written to the run folder)
 *   vllm      a vLLM server the agent starts and swaps between iterations (vllm.ts)
 *   openai    OpenAI's API (inference and DPO fine-tuning, openaiDpo.ts)
 * Trainers: sim (the sim model only), trl (TRL DPO and SFT via trl/accelerate, trl.ts), openai (openaiDpo.ts). With no
 * trainer.backend in the config, the model backend's own trainer (config.ts DEFAULT_TRAINER); external must name one.
 */
import type { ModelEntry, RunConfig } from '../protocol';
import type { InferenceBackend, ModelEndpoint, TrainerBackend } from './types';
import { createSimBackends } from './sim/backend';
import { VllmBackend } from './vllm';
import { TrlTrainer } from './trl';
import { OpenAiDpoTrainer, withOpenAiDefaults } from './openaiDpo';
import { getSecret } from '../secrets';
import { trainerMismatch } from '../config/config';

export function apiKeyFrom(envName: string | undefined): string | undefined {
  if (!envName) return undefined;
  // a key handed over by VS Code (secrets/set, memory only) first, then the agent's environment
  const key = getSecret(envName);
  if (!key) throw new Error(`no API key for ${envName} (model.apiKeyEnv): run "Self-Rewarding: Set API Key…" in VS Code, or set ${envName} in the agent's environment`);
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
  // the config's cross-field rules (validateConfig) again, for configs that did not come through it: a real model is
  // never trained by the simulation, nor the simulated model by a real trainer
  const problem = trainerMismatch(config);
  if (problem) throw new Error(problem);
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
    case 'vllm':
      inference = new VllmBackend(config, runDir);
      break;
    case 'openai':
      // OpenAI's API is an external endpoint with a key: api.openai.com and OPENAI_API_KEY unless configured
      inference = externalInference(withOpenAiDefaults(config));
      break;
  }
  let trainer: TrainerBackend;
  switch (config.trainer.backend) {
    case 'sim':
      trainer = simBackends().trainer;
      break;
    case 'trl':
      // A managed vLLM server holds the GPUs' memory: stop it before training (ensureServing restarts it after).
      trainer = new TrlTrainer(config, inference instanceof VllmBackend ? { beforeTrain: () => inference.stop() } : {});
      break;
    case 'openai':
      trainer = new OpenAiDpoTrainer(config);
      break;
  }
  return { inference, trainer };
}
