/**
 * Rubric preview: judge each sample K times with a DRAFT rubric through the run's current model, streaming every
 * parsed sample as it arrives. Nothing is written to the run folder. Seeds derive from (rubric hash, sample id), so
 * the same draft gives the same preview and an edit shows only the effect of the edit.
 */
import type { PreviewSample, RunConfig } from '../protocol';
import type { ModelEndpoint } from '../backends/types';
import { InferenceClient } from '../inference/client';
import { arrayTasks, runPool } from '../inference/pool';
import { describeError } from '../inference/retry';
import { anySignal } from '../inference/signals';
import { setMaxListeners } from 'node:events';
import { fillRubric, rubricHash } from '../rubric/template';
import { parseScore } from './scoreParser';
import { requestSeed } from './seeds';

export interface PreviewOptions {
  rubric: string;
  samples: PreviewSample[];
  k: number;
  endpoint: ModelEndpoint;
  judge: RunConfig['judge'];
  concurrency?: number;
  signal: AbortSignal;
  onResult(r: { sampleId: string; sample: number; score: number | null; parseOk: boolean; text: string }): void;
  /** retries per request (default 2: a preview should answer quickly or say it failed) */
  maxRetries?: number;
  timeoutMs?: number;
}

export async function previewJudge(opts: PreviewOptions): Promise<void> {
  const client = new InferenceClient(opts.endpoint, { maxRetries: opts.maxRetries ?? 2, timeoutMs: opts.timeoutMs ?? 60_000, baseDelayMs: 200 });
  const hash = rubricHash(opts.rubric);
  const linked = anySignal([opts.signal]);
  setMaxListeners(0, linked.signal);
  const signal = linked.signal;
  const seedBase = parseInt(hash.slice(0, 7), 16);
  await runPool(
    opts.concurrency ?? 32,
    arrayTasks(opts.samples, async (s) => {
      try {
        const r = await client.chat(
          {
            prompt: fillRubric(opts.rubric, s.prompt, s.answer),
            n: opts.k,
            temperature: opts.judge.temperature,
            topP: opts.judge.topP,
            maxTokens: opts.judge.maxTokens,
            seed: requestSeed(seedBase, 0, 'preview', s.id),
          },
          signal,
        );
        r.choices.forEach((c, sample) => {
          const p = parseScore(c.text, opts.judge.scoreMin, opts.judge.scoreMax);
          opts.onResult({ sampleId: s.id, sample, score: p.score, parseOk: p.parseOk, text: c.text });
        });
      } catch (e) {
        if (signal.aborted) throw e;
        const text = `request failed: ${describeError(e)}`;
        for (let sample = 0; sample < opts.k; sample++) opts.onResult({ sampleId: s.id, sample, score: null, parseOk: false, text });
      }
    }),
    signal,
  ).finally(() => linked.dispose());
}
