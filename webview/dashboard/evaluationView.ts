/**
 * The dashboard's Evaluation section: a row per model (SFT baseline, M0/M1, M2, …) with its win rate against the
 * reference answers (95 % Wilson interval), the length-controlled win rate, unreadable verdicts (counted apart),
 * the multi-turn score, judge agreement with people (per-group correlations with the number of groups skipped as
 * undefined, and pooled), the mean answer length on the win-rate set, and its head-to-heads; then trend charts over
 * the models. Every number comes from the run's eval/*.json files, carried by `eval.finished` events into the
 * snapshot (remote/eval/rows.ts builds the rows, the same ones the report prints). The trend row (trends.ts) also
 * gets each model's win rate, LC win rate and multi-turn score, M_t at iteration t (the iteration it answered).
 */
import type { EvalResultRef, JudgeAgreement } from '../../remote/protocol';
import { evalRows, evalTrends, type ModelEvalRow } from '../../remote/eval/rows';
import { lineChart } from '../../remote/charts';
import { renderSvg } from '../components/charts/renderSvg';
import { h } from '../components/dom';
import { fmtNum, fmtPct } from './format';
import { addTrendSource } from './trends';

const HEAD = ['Model', 'Win rate (95 % CI)', 'LC win rate', 'Unreadable', 'MT score', 'Judge agreement', 'Mean length', 'Head-to-head'];

function judgeCell(a: JudgeAgreement | undefined): (string | HTMLElement)[] {
  if (!a) return ['–'];
  const groups = a.correlationGroups ?? a.groups - a.undefinedCorrelations;
  return [
    `acc ${fmtPct(a.pairwiseAccuracy)} · ρ ${fmtNum(a.spearman, 2)} `,
    h('span', { class: 'muted', title: 'per group, averaged over the groups where ρ is defined; the others are skipped' }, `(${groups} groups, ${a.undefinedCorrelations} undefined)`),
    ` · pooled ρ ${fmtNum(a.spearmanPooled ?? null, 2)}`,
  ];
}

function row(r: ModelEvalRow): HTMLElement {
  const w = r.winRate?.summary;
  const m = r.multiTurn?.summary;
  const ci = w?.winRateCi ? ` (${fmtPct(w.winRateCi[0])}–${fmtPct(w.winRateCi[1])})` : '';
  const cell = (field: string, title: string | undefined, ...content: (string | HTMLElement)[]): HTMLElement =>
    h('td', { 'data-field': field, class: field === 'model' || field === 'headToHead' || field === 'judge' ? undefined : 'num', title }, ...content);
  return h(
    'tr',
    { 'data-model': r.model.key },
    cell('model', r.model.name, r.model.label),
    cell('winRate', r.winRate ? `${w!.wins} wins, ${w!.ties} ties, ${w!.losses} losses of ${w!.n} · ${r.winRate.promptSet} · judge ${r.winRate.judge}` : undefined, w ? `${fmtPct(w.winRate)}${ci}` : '–'),
    cell('lcWinRate', w?.lc ? `AlpacaEval 2.0 GLM, C = ${fmtNum(w.lc.C, 4)}` : undefined, fmtPct(w?.lcWinRate)),
    cell('unreadable', 'verdicts that could not be read: not ties, in no rate', w ? String(w.unreadable) : '–'),
    cell('mtScore', m ? `${r.multiTurn!.promptSet} · turn 1 ${fmtNum(m.turn1)} · turn 2 ${fmtNum(m.turn2)} · ${m.unreadable} unreadable, ${m.outOfRange} off the scale` : undefined, fmtNum(m?.mean ?? null)),
    cell('judge', r.judgeAgreement?.promptSet, ...judgeCell(r.judgeAgreement?.agreement)),
    cell('meanLength', w ? `reference answers: ${fmtNum(w.referenceMeanLength, 0)} chars` : undefined, w ? fmtNum(w.meanLength, 0) : '–'),
    cell('headToHead', r.headToHead.map((x) => `${x.promptSet} · judge ${x.judge}`).join('\n') || undefined,
      r.headToHead.map((x) => `vs ${x.against.label}: ${x.summary.wins}/${x.summary.ties}/${x.summary.losses}${x.summary.unreadable ? ` (+${x.summary.unreadable} unreadable)` : ''}`).join(' · ') || '–'),
  );
}

export function evaluationView(evals: readonly EvalResultRef[] | undefined): HTMLElement {
  const rows = evalRows(evals ?? []);
  if (!rows.length) {
    return h('div', { class: 'evaluation-empty muted' }, 'No evaluation yet. Turn on eval.afterIteration in the run config (the demo does), or run "Evaluate Win Rate…", "Evaluate Multi-Turn…" or "Compare Models…".');
  }
  const trends = evalTrends(rows);
  const chart = (unit: 'percent' | 'score' | 'chars', title: string, yLabel: string): HTMLElement => {
    const series = trends.filter((t) => t.unit === unit && t.points.length > 0);
    return h('div', { class: 'chart-box', 'data-chart': `eval-${unit}` }, series.length
      ? renderSvg(lineChart(series, { title, xLabel: 'model (M_t)', yLabel, width: 320, height: 180 }))
      : h('div', { class: 'chart-empty muted' }, `${title}: no data yet`));
  };
  return h(
    'div',
    { class: 'evaluation' },
    h('table', { class: 'iteration-table evaluation-table' },
      h('thead', null, h('tr', null, ...HEAD.map((t) => h('th', null, t)))),
      h('tbody', null, ...rows.map(row))),
    h('div', { class: 'charts' },
      chart('percent', 'Win rate vs reference', '%'),
      chart('score', 'Multi-turn score', '1–10'),
      chart('chars', 'Mean answer length', 'chars')),
  );
}

addTrendSource((snapshot) => {
  const trends = evalTrends(evalRows(snapshot.evals ?? []));
  const pick = (unit: 'percent' | 'score'): { name: string; points: { x: number; y: number }[] }[] => trends.filter((t) => t.unit === unit && t.points.length).map(({ name, points }) => ({ name, points }));
  const charts = [
    { key: 'eval-winrate', title: 'Win rate vs reference (%)', yDomain: { min: 0, max: 100 }, series: pick('percent') },
    { key: 'eval-multiturn', title: 'Multi-turn score (1–10)', yDomain: { min: 1, max: 10 }, series: pick('score') },
  ];
  return charts.filter((c) => c.series.length);
});
