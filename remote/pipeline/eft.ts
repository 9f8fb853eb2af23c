/**
 * Iteration 0, stage `eft`: evaluation fine-tuning data, the paper's EFT.
 *
 * 1. Groups: the seed's ranked groups (Open Assistant trees, the labelled-set format) with at least two distinct
 *    human ranks, in the configured language, once per instruction, and not an instruction IFT took — so IFT, EFT
 *    train and EFT eval prompts are disjoint. In an order drawn from the run seed, at most `maxGroups`; the first
 *    `evalFraction` of them are the eval split. Written to groups.jsonl.
 * 2. The SFT baseline judges every answer with the run's rubric (the text the loop will use; the manifest records
 *    it): once per answer of the train split (baseline-judgments.jsonl), K times per answer of the eval split
 *    (agreement.jsonl: the baseline's judge-agreement samples, whose first sample makes the eval rows).
 * 3. Rows: a group's samples are kept when the baseline's scores order its scored answers as people did (a judge
 *    tie between answers people ranked apart is a disagreement); then, per split, the most frequent score is
 *    down-sampled to the count of the second most frequent (the paper's score 4). A row is {the filled rubric →
 *    the baseline's justification ending in `Score: x`}: eft-train.jsonl, eft-eval.jsonl.
 * Everything after the judging is a pure function of the files, so a resume rebuilds the same rows.
 */
import type { EftGroupRecord, EftRow, GroupJudgmentRecord, SftConfig } from '../protocol';
import type { ClientOptions } from '../inference/client';
import type { InferenceBackend } from '../backends/types';
import { InferenceClient } from '../inference/client';
import { type LoadedSeed, promptKey } from '../seed/index';
import { fillRubric } from '../rubric/template';
import { modelLabel } from '../modelNames';
import { hasRanking, languageOk } from './ift';
import { judgeGroups } from './agreement';
import { isParseFailure } from './judge';
import { requestSeed } from './seeds';
import type { StageContext, StageCounts } from './context';

type Split = EftGroupRecord['split'];

/** The EFT groups of a seed and their split (pure), with the reasons other groups were left out. */
export function splitEftGroups(
  seed: LoadedSeed,
  iftPrompts: ReadonlySet<string>,
  sft: Pick<SftConfig, 'language' | 'eft'>,
  runSeed: number,
): { groups: EftGroupRecord[]; dropped: Record<string, number> } {
  const dropped: Record<string, number> = {};
  const drop = (why: string): void => void (dropped[why] = (dropped[why] ?? 0) + 1);
  const seen = new Set<string>();
  const eligible: { g: EftGroupRecord; order: number }[] = [];
  for (const g of seed.labelled) {
    const key = promptKey(g.prompt);
    if (!hasRanking(g)) drop('too_few_ranks');
    else if (!languageOk(g.lang, sft.language)) drop('language');
    else if (seen.has(key)) drop('duplicate');
    else if (iftPrompts.has(key)) drop('ift');
    else eligible.push({ g: { id: g.group, split: 'train', prompt: g.prompt, answers: g.answers.map((a) => ({ text: a.text, rank: a.rank })) }, order: requestSeed(runSeed, 0, 'eft', key) });
    seen.add(key);
  }
  eligible.sort((a, b) => a.order - b.order);
  const n = Math.min(eligible.length, sft.eft.maxGroups ?? Infinity);
  if (eligible.length > n) dropped.over_limit = eligible.length - n;
  const nEval = n >= 2 ? Math.min(n - 1, Math.max(1, Math.round(n * sft.eft.evalFraction))) : 0;
  const groups = eligible.slice(0, n).map((e, i) => ({ ...e.g, split: (i < nEval ? 'eval' : 'train') as Split }));
  return { groups, dropped };
}

/** Does a judge order a group's scored answers as people did? At least two scored; a judge tie on a human-ranked pair disagrees. */
export function agreesWithPeople(answers: readonly { humanRank: number; score: number | null }[]): boolean {
  const scored = answers.filter((a): a is { humanRank: number; score: number } => a.score !== null);
  if (scored.length < 2) return false;
  for (let i = 0; i < scored.length; i++) {
    for (let j = i + 1; j < scored.length; j++) {
      const human = Math.sign(scored[j].humanRank - scored[i].humanRank);
      if (human !== 0 && Math.sign(scored[i].score - scored[j].score) !== human) return false;
    }
  }
  return true;
}

const histogram = (rows: readonly { score: number }[]): Record<string, number> => {
  const h: Record<string, number> = {};
  for (const r of rows) h[String(r.score)] = (h[String(r.score)] ?? 0) + 1;
  return h;
};

/**
 * Cap the most frequent score at the count of the second most frequent, keeping a seeded choice of its rows (the
 * same whatever the input order). With a single score there is nothing to balance against and every row stays.
 */
export function downsampleModal<T extends { id: string; score: number }>(rows: readonly T[], runSeed: number): { kept: T[]; before: Record<string, number>; after: Record<string, number> } {
  const before = histogram(rows);
  const counts = Object.entries(before).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
  if (counts.length < 2 || counts[0][1] === counts[1][1]) return { kept: rows.slice(), before, after: before };
  const modal = counts[0][0];
  const keep = new Set(
    rows
      .filter((r) => String(r.score) === modal)
      .map((r) => ({ id: r.id, order: requestSeed(runSeed, 0, 'eft-downsample', r.id) }))
      .sort((a, b) => a.order - b.order)
      .slice(0, counts[1][1])
      .map((r) => r.id),
  );
  const kept = rows.filter((r) => String(r.score) !== modal || keep.has(r.id));
  return { kept, before, after: histogram(kept) };
}

export interface EftRows {
  rows: EftRow[];
  agreeingGroups: number;
  before: Record<string, number>;
  after: Record<string, number>;
}

/** The rows of one split from the baseline's verdicts (sample 0 of each answer). */
export function buildEftRows(groups: readonly EftGroupRecord[], verdicts: readonly GroupJudgmentRecord[], rubricText: string, runSeed: number, downsample: boolean): EftRows {
  const byAnswer = new Map<string, GroupJudgmentRecord>();
  for (const v of verdicts) if (v.sample === 0) byAnswer.set(`${v.group}\u0000${v.answer}`, v);
  const samples: EftRow[] = [];
  let agreeingGroups = 0;
  for (const g of groups) {
    const judged = g.answers.map((a, i) => ({ a, i, v: byAnswer.get(`${g.id}\u0000${i}`) }));
    const scored = judged.filter((j): j is typeof j & { v: GroupJudgmentRecord & { score: number } } => !!j.v && j.v.parseOk && j.v.score !== null);
    if (!agreesWithPeople(scored.map((j) => ({ humanRank: j.a.rank, score: j.v.score })))) continue;
    agreeingGroups++;
    for (const j of scored) {
      samples.push({ id: `${g.id}/${j.i}`, group: g.id, split: g.split, answer: j.i, humanRank: j.a.rank, prompt: fillRubric(rubricText, g.prompt, j.a.text), completion: j.v.text, score: j.v.score });
    }
  }
  if (!downsample) return { rows: samples, agreeingGroups, before: histogram(samples), after: histogram(samples) };
  const d = downsampleModal(samples, runSeed);
  return { rows: d.kept, agreeingGroups, before: d.before, after: d.after };
}

/** What the EFT stage needs beyond a stage context: the inference backend to serve the baseline with. */
export type EftContext = Pick<StageContext, 'run' | 't' | 'params' | 'rubric' | 'runSeed' | 'concurrency' | 'seed' | 'signal'> & {
  inference: InferenceBackend;
  clientOpts: ClientOptions;
};

/** Every verdict of the SFT baseline on EFT groups: train split (baseline-judgments) and eval split (agreement). */
function baselineVerdicts(run: EftContext['run']): GroupJudgmentRecord[] {
  const baseline = run.modelFor(1, 'sft-baseline');
  const label = baseline ? modelLabel(baseline) : undefined;
  return [...run.read(0, 'baseline-judgments'), ...run.read(0, 'agreement').filter((r) => r.model === label)];
}

/** The EFT rows of both splits, from the files (what the stage writes, and what the summary reports). */
export function eftRowsFromFiles(ctx: Pick<EftContext, 'run' | 'rubric' | 'runSeed' | 'params'>): Record<Split, EftRows> {
  const groups = ctx.run.read(0, 'groups');
  const verdicts = baselineVerdicts(ctx.run);
  const down = ctx.params.sft!.eft.downsampleModal;
  const of = (split: Split): EftRows => buildEftRows(groups.filter((g) => g.split === split), verdicts.filter((v) => v.split === split), ctx.rubric.text, ctx.runSeed, down);
  return { train: of('train'), eval: of('eval') };
}

export async function runEftStage(ctx: EftContext): Promise<StageCounts> {
  const { run, params } = ctx;
  const sft = params.sft!;
  const baseline = run.modelFor(1, 'sft-baseline');
  if (!baseline) throw new Error('eft: no SFT baseline registered (models.json); the sft-baseline stage trains it');
  const iftPrompts = new Set(run.read(0, 'ift').filter((r) => r.kept).map((r) => promptKey(r.prompt)));
  const { groups, dropped } = splitEftGroups(ctx.seed, iftPrompts, sft, ctx.runSeed);
  const train = groups.filter((g) => g.split === 'train');
  const evalSplit = groups.filter((g) => g.split === 'eval');
  if (!train.length || !evalSplit.length) {
    throw new Error(`eft: ${groups.length} ranked group(s) left for EFT after IFT took ${iftPrompts.size} prompt(s) (${JSON.stringify(dropped)}); EFT needs at least 2: add ranked seed data (Open Assistant trees, labelled groups) or lower sft.ift.maxExamples`);
  }
  const durableGroups = new Set(run.read(0, 'groups').map((g) => g.id));
  const groupWriter = run.writer(0, 'groups');
  for (const g of groups) if (!durableGroups.has(g.id)) groupWriter.append(g);

  const client = new InferenceClient(await ctx.inference.ensureServing(baseline, ctx.signal), ctx.clientOpts);
  const common = { run, model: baseline, client, rubric: ctx.rubric, judge: params.judge, runSeed: ctx.runSeed, concurrency: ctx.concurrency, signal: ctx.signal, stage: 'eft' as const };
  await judgeGroups({ ...common, file: 'baseline-judgments', groups: train, n: 1 });
  await judgeGroups({ ...common, file: 'agreement', groups: evalSplit, n: params.judge.k });

  const rows = eftRowsFromFiles(ctx);
  for (const split of ['train', 'eval'] as const) {
    const file = split === 'train' ? 'eft-train' : 'eft-eval';
    const durable = new Set(run.read(0, file).map((r) => r.id));
    const w = run.writer(0, file);
    for (const r of rows[split].rows) if (!durable.has(r.id)) w.append(r);
  }
  if (!rows.train.rows.length) throw new Error(`eft: the SFT baseline's scores agreed with the human ranking in none of ${train.length} train group(s); no EFT rows to train on`);
  const verdicts = baselineVerdicts(run);
  const counts: StageCounts = {
    'groups.train': train.length,
    'groups.eval': evalSplit.length,
    judged: verdicts.length,
    parseFailures: verdicts.filter(isParseFailure).length,
    outOfRange: verdicts.filter((v) => v.outOfRange !== undefined).length,
    failed: verdicts.filter((v) => v.error).length,
    'agreeing.train': rows.train.agreeingGroups,
    'agreeing.eval': rows.eval.agreeingGroups,
    'rows.train': rows.train.rows.length,
    'rows.eval': rows.eval.rows.length,
  };
  for (const [why, n] of Object.entries(dropped)) counts[`dropped.${why}`] = n;
  return counts;
}
