/**
 * Checkpoint selection (run config `eval.checkpointSelection`; the paper's way, the default): after training, each
 * checkpoint the trainer saved (TRL `output/checkpoint-N/`, the sim trainer's `checkpoint-N/sim-policy.json`, plus
 * the final output when no checkpoint holds the last step) answers held-out prompts and is compared with the
 * previous model M_t by the evaluation judge, in both orders; the checkpoint with the best record against M_t —
 * most wins minus losses over the readable comparisons, then the later step — becomes M_{t+1} in models.json.
 * `mode: "last"` keeps the trainer's final model, as before. With one checkpoint there is nothing to choose and
 * nothing is asked.
 *
 * Recorded: iterations/<t>/selection/ holds every answer (answers-<model>.jsonl), every comparison with both
 * verdicts and the judge's texts (compare-<checkpoint>.jsonl) and selection.json (each candidate's W/T/L/unreadable
 * and rates, the choice); the manifest's `selection` stage carries the same summary. Every answer and comparison is
 * appended as it finishes, so a kill -9 resumes with what was done and the same seeds give the same choice.
 *
 * Cost: (checkpoints + 1) × prompts answers and 2 × checkpoints × prompts judge requests, plus a model switch per
 * checkpoint on backends that serve one model at a time (vLLM restarts on each checkpoint folder).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalModelRef, HeadToHeadSummary, ModelEntry } from '../protocol';
import type { InferenceBackend } from '../backends/types';
import { answerItems, type AnswerRecord } from '../eval/answers';
import { refOf, resolveJudge, withSide, type Side } from '../eval/context';
import { headToHeadCached, type PairwiseJudge } from '../eval/headToHead';
import { openAiPairwiseJudge } from '../eval/judges';
import { loadHeldOutPrompts } from '../eval/promptSets';
import { evalSettings } from '../eval/suite';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic';
import type { StageContext, StageCounts } from './context';
import { stageEvalEnv } from './evaluation';
import { StageProgress } from './progress';

export interface CheckpointCandidate {
  /** checkpoint-N, or "final" for the output folder itself */
  name: string;
  step: number | null;
  path: string;
}

export interface CandidateResult extends CheckpointCandidate {
  summary: HeadToHeadSummary | null;
}

export interface SelectionRecord {
  mode: 'compare' | 'last';
  judge: string | null;
  prompts: string | null;
  /** the model every checkpoint was compared with (M_t) */
  against: EvalModelRef;
  candidates: CandidateResult[];
  chosen: { name: string; step: number | null; path: string };
  reason: string;
  finishedAt: string;
}

/** Saved checkpoints of a trainer output folder, by step; plus the final folder when no checkpoint has its step. */
export function listCheckpoints(outputDir: string): CheckpointCandidate[] {
  if (!fs.existsSync(outputDir)) return [];
  const out: CheckpointCandidate[] = fs
    .readdirSync(outputDir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? /^checkpoint-(\d+)$/.exec(e.name) : null))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ name: m[0], step: Number(m[1]), path: path.join(outputDir, m[0]) }))
    .sort((a, b) => (a.step as number) - (b.step as number));
  const finalStep = readJsonIfExists<{ global_step?: number }>(path.join(outputDir, 'trainer_state.json'))?.global_step;
  // the output folder holds the final model (weights, or sim-policy.json) besides its checkpoints
  const hasWeights = fs.readdirSync(outputDir).some((f) => !f.startsWith('checkpoint-') && f !== 'trainer_state.json' && !f.endsWith('.log'));
  if (hasWeights && !out.some((c) => c.step === finalStep)) out.push({ name: 'final', step: finalStep ?? null, path: outputDir });
  return out;
}

/** Best record against M_t: wins − losses over the readable comparisons, then the later checkpoint. */
export function pickBest(results: readonly CandidateResult[]): CandidateResult {
  const net = (r: CandidateResult): number => (r.summary && r.summary.decided ? (r.summary.wins - r.summary.losses) / r.summary.decided : -Infinity);
  return results.reduce((best, r) => (net(r) > net(best) || (net(r) === net(best) && (r.step ?? Infinity) >= (best.step ?? Infinity)) ? r : best));
}

const selectionDir = (ctx: StageContext): string => path.join(ctx.run.iterationDir(ctx.t), 'selection');

export interface SelectionOptions {
  /** the pairwise judge (tests hand in a fixture judge); default: eval.judge on the iteration's backend */
  judge?: PairwiseJudge;
}

export async function runCheckpointSelection(ctx: StageContext, inference: InferenceBackend, opts: SelectionOptions = {}): Promise<{ counts: StageCounts; params: Record<string, unknown> }> {
  const { run, t } = ctx;
  const settings = evalSettings(run.config).checkpointSelection;
  const trained = run.modelFor(t + 1);
  if (!trained) throw new Error(`checkpoint selection: iteration ${t} registered no model to choose for`);
  const outputDir = path.join(run.iterationDir(t), 'train', 'output');
  const candidates = listCheckpoints(outputDir);
  const dir = selectionDir(ctx);
  const against = refOf(ctx.modelIn);
  const trainedPath = trained.path ?? trained.name;
  const finalStep = readJsonIfExists<{ global_step?: number }>(path.join(outputDir, 'trainer_state.json'))?.global_step;
  // the trainer's own result: the output folder, or the checkpoint saved at its last step (the same weights)
  const isFinal = (c: CheckpointCandidate): boolean => path.resolve(c.path) === path.resolve(outputDir) || (finalStep !== undefined && c.step === finalStep);
  const finish = (rec: SelectionRecord): { counts: StageCounts; params: Record<string, unknown> } => {
    fs.mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, 'selection.json'), rec);
    if (path.resolve(trainedPath) !== path.resolve(rec.chosen.path)) run.registerModel({ ...trained, name: rec.chosen.path, path: rec.chosen.path });
    return { counts: { checkpoints: rec.candidates.length, comparisons: rec.candidates.reduce((a, c) => a + (c.summary?.n ?? 0), 0) }, params: { ...rec } };
  };
  const base = { judge: null, prompts: null, against, finishedAt: new Date().toISOString() };
  if (settings.mode === 'last' || candidates.length <= 1) {
    const reason = settings.mode === 'last' ? 'mode "last": the trainer\'s final model' : candidates.length ? 'one checkpoint: nothing to choose' : 'the trainer saved no checkpoint folder: its final model';
    const last = candidates.find(isFinal) ?? candidates[candidates.length - 1];
    return finish({ mode: settings.mode, ...base, candidates: candidates.map((c) => ({ ...c, summary: null })), chosen: { name: last?.name ?? 'final', step: last?.step ?? null, path: trainedPath }, reason });
  }

  const env = stageEvalEnv({ ...ctx, client: ctx.model.opts }, inference);
  const prompts = loadHeldOutPrompts({ path: settings.prompts, format: 'auto' }, settings.maxPrompts);
  const c = ctx.params.candidates;
  const answerOpts = { temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, seed: ctx.runSeed, concurrency: ctx.concurrency, signal: ctx.signal, client: ctx.model.opts };
  const items = prompts.map((p) => ({ id: p.id, turns: [p.text] }));
  const entryOf = (cand: CheckpointCandidate): ModelEntry => ({ ...trained, name: cand.path, path: cand.path, servedName: `selfreward-m${t + 1}-${cand.name}` });
  const progress = new StageProgress(run, t, 'selection', items.length * (candidates.length + 1) + prompts.length * candidates.length);
  const answersOf = async (side: Side, file: string): Promise<Map<string, AnswerRecord>> =>
    withSide(env, side, (endpoint) => answerItems(endpoint, items, { ...answerOpts, cacheFile: path.join(dir, file), onAnswer: () => progress.add(1), onError: () => progress.add(1, 1) }));
  const prev = await answersOf({ ref: against, entry: ctx.modelIn }, `answers-${against.key}.jsonl`);
  const answers = new Map<string, Map<string, AnswerRecord>>();
  for (const cand of candidates) answers.set(cand.name, await answersOf({ ref: { ...refOf(trained), key: cand.name, label: cand.name }, entry: entryOf(cand) }, `answers-${cand.name}.jsonl`));

  // self-judging during the iteration means M_t, the model that judged it
  const judgeSide = resolveJudge(run, evalSettings(run.config).judge, ctx.modelIn);
  const results: CandidateResult[] = [];
  const judged = async (judge: PairwiseJudge): Promise<void> => {
    for (const cand of candidates) {
      const mine = answers.get(cand.name)!;
      const cmpItems = prompts
        .filter((p) => mine.has(p.id) && prev.has(p.id))
        .map((p) => ({ promptId: p.id, prompt: p.text, answerNew: mine.get(p.id)!.replies[0], answerOld: prev.get(p.id)!.replies[0] }));
      // kept as the record of the choice (never discarded)
      const { result } = await headToHeadCached(cmpItems, judge, path.join(dir, `compare-${cand.name}.jsonl`), {
        concurrency: ctx.concurrency, signal: ctx.signal, onComparison: () => progress.add(1),
      });
      const { comparisons: _c, ...summary } = result;
      results.push({ ...cand, summary });
    }
  };
  if (opts.judge) await judged(opts.judge);
  else await withSide(env, judgeSide.side, (endpoint) => judged(openAiPairwiseJudge(endpoint, { client: env.client })));
  progress.flush();
  const best = pickBest(results);
  return finish({
    mode: 'compare', judge: opts.judge ? 'fixture judge' : judgeSide.label, prompts: settings.prompts, against, candidates: results,
    // the final checkpoint is the trainer's own result: M_{t+1} stays as the trainer registered it
    chosen: { name: best.name, step: best.step, path: isFinal(best) ? trainedPath : best.path },
    reason: `best wins − losses against ${against.label} over ${prompts.length} held-out prompts`, finishedAt: new Date().toISOString(),
  });
}
