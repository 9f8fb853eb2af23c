/**
 * Iteration 0, stage `ift`: instruction fine-tuning data from the seed. Each seed prompt is a first turn with its
 * best human answer (the loaders take Open Assistant's top-ranked reply); IFT keeps those with an answer, in the
 * configured language (where a record carries one), once per instruction, at most `sft.ift.maxExamples`. Every seed
 * prompt considered becomes a record of ift.jsonl, kept or with a drop reason, as the prompt stage does.
 *
 * Which prompts fill the limit: those without a ranked group first (ranked groups are the only material EFT can use;
 * the paper kept IFT and EFT prompts disjoint), then in an order drawn from the run seed — the same whatever the
 * order of the seed files. Linear in the seed's size apart from that one sort.
 */
import type { IftDropReason, IftRecord, SftConfig } from '../protocol';
import { type LoadedSeed, promptKey } from '../seed/index';
import { requestSeed } from './seeds';
import { StageProgress } from './progress';
import { abortReason } from '../inference/signals';
import type { StageContext, StageCounts } from './context';

export const iftId = (n: number): string => `ift-${n}`;

/** Does a record pass the language filter? Records that carry no language always do. */
export const languageOk = (lang: string | undefined, wanted: string): boolean => !wanted || !lang || lang === wanted;

/** A group EFT can use: people ranked at least two of its answers apart. */
export const hasRanking = (g: { answers: readonly { rank: number }[] }): boolean => new Set(g.answers.map((a) => a.rank)).size >= 2;

/** The IFT records of a seed: every seed prompt, kept or dropped (pure: a resume rebuilds the same list). */
export function buildIft(seed: LoadedSeed, sft: Pick<SftConfig, 'language' | 'ift'>, runSeed: number): IftRecord[] {
  const ranked = new Set(seed.labelled.filter(hasRanking).map((g) => promptKey(g.prompt)));
  const seen = new Set<string>();
  const records: IftRecord[] = [];
  const eligible: { rec: IftRecord; ranked: boolean; order: number }[] = [];
  seed.prompts.forEach((p, n) => {
    const key = promptKey(p.text);
    const rec: IftRecord = { id: iftId(n), source: p.id, prompt: p.text, completion: p.answer ?? '', kept: false, ...(p.lang ? { lang: p.lang } : {}) };
    records.push(rec);
    let drop: IftDropReason | undefined;
    if (!p.answer?.trim()) drop = 'no_answer';
    else if (!languageOk(p.lang, sft.language)) drop = 'language';
    else if (seen.has(key)) drop = 'duplicate';
    seen.add(key);
    if (drop) rec.dropReason = drop;
    else eligible.push({ rec, ranked: ranked.has(key), order: requestSeed(runSeed, 0, 'ift', key) });
  });
  eligible.sort((a, b) => Number(a.ranked) - Number(b.ranked) || a.order - b.order);
  eligible.forEach((e, i) => {
    if (i < sft.ift.maxExamples) e.rec.kept = true;
    else e.rec.dropReason = 'over_limit';
  });
  return records;
}

/** Counts of a list of IFT records, as the manifest keeps them. */
export function iftCounts(records: readonly IftRecord[]): StageCounts {
  const counts: StageCounts = { considered: records.length, kept: 0 };
  for (const r of records) {
    if (r.kept) counts.kept++;
    else counts[`dropped.${r.dropReason}`] = (counts[`dropped.${r.dropReason}`] ?? 0) + 1;
  }
  return counts;
}

export async function runIftStage(ctx: Pick<StageContext, 'run' | 't' | 'params' | 'runSeed' | 'seed' | 'signal'>): Promise<StageCounts> {
  const { run, t } = ctx;
  const sft = ctx.params.sft!;
  const records = buildIft(ctx.seed, sft, ctx.runSeed);
  const durable = new Set(run.read(t, 'ift').map((r) => r.id));
  const writer = run.writer(t, 'ift');
  const progress = new StageProgress(run, t, 'ift', records.length, durable.size);
  for (const r of records) {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    if (durable.has(r.id)) continue;
    writer.append(r);
    progress.add(1);
  }
  progress.flush();
  if (!records.some((r) => r.kept)) throw new Error(`ift: no IFT example in the seed data (${records.length} prompts considered: ${JSON.stringify(iftCounts(records))}); IFT needs instructions with answers`);
  return iftCounts(records);
}
