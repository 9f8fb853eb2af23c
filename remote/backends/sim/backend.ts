/**
 * The sim backends for config.model.backend === 'sim' / trainer.backend === 'sim': an in-process simulated server
 * started lazily on first use, and the simulated trainer (DPO, or SFT for the SFT iteration) writing into the
 * iteration's train folder.
 */
import * as path from 'node:path';
import type { ModelEntry, RunConfig, TrainMetrics } from '../../protocol';
import type { InferenceBackend, ModelEndpoint, TrainerBackend, TrainRequest, TrainResult } from '../types';
import { faultRatesFromEnv } from './faults';
import { type SimServer, startSimServer } from './server';
import { simSft, simTrain } from './trainer';

export function createSimBackends(config: RunConfig, runDir: string): { inference: InferenceBackend; trainer: TrainerBackend } {
  let server: Promise<SimServer> | undefined;

  const inference: InferenceBackend = {
    async ensureServing(model: ModelEntry, signal?: AbortSignal): Promise<ModelEndpoint> {
      if (signal?.aborted) throw new Error('aborted');
      if (!server) {
        // fault rates: the run config's, else the SELFREWARD_SIM_FAULT_* environment (off when neither is set)
        const sim = config.model.sim ?? {};
        server = startSimServer({ ...sim, faults: { ...faultRatesFromEnv(process.env), ...(sim.faults ?? {}) }, modelDir: runDir });
        server.catch(() => (server = undefined));
      }
      const s = await server;
      return { baseUrls: [s.baseUrl], model: model.name };
    },
    async stop(): Promise<void> {
      const s = server;
      server = undefined;
      if (s) await (await s).close();
    },
  };

  const trainer: TrainerBackend = {
    async train(req: TrainRequest): Promise<TrainResult> {
      const outputDir = path.join(req.trainDir, 'output');
      let final: TrainMetrics | undefined;
      const common = {
        model: req.baseModel.path ?? req.baseModel.name,
        modelDir: runDir,
        data: req.datasetFile,
        outputDir,
        learningRate: req.config.learningRate,
        epochs: req.config.epochs,
        batchSize: req.config.batchSize, // the global batch: the sim trains in one process, no accumulation
        seed: config.seed + req.iteration,
        signal: req.signal,
        onMetrics: (m: TrainMetrics) => {
          final = m;
          req.onMetrics(m);
        },
        onLog: req.onLog,
      };
      if (req.kind === 'sft') {
        const result = await simSft({ ...common, minLearningRate: req.config.minLearningRate });
        return { model: { iteration: req.iteration + 1, name: result.model, path: result.model, madeBy: 'sim-sft' }, final };
      }
      const result = await simTrain({ ...common, beta: req.config.beta });
      return { model: { iteration: req.iteration + 1, name: result.model, path: result.model, madeBy: 'sim-train' }, final };
    },
  };

  return { inference, trainer };
}
