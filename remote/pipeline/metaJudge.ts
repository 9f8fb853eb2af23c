/**
 * Stage 3b, meta-judge (Meta-Rewarding; only with metaJudge.enabled): the current model compares pairs of its own
 * judgments of one answer, in both orders, with the meta-judge template (one request per order, `samplesPerOrder`
 * verdicts). Verdicts go to meta-judgments.jsonl as they arrive (a resume asks only for the missing ones); then the
 * judge pairs follow from the files by judgmentPairs.ts (which candidates, position weights, Elo, drop rules) and go
 * to judge-pairs.jsonl: the judge prompt → the better judgment over the worse, with the meta-judge's reason.
 */
import * as fs from 'node:fs';
import type { CandidateRecord, JudgePairDropReason, JudgePairRecord, JudgmentRecord, MetaJudgeConfig, MetaJudgmentRecord } from '../protocol';
import { fillRubric } from '../rubric/template';
import { DEFAULT_META_JUDGE, fillMetaTemplate, parseVerdict, rubricCriteria } from '../rubric/metaTemplate';
import type { Run } from '../store/runStore';
import { fanOut } from './fanOut';
import { StageProgress } from './progress';
import { requestSeed } from './seeds';
import { type Battle, battlesFor, judgePairId, overScoreShare, pickCandidates, positionWeights, selectJudgePair, standings } from './judgmentPairs';
import type { StageContext, StageCounts } from './context';

export interface MetaStageContext extends StageContext {
  metaJudge: MetaJudgeConfig;
  metaTemplate: { version: number; hash: string; text: string };
}

/** Group records by a key. */
function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

export async function runMetaJudgeStage(ctx: MetaStageContext): Promise<StageCounts> {
  const { run, t, metaJudge: cfg } = ctx;
  const prompts = new Map(run.read(t, 'prompts').filter((p) => p.kept).map((p) => [p.id, p.text]));
  const cands = run.read(t, 'candidates').filter((c) => !c.error && prompts.has(c.promptId));
  const byCand = groupBy(run.read(t, 'judgments'), (j) => j.candidateId);
  const judgmentsOf = (id: string): JudgmentRecord[] => byCand.get(id) ?? [];
  const picked = pickCandidates(cands as (CandidateRecord & { truncated?: boolean })[], judgmentsOf, cfg.candidatesPerPrompt);
  const candById = new Map(picked.map((c) => [c.id, c]));
  const rubric = rubricCriteria(ctx.rubric.text);

  // One request per (two judgments, order); its samplesPerOrder verdicts are the records.
  const requests = picked.flatMap((c) => {
    const battles = battlesFor(c.id, judgmentsOf(c.id), cfg.samplesPerOrder);
    return [...groupBy(battles, (b) => b.id.replace(/\d+$/, '')).values()];
  });
  const durable = new Set(run.read(t, 'meta-judgments').map((r) => r.id));
  const already = requests.filter((bs) => bs.every((b) => durable.has(b.id))).length;
  const writer = run.writer(t, 'meta-judgments');
  await fanOut<Battle[], MetaJudgmentRecord>({
    items: requests,
    n: cfg.samplesPerOrder,
    recordIds: (bs) => bs.map((b) => b.id),
    durable,
    request: (bs) => {
      const b = bs[0];
      const c = candById.get(b.first.candidateId)!;
      return {
        prompt: fillMetaTemplate(ctx.metaTemplate.text, { rubric, instruction: prompts.get(c.promptId)!, response: c.text, a: b.first.text, b: b.second.text }),
        temperature: cfg.temperature,
        topP: cfg.topP,
        maxTokens: cfg.maxTokens,
        seed: requestSeed(ctx.runSeed, t, 'meta-judge', b.id.replace(/\d+$/, '')),
      };
    },
    records: (bs, res, error) =>
      bs.map((b, s): MetaJudgmentRecord => {
        const base = { id: b.id, candidateId: b.first.candidateId, promptId: b.first.promptId, iteration: t, first: b.first.id, second: b.second.id, order: b.order, sample: b.sample, templateHash: ctx.metaTemplate.hash };
        if (error !== undefined || !res) return { ...base, text: '', winner: null, parseOk: false, error: error ?? 'no result' };
        const text = res.choices[s].text;
        const v = parseVerdict(text);
        return { ...base, text, winner: v === 'A' ? b.first.id : v === 'B' ? b.second.id : null, parseOk: v !== null };
      }),
    write: (recs) => writer.appendMany(recs),
    client: ctx.model,
    concurrency: ctx.concurrency,
    progress: new StageProgress(run, t, 'meta-judge', requests.length, already),
    signal: ctx.signal,
  });

  const verdicts = run.read(t, 'meta-judgments');
  const { pairs, drops, weights } = buildJudgePairs(ctx, picked, judgmentsOf, verdicts, prompts);
  const done = new Set(run.read(t, 'judge-pairs').map((p) => p.id));
  run.commitRecords(t, 'judge-pairs', pairs.filter((p) => !done.has(p.id)));
  const counts: StageCounts = {
    candidates: picked.length,
    requests: requests.length,
    verdicts: verdicts.length,
    unreadable: verdicts.filter((v) => !v.parseOk && !v.error).length,
    failed: verdicts.filter((v) => v.error).length,
    firstPositionWins: weights.firstWins,
    secondPositionWins: weights.secondWins,
    judgePairs: pairs.length,
  };
  for (const reason of drops.values()) counts[`dropped.${reason}`] = (counts[`dropped.${reason}`] ?? 0) + 1;
  return counts;
}

/** The judge pairs of the iteration from its records (a pure function of them; see judgmentPairs.ts). */
export function buildJudgePairs(
  ctx: Pick<MetaStageContext, 't' | 'rubric' | 'metaJudge' | 'metaTemplate'>,
  picked: readonly Pick<CandidateRecord, 'id' | 'promptId' | 'text'>[],
  judgmentsOf: (candidateId: string) => JudgmentRecord[],
  verdicts: readonly MetaJudgmentRecord[],
  prompts: ReadonlyMap<string, string>,
): { pairs: JudgePairRecord[]; drops: Map<string, JudgePairDropReason>; weights: ReturnType<typeof positionWeights> } {
  const weights = positionWeights(verdicts);
  const verdictsOf = groupBy(verdicts, (v) => v.candidateId);
  const pairs: JudgePairRecord[] = [];
  const drops = new Map<string, JudgePairDropReason>();
  for (const c of picked) {
    const js = judgmentsOf(c.id);
    const vs = verdictsOf.get(c.id) ?? [];
    const ranked = standings(js, vs, weights);
    const sel = selectJudgePair(ranked, vs.filter((v) => v.winner !== null && !v.error).length, ctx.metaJudge);
    if ('drop' in sel) {
      drops.set(c.id, sel.drop);
      continue;
    }
    const byId = new Map(js.map((j) => [j.id, j]));
    const chosen = byId.get(sel.chosen.judgmentId)!;
    const rejected = byId.get(sel.rejected.judgmentId)!;
    const head = vs.filter((v) => !v.error && ((v.first === chosen.id && v.second === rejected.id) || (v.first === rejected.id && v.second === chosen.id)));
    const won = head.filter((v) => v.winner === chosen.id);
    // the reason: the fullest of the meta-judge's verdicts for the chosen over the rejected (else any it won); equal
    // lengths go by id, never by file order, which a resumed stage changes
    const fuller = (v: MetaJudgmentRecord, best: MetaJudgmentRecord) => v.text.length > best.text.length || (v.text.length === best.text.length && v.id < best.id);
    const fullest = (xs: MetaJudgmentRecord[]) => xs.reduce<MetaJudgmentRecord | undefined>((best, v) => (!best || fuller(v, best) ? v : best), undefined);
    const reasonFrom = fullest(won) ?? fullest(vs.filter((v) => v.winner === chosen.id));
    const instruction = prompts.get(c.promptId)!;
    const side = (j: JudgmentRecord) => ({ candidateId: j.id, text: j.text, score: j.score as number, scores: [j.score], chars: j.text.length });
    pairs.push({
      id: judgePairId(c.id),
      kind: 'judge',
      promptId: c.promptId,
      iteration: ctx.t,
      prompt: fillRubric(ctx.rubric.text, instruction, c.text),
      chosen: side(chosen),
      rejected: side(rejected),
      margin: Number((sel.chosen.elo - sel.rejected.elo).toFixed(3)),
      candidateId: c.id,
      instruction,
      response: c.text,
      standings: ranked,
      reason: reasonFrom?.text ?? '',
      headToHead: won.length && won.length === head.length ? 'both' : won.length ? 'one' : 'none',
      templateHash: ctx.metaTemplate.hash,
    });
  }
  const capped = overScoreShare(pairs.map((p) => ({ id: p.id, chosenScore: p.chosen.score, gap: p.margin })), ctx.metaJudge.maxChosenScoreShare);
  for (const p of pairs) if (capped.has(p.id)) drops.set(p.candidateId, 'score_share');
  return { pairs: pairs.filter((p) => !capped.has(p.id)), drops, weights };
}

/**
 * The meta-judge template an iteration starts with: the run's latest stored version; a run that has none yet stores
 * metaJudge.templateFile's text (or the built-in template) as version 1 first.
 */
export function metaTemplateFor(run: Run, cfg: MetaJudgeConfig): { version: number; hash: string; text: string } {
  const stored = run.latestTemplate('meta-judge');
  if (stored) return stored;
  let text = DEFAULT_META_JUDGE;
  if (cfg.templateFile) {
    try {
      text = fs.readFileSync(cfg.templateFile, 'utf8');
    } catch (e) {
      throw new Error(`metaJudge.templateFile ${cfg.templateFile}: cannot read: ${(e as Error).message}`);
    }
  }
  run.addTemplateVersion('meta-judge', text);
  return run.latestTemplate('meta-judge')!;
}
