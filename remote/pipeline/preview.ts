/**
 * Rubric preview: judge each sample K times with a DRAFT rubric through the run's current model, streaming every
 * parsed sample as it arrives. Nothing is written to the run folder. Seeds derive from (rubric hash, sample id), so
 * the same draft gives the same preview and an edit shows only the effect of the edit.
 *
 * Meta-judge preview (`metaJudge`): the draft is a meta-judge template; each sample carries two judgments of its
 * answer, asked K times in each order (results 0..K−1: A/B, K..2K−1: B/A), each result naming the judgment the
 * verdict picked.
 */
import type { PreviewSample, RunConfig } from '../protocol';
import type { ModelEndpoint } from '../backends/types';
import { InferenceClient } from '../inference/client';
import { arrayTasks, runPool } from '../inference/pool';
import { describeError } from '../inference/retry';
import { anySignal } from '../inference/signals';
import { setMaxListeners } from 'node:events';
import { fillRubric, rubricHash } from '../rubric/template';
import { fillMetaTemplate, parseVerdict, rubricCriteria } from '../rubric/metaTemplate';
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
  onResult(r: { sampleId: string; sample: number; score: number | null; parseOk: boolean; text: string; order?: 'ab' | 'ba'; winner?: 0 | 1 | null }): void;
  /** preview a meta-judge template instead: the judge rubric whose criteria fill {{rubric}} */
  metaJudge?: { rubric: string; temperature: number; topP: number; maxTokens: number };
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
  if (opts.metaJudge) return previewMeta(opts, client, seedBase, signal).finally(() => linked.dispose());
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

async function previewMeta(opts: PreviewOptions, client: InferenceClient, seedBase: number, signal: AbortSignal): Promise<void> {
  const meta = opts.metaJudge!;
  const rubric = rubricCriteria(meta.rubric);
  const asks = opts.samples.filter((s) => s.judgments).flatMap((s) => (['ab', 'ba'] as const).map((order) => ({ s, order })));
  await runPool(
    opts.concurrency ?? 32,
    arrayTasks(asks, async ({ s, order }) => {
      const [a, b] = order === 'ab' ? s.judgments! : [s.judgments![1], s.judgments![0]];
      const offset = order === 'ab' ? 0 : opts.k;
      try {
        const r = await client.chat(
          {
            prompt: fillMetaTemplate(opts.rubric, { rubric, instruction: s.prompt, response: s.answer, a, b }),
            n: opts.k,
            temperature: meta.temperature,
            topP: meta.topP,
            maxTokens: meta.maxTokens,
            seed: requestSeed(seedBase, 0, 'preview-meta', `${s.id}/${order}`),
          },
          signal,
        );
        r.choices.forEach((c, i) => {
          const v = parseVerdict(c.text);
          const winner = v === null ? null : (v === 'A') === (order === 'ab') ? 0 : 1;
          opts.onResult({ sampleId: s.id, sample: offset + i, score: null, parseOk: v !== null, text: c.text, order, winner });
        });
      } catch (e) {
        if (signal.aborted) throw e;
        const text = `request failed: ${describeError(e)}`;
        for (let i = 0; i < opts.k; i++) opts.onResult({ sampleId: s.id, sample: offset + i, score: null, parseOk: false, text, order, winner: null });
      }
    }),
    signal,
  );
}
