/**
 * Rubric preview latency: a burst of keystrokes in the rubric, then the time from the LAST keystroke to the first
 * and to the last preview score, for 16 samples × K=3 against the sim server with its default capacity model
 * (maxConcurrency, tokens/s, time to first token as shipped). The controller runs with its real clock and the
 * default 700 ms debounce; the agent side is the pipeline's previewJudge in process, cancelled by AbortController
 * as the daemon would. Repeated, medians reported.
 */
import type { BenchResult } from './run';
import { startSimServer } from '../../remote/backends/sim/server';
import { previewJudge } from '../../remote/pipeline/preview';
import { validateConfig } from '../../remote/config/config';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { LABELLED_SEED } from '../../remote/seed/builtin/labelled';
import type { PreviewSample } from '../../remote/protocol';
import { PreviewController, type PreviewAgent, type PreviewEvent } from '../../src/rubric/previewController';

const SAMPLES = 16;
const K = 3;
const DEBOUNCE_MS = 700;
const KEYSTROKE_MS = 60;
const ROUNDS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function run(): Promise<BenchResult> {
  const sim = await startSimServer({});
  const judge = validateConfig({ name: 'bench', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }).judge;
  const samples: PreviewSample[] = LABELLED_SEED.flatMap((g) => g.answers.map((a, i) => ({ id: `${g.id}#${i}`, prompt: g.prompt, answer: a.text }))).slice(0, SAMPLES);
  const firsts: number[] = [];
  const lasts: number[] = [];
  let staleShown = 0;
  let staleDropped = 0;
  let cancels = 0;
  let previews = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const running = new Map<string, AbortController>();
      let ctl!: PreviewController;
      const agent: PreviewAgent = {
        async judge(p) {
          previews++;
          const ac = new AbortController();
          running.set(p.previewId, ac);
          void previewJudge({
            rubric: p.rubric, samples: p.samples, k: p.k, endpoint: { baseUrls: [sim.baseUrl], model: 'sim-base' }, judge, signal: ac.signal,
            onResult: (r) => {
              if (!ctl.handleResult({ previewId: p.previewId, ...r })) staleDropped++;
            },
          }).then(
            () => ctl.handleDone({ previewId: p.previewId, cancelled: false }),
            () => ctl.handleDone({ previewId: p.previewId, cancelled: true }),
          );
          return { previewId: p.previewId, accepted: p.samples.length };
        },
        async cancel(id) {
          cancels++;
          running.get(id)?.abort();
          return { cancelled: true };
        },
      };
      let lastKey = 0;
      let latestStarted = '';
      let savedId: string | undefined;
      let first: number | undefined;
      let count = 0;
      const done = new Promise<void>((resolve) => {
        ctl = new PreviewController({
          agent, debounceMs: DEBOUNCE_MS, k: K,
          onEvent: (e: PreviewEvent) => {
            if (e.kind === 'start') latestStarted = e.previewId;
            if (e.kind !== 'result') return;
            // shown although a newer preview had started: that would be a stale result
            if (e.result.previewId !== latestStarted) staleShown++;
            if (e.result.previewId !== ctl.latestDraftId || e.result.previewId === savedId) return;
            count++;
            first ??= performance.now() - lastKey;
            if (count === SAMPLES * K) {
              lasts.push(performance.now() - lastKey);
              resolve();
            }
          },
        });
      });
      ctl.setSamples(samples, undefined);
      // a save just before the burst: its preview runs while typing; only the settled burst text is timed
      ctl.saved(DEFAULT_RUBRIC + '\n');
      savedId = ctl.latestDraftId;
      let text = DEFAULT_RUBRIC;
      for (let i = 0; i < 24; i++) {
        text += i % 6 === 5 ? '\n' : 'x';
        lastKey = performance.now();
        ctl.textChanged(text);
        await new Promise((r) => setTimeout(r, KEYSTROKE_MS));
      }
      await done;
      firsts.push(first ?? NaN);
      ctl.dispose();
    }
  } finally {
    await sim.close();
  }
  const firstMs = median(firsts);
  const lastMs = median(lasts);
  return {
    name: 'rubric',
    metrics: {
      samples: SAMPLES,
      k: K,
      rounds: ROUNDS,
      debounceMs: DEBOUNCE_MS,
      keystrokeIntervalMs: KEYSTROKE_MS,
      lastKeystrokeToFirstScoreMs: Math.round(firstMs),
      lastKeystrokeToLastScoreMs: Math.round(lastMs),
      firstScoreAfterDebounceMs: Math.round(firstMs - DEBOUNCE_MS),
      lastScoreAfterDebounceMs: Math.round(lastMs - DEBOUNCE_MS),
      previewsSent: previews,
      cancelsSent: cancels,
      staleResultsDropped: staleDropped,
      staleResultsShown: staleShown,
    },
    targets: {
      // the judging itself (after the debounce) should start answering within a second on the default sim
      firstScoreAfterDebounceSec: { value: (firstMs - DEBOUNCE_MS) / 1000, target: '<= 1 s', met: firstMs - DEBOUNCE_MS <= 1000 },
      staleResultsShown: { value: staleShown, target: '= 0', met: staleShown === 0 },
      previewsPerRound: { value: previews / ROUNDS, target: '= 2 (the saved text, then the settled burst)', met: previews === 2 * ROUNDS },
    },
  };
}
