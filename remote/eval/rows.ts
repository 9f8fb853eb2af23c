/**
 * The per-model view of a run's evaluation results — one row per model (SFT baseline first, then M0, M1, M2 …, then
 * endpoints), each with its latest win rate, multi-turn score, judge agreement and head-to-heads. The Evaluation
 * section of the dashboard, its trend charts and the iteration report all read these rows, so they show the same
 * numbers, which are the result files' own. Pure: no Node imports (bundled into the webview).
 */
import type { EvalModelRef, EvalResultRef, HeadToHeadSummary, JudgeAgreement, MultiTurnSummary, WinRateSummary } from '../protocol';

export interface ModelEvalRow {
  model: EvalModelRef;
  winRate?: { summary: WinRateSummary; promptSet: string; judge: string; file: string };
  multiTurn?: { summary: MultiTurnSummary; promptSet: string; judge: string; file: string };
  judgeAgreement?: { agreement: JudgeAgreement; promptSet: string; file: string };
  headToHead: { against: EvalModelRef; summary: HeadToHeadSummary; judge: string; promptSet: string; file: string }[];
}

const order = (m: EvalModelRef): number => (m.role === 'sft-baseline' ? -1 : m.iteration ?? Number.MAX_SAFE_INTEGER);

export function evalRows(results: readonly EvalResultRef[]): ModelEvalRow[] {
  const rows = new Map<string, ModelEvalRow>();
  const rowOf = (m: EvalModelRef): ModelEvalRow => {
    let r = rows.get(m.key);
    if (!r) rows.set(m.key, (r = { model: m, headToHead: [] }));
    return r;
  };
  // oldest first, so a later result of the same kind replaces an earlier one
  for (const e of [...results].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))) {
    const row = rowOf(e.model);
    if (e.kind === 'winRate' && e.winRate) row.winRate = { summary: e.winRate, promptSet: e.promptSet, judge: e.judge, file: e.file };
    else if (e.kind === 'multiTurn' && e.multiTurn) row.multiTurn = { summary: e.multiTurn, promptSet: e.promptSet, judge: e.judge, file: e.file };
    else if (e.kind === 'judge' && e.judgeAgreement) row.judgeAgreement = { agreement: e.judgeAgreement, promptSet: e.promptSet, file: e.file };
    else if (e.kind === 'headToHead' && e.headToHead && e.against) {
      row.headToHead = row.headToHead.filter((h) => h.against.key !== e.against!.key).concat({ against: e.against, summary: e.headToHead, judge: e.judge, promptSet: e.promptSet, file: e.file });
    }
  }
  return [...rows.values()].sort((a, b) => order(a.model) - order(b.model) || a.model.key.localeCompare(b.model.key));
}

/** Trend series over the policy models (x = the model's iteration), for the dashboard's and the report's charts. */
export function evalTrends(rows: readonly ModelEvalRow[]): { name: string; unit: 'percent' | 'score' | 'chars'; points: { x: number; y: number }[] }[] {
  const policy = rows.filter((r) => r.model.role !== 'sft-baseline' && r.model.iteration !== undefined);
  const series = (name: string, unit: 'percent' | 'score' | 'chars', pick: (r: ModelEvalRow) => number | null | undefined) => ({
    name, unit,
    points: policy.map((r) => ({ x: r.model.iteration as number, y: pick(r) })).filter((p): p is { x: number; y: number } => typeof p.y === 'number' && Number.isFinite(p.y)),
  });
  return [
    series('win rate %', 'percent', (r) => (r.winRate?.summary.winRate ?? null) === null ? null : r.winRate!.summary.winRate! * 100),
    series('LC win rate %', 'percent', (r) => (r.winRate?.summary.lcWinRate ?? null) === null ? null : r.winRate!.summary.lcWinRate! * 100),
    series('MT score (1–10)', 'score', (r) => r.multiTurn?.summary.mean),
    series('mean answer length', 'chars', (r) => r.winRate?.summary.meanLength),
  ];
}
