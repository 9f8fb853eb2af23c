/**
 * Judging ranked groups, and the judge agreement with people that follows from it (the paper's Table 4). A model
 * judges every answer of EFT groups n times with the run's rubric: once per answer of the train split for the SFT
 * baseline (the EFT targets, baseline-judgments.jsonl), K times per answer of the eval split for every model measured
 * (agreement.jsonl). Agreement is computed by remote/eval/metrics.ts from the mean of each answer's valid samples;
 * the results of every model measured are kept in iterations/0/agreement.json.
 *
 * Agreement uses every answer of the eval split's groups, not only the EFT rows kept from them: those were filtered
 * by the baseline's own scores, which would favour the baseline.
 */
import * as path from 'node:path';
import type { EftGroupRecord, GroupJudgmentRecord, IterationManifest, JudgeAgreement, ModelEntry } from '../protocol';
import type { InferenceClient } from '../inference/client';
import type { Run } from '../store/runStore';
import { readJsonIfExists, writeJsonAtomic } from '../store/atomic';
import { fillRubric } from '../rubric/template';
import { judgeAgreement, meanScore, type RankedGroup } from '../eval/metrics';
import { modelLabel } from '../modelNames';
import { fanOut } from './fanOut';
import { StageProgress } from './progress';
import { parseScore } from './scoreParser';
import { requestSeed } from './seeds';
import type { StageName } from '../protocol';

/** The id-safe key of a model in group-judgment ids: sft-baseline, m1, m2, … */
export const modelKey = (m: Pick<ModelEntry, 'iteration' | 'role' | 'label'>): string =>
  // a model with a label of its own (a model of another run measured here) is keyed by it
  m.label ? `l-${m.label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}` : m.role === 'sft-baseline' ? 'sft-baseline' : `m${m.iteration}`;

export const groupJudgmentId = (key: string, group: string, answer: number, sample: number): string => `${key}/${group}/${answer}/${sample}`;

export interface JudgeGroupsSpec {
  run: Run;
  file: 'baseline-judgments' | 'agreement';
  model: ModelEntry;
  client: InferenceClient;
  groups: readonly EftGroupRecord[];
  /** samples per answer */
  n: number;
  rubric: IterationManifest['rubric'];
  judge: IterationManifest['params']['judge'];
  runSeed: number;
  concurrency: number;
  signal: AbortSignal;
  /** the running stage whose progress this is (counts answers); none: judge without progress events */
  stage?: StageName;
}

/** Judge every answer of the groups n times; skips samples already durable, so a resume asks only for the rest. */
export async function judgeGroups(s: JudgeGroupsSpec): Promise<void> {
  const { run } = s;
  const key = modelKey(s.model);
  const label = modelLabel(s.model);
  const items = s.groups.flatMap((g) => g.answers.map((a, answer) => ({ g, a, answer })));
  const ids = (it: (typeof items)[number]): string[] => Array.from({ length: s.n }, (_, k) => groupJudgmentId(key, it.g.id, it.answer, k));
  const durable = new Set(run.read(0, s.file).map((r) => r.id));
  const writer = run.writer(0, s.file);
  const already = items.filter((it) => ids(it).every((id) => durable.has(id))).length;
  await fanOut<(typeof items)[number], GroupJudgmentRecord>({
    items,
    n: s.n,
    recordIds: ids,
    durable,
    request: (it) => ({
      prompt: fillRubric(s.rubric.text, it.g.prompt, it.a.text),
      temperature: s.judge.temperature,
      topP: s.judge.topP,
      maxTokens: s.judge.maxTokens,
      // the same seed for every model judging this answer: the models differ, not the draws
      seed: requestSeed(s.runSeed, 0, 'group-judge', `${it.g.id}/${it.answer}`),
    }),
    records: (it, res, error) =>
      ids(it).map((id, sample): GroupJudgmentRecord => {
        const base = { id, model: label, group: it.g.id, split: it.g.split, answer: it.answer, humanRank: it.a.rank, sample };
        if (error !== undefined || !res) return { ...base, text: '', score: null, parseOk: false, error: error ?? 'no result' };
        const text = res.choices[sample].text;
        const p = parseScore(text, s.judge.scoreMin, s.judge.scoreMax);
        return { ...base, text, score: p.score, parseOk: p.parseOk, ...(p.outOfRange !== undefined ? { outOfRange: p.outOfRange } : {}) };
      }),
    write: (recs) => writer.appendMany(recs),
    client: s.client,
    concurrency: s.concurrency,
    progress: new StageProgress(run, 0, s.stage ?? 'agreement', items.length, already, !s.stage),
    signal: s.signal,
  });
}

/**
 * Agreement of one model's samples with the human ranks (metrics.ts), from the records. With `k`, an answer's
 * samples are taken k at a time (samples 0…k−1, k…2k−1, …): each k is one measurement as the loop uses the judge
 * (the mean of k samples), and the result is the mean over those repeated measurements, with the spread of the
 * pairwise accuracy (a single measurement is returned as it is).
 */
export function agreementOf(records: readonly GroupJudgmentRecord[], label: string, scoreMax: number, k?: number): JudgeAgreement {
  const mine = records.filter((r) => r.model === label);
  const repeats = k ? Math.max(1, Math.floor(Math.max(0, ...mine.map((r) => r.sample + 1)) / k)) : 1;
  if (repeats === 1) return measuredOnce(mine, scoreMax, k ? (r) => r.sample < k : () => true);
  const each = Array.from({ length: repeats }, (_, i) => measuredOnce(mine, scoreMax, (r) => Math.floor(r.sample / k!) === i));
  const avg = (f: (a: JudgeAgreement) => number | null): number | null => {
    const xs = each.map(f).filter((x): x is number => x !== null);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  const acc = each.map((a) => a.pairwiseAccuracy).filter((x): x is number => x !== null);
  const accMean = acc.length ? acc.reduce((a, b) => a + b, 0) / acc.length : null;
  return {
    groups: each[0].groups,
    answers: each[0].answers,
    unscored: avg((a) => a.unscored)!,
    pairs: each[0].pairs,
    pairwiseAccuracy: accMean,
    perfectScored: avg((a) => a.perfectScored)!,
    fiveBest: avg((a) => a.fiveBest),
    topRatedIsBest: avg((a) => a.topRatedIsBest),
    exactMatch: avg((a) => a.exactMatch),
    spearman: avg((a) => a.spearman),
    kendallTau: avg((a) => a.kendallTau),
    undefinedCorrelations: avg((a) => a.undefinedCorrelations)!,
    repeats,
    pairwiseAccuracySd: accMean === null ? null : Math.sqrt(acc.reduce((a, x) => a + (x - accMean) ** 2, 0) / acc.length),
  };
}

function measuredOnce(records: readonly GroupJudgmentRecord[], scoreMax: number, take: (r: GroupJudgmentRecord) => boolean): JudgeAgreement {
  const byAnswer = new Map<string, { group: string; humanRank: number; scores: (number | null)[] }>();
  for (const r of records) {
    if (!take(r)) continue;
    const k = `${r.group}\u0000${r.answer}`;
    let a = byAnswer.get(k);
    if (!a) byAnswer.set(k, (a = { group: r.group, humanRank: r.humanRank, scores: [] }));
    a.scores.push(r.parseOk ? r.score : null);
  }
  const groups = new Map<string, RankedGroup>();
  for (const [k, a] of byAnswer) {
    let g = groups.get(a.group);
    if (!g) groups.set(a.group, (g = { group: a.group, answers: [] }));
    g.answers.push({ id: k, humanRank: a.humanRank, score: meanScore(a.scores) });
  }
  return judgeAgreement([...groups.values()], { scoreMax });
}

export interface AgreementResult {
  label: string;
  model: string;
  /** judge samples per answer in one measurement */
  k: number;
  /** measurements averaged (absent: one) */
  repeats?: number;
  groups: number;
  agreement: JudgeAgreement;
}

export const agreementFile = (run: Run): string => path.join(run.iterationDir(0), 'agreement.json');

export function readAgreements(run: Run): AgreementResult[] {
  return readJsonIfExists<AgreementResult[]>(agreementFile(run)) ?? [];
}

/** Compute a model's agreement from agreement.jsonl and keep it in agreement.json (one entry per model). */
export function recordAgreement(run: Run, model: ModelEntry, k: number, scoreMax: number): AgreementResult {
  const label = modelLabel(model);
  const records = run.read(0, 'agreement');
  const agreement = agreementOf(records, label, scoreMax, k);
  const result: AgreementResult = {
    label,
    model: model.name,
    k,
    ...(agreement.repeats ? { repeats: agreement.repeats } : {}),
    groups: new Set(records.filter((r) => r.model === label).map((r) => r.group)).size,
    agreement,
  };
  const all = readAgreements(run).filter((r) => r.label !== label);
  all.push(result);
  writeJsonAtomic(agreementFile(run), all);
  return result;
}

/**
 * Measure a model's judge agreement on the run's EFT eval split (after iteration 0 built it): judge, then record.
 * Used by the SFT iteration for M1 and by the demo for later models.
 */
export async function measureAgreement(
  run: Run,
  o: Omit<JudgeGroupsSpec, 'run' | 'file' | 'groups' | 'n'> & { k: number; repeats?: number },
): Promise<AgreementResult> {
  const groups = run.read(0, 'groups').filter((g) => g.split === 'eval');
  if (!groups.length) throw new Error(`${run.dir}: no EFT eval split (iteration 0 has not built one)`);
  // repeats ask for more samples of the same answers: samples already durable are kept, only the rest are asked
  await judgeGroups({ ...o, run, file: 'agreement', groups, n: o.k * (o.repeats ?? 1) });
  return recordAgreement(run, o.model, o.k, o.judge.scoreMax);
}
