/**
 * Checkpoint selection on a fixture run, in this process or as a child (`node --import tsx selectionRun.ts <runDir>
 * <delayMs>`, so a test can kill -9 it mid-way): iteration 1 trained three sim checkpoints — one like the start, one
 * writing much longer answers, one much shorter — and a fixture judge that prefers the longer answer (position A on
 * equal lengths, a bias the both-orders rule turns into ties).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateConfig } from '../../remote/config/config';
import { setQuiet } from '../../remote/log';
import { Run, RunStore } from '../../remote/store/runStore';
import { selectBackends } from '../../remote/backends';
import { BASE_POLICY, savePolicy } from '../../remote/backends/sim/policy';
import { InferenceClient } from '../../remote/inference/client';
import { loadSeed } from '../../remote/seed';
import { writeJsonAtomic } from '../../remote/store/atomic';
import type { PairwiseJudge } from '../../remote/eval/headToHead';
import { runCheckpointSelection, type SelectionRecord } from '../../remote/pipeline/checkpointSelection';
import type { StageContext } from '../../remote/pipeline/context';
import { sleep } from '../../remote/inference/signals';

setQuiet(true);

export const CHECKPOINT_LENGTH_WEIGHTS: Record<string, number> = { 'checkpoint-1': 0, 'checkpoint-2': 40, 'checkpoint-3': -40 };

/** A run whose iteration 1 trained the three checkpoints; M2 registered as the trainer's final output. */
export function makeSelectionRun(runsDir: string, prompts = 10): string {
  const config = validateConfig({
    name: 'selection', seed: 5, model: { backend: 'sim', name: 'sim-base', sim: { zeroLatency: true, malformedJudgmentRate: 0 } },
    seedData: [{ path: 'builtin:demo' }], eval: { checkpointSelection: { mode: 'compare', maxPrompts: prompts } },
  });
  const run = new RunStore(runsDir).create(config, { agentVersion: 't', rubricText: 'x {{instruction}} {{response}} Score:' });
  const out = path.join(run.iterationDir(1), 'train', 'output');
  for (const [name, w] of Object.entries(CHECKPOINT_LENGTH_WEIGHTS)) {
    savePolicy(path.join(out, name), { ...BASE_POLICY, parent: 'sim-base', weights: { ...BASE_POLICY.weights, length: w } });
  }
  savePolicy(out, { ...BASE_POLICY, parent: 'sim-base', weights: { ...BASE_POLICY.weights, length: -40 } });
  writeJsonAtomic(path.join(out, 'trainer_state.json'), { global_step: 3 });
  run.registerModel({ iteration: 2, name: out, path: out, madeBy: 'sim-train' });
  const dir = run.dir;
  run.close();
  return dir;
}

export function longerAnswerJudge(delayMs: number): PairwiseJudge {
  return {
    async compare(_p, a, b, signal) {
      if (delayMs) await sleep(delayMs, signal);
      return { verdict: b.length > a.length ? 'B' : 'A', text: `lengths ${a.length} / ${b.length}` };
    },
  };
}

export async function selectOnce(runDir: string, delayMs: number): Promise<SelectionRecord> {
  const run = Run.open(runDir, { write: true });
  const backends = selectBackends(run.config, run.dir);
  try {
    const unused = new InferenceClient({ baseUrls: ['http://127.0.0.1:9/v1'], model: 'unused' }, { maxRetries: 1, timeoutMs: 10_000 });
    const ctx: StageContext = {
      run, t: 1, runSeed: run.config.seed, concurrency: 4, modelIn: run.modelFor(1)!, model: unused, generator: unused, trainer: backends.trainer,
      params: { prompts: run.config.prompts, candidates: run.config.candidates, judge: run.config.judge, pairs: run.config.pairs, review: run.config.review, trainer: run.config.trainer },
      rubric: { ...run.latestRubric() }, seed: loadSeed(run.config.seedData), signal: new AbortController().signal,
    };
    await runCheckpointSelection(ctx, backends.inference, { judge: longerAnswerJudge(delayMs) });
    return JSON.parse(fs.readFileSync(path.join(run.iterationDir(1), 'selection', 'selection.json'), 'utf8')) as SelectionRecord;
  } finally {
    await backends.inference.stop();
    run.close();
  }
}

if (require.main === module) {
  selectOnce(process.argv[2], Number(process.argv[3] ?? 0)).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(String(e?.stack ?? e) + '\n');
      process.exit(1);
    },
  );
}
