/**
 * The iteration report, written into the run folder so it can be shared or committed:
 *   iterations/<t>/report.json   every number of the report
 *   iterations/<t>/report.md     the same, readable, with the charts linked
 *   iterations/<t>/*.svg         score histogram, length histogram, score vs length, length per iteration, and the
 *                                evaluation trends per model (win rate, LC win rate, MT score)
 * All numbers are computed from the run's own files (candidates/judgments/pairs JSONL, metrics.json, manifest.json,
 * eval/*.json), so the report agrees with them. The evaluation section places every model's numbers beside the
 * paper's (remote/eval/paper.ts), naming the prompt set and judge each came from. Charts come from the shared chart library (webview/components/charts,
 * pure and DOM-free) serialised with svgToString.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IterationSummary } from '../protocol';
import type { Run } from '../store/runStore';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic';
import { histogram, lineChart, scatter, svgToString, type Point } from '../charts';
import { analyseIteration, analyticsWarnings, type AnalyticsWarning, type IterationAnalytics } from './lengthAnalytics';
import { listEvalResults, listHeadToHeads, readJudgeEval, type HeadToHeadRecord, type JudgeEvalRecord } from './results';
import { evalRows, evalTrends, type ModelEvalRow } from './rows';
import { PAPER_ALPACA_EVAL, PAPER_HEAD_TO_HEAD, PAPER_JUDGE, PAPER_LENGTH, PAPER_SOURCE } from './paper';
import { meanScore } from './metrics';
import type { HeadToHeadSummary } from './headToHead';
import { countLabel as L, fmtCount, trainedPairs } from '../counts';

export interface IterationReport {
  iteration: number;
  generatedAt: string;
  status: string;
  modelIn: string;
  modelOut?: string;
  rubric: { version: number; hash: string } | null;
  /** metrics.json as the pipeline wrote it */
  metrics: IterationSummary | null;
  analytics: IterationAnalytics;
  /** compact per-iteration series 1…t for the trend charts */
  series: { iteration: number; meanChars: number | null; meanScore: number | null; parseFailureRate: number | null; tieRate: number | null; pairs: number }[];
  /** the judge evaluation of M_t (the judge of this iteration), if one was run */
  judgeEval: JudgeEvalRecord | null;
  /** head-to-heads involving the model this iteration trained (M_{t+1}) or ran (M_t) */
  headToHead: HeadToHeadRecord[];
  warnings: AnalyticsWarning[];
  /** every model's latest evaluation results (eval/*.json), one row per model */
  evaluation: ModelEvalRow[];
  charts: Record<'scoreHistogram' | 'lengthHistogram' | 'scoreVsLength' | 'trend' | 'evalTrend', string>;
}

const CHART_SIZE = { width: 560, height: 260 };

function analyse(run: Run, t: number): IterationAnalytics {
  const params = run.readManifest(t)?.params ?? run.config;
  return analyseIteration(
    t,
    { candidates: run.read(t, 'candidates'), judgments: run.read(t, 'judgments'), pairs: run.read(t, 'pairs') },
    { scoreMin: params.judge.scoreMin, scoreMax: params.judge.scoreMax, rho: params.pairs.rho, minScoredCandidates: params.pairs.minScoredCandidates },
  );
}

/** Build the report of iteration t from the run's files (no writing). */
export function buildIterationReport(run: Run, t: number, now = new Date()): IterationReport {
  if (!run.iterations().includes(t)) throw new Error(`${run.dir}: iteration ${t} has no folder`);
  const all = run.iterations().filter((i) => i <= t).map((i) => (i === t ? null : analyse(run, i)));
  const analytics = analyse(run, t);
  const series = [...all.filter((a): a is IterationAnalytics => !!a), analytics];
  const manifest = run.readManifest(t);
  const h2hAll = listHeadToHeads(run.dir);
  const h2hMap = new Map<number, HeadToHeadSummary>();
  // analyticsWarnings wants "model i+1 vs i" keyed by i
  for (const r of h2hAll) if (r.modelNew === r.modelOld + 1 && !h2hMap.has(r.modelOld)) h2hMap.set(r.modelOld, r.summary);
  return {
    iteration: t,
    generatedAt: now.toISOString(),
    status: manifest?.status ?? 'unknown',
    modelIn: manifest?.modelIn ?? run.modelFor(t)?.name ?? '?',
    modelOut: manifest?.modelOut ?? run.modelFor(t + 1)?.name,
    rubric: manifest ? { version: manifest.rubric.version, hash: manifest.rubric.hash } : null,
    metrics: run.readMetrics(t) ?? null,
    analytics,
    series: series.map((a) => ({ iteration: a.iteration, meanChars: a.length.mean, meanScore: a.candidateScore.mean, parseFailureRate: a.parseFailureRate, tieRate: a.tieRate, pairs: a.pairs })),
    judgeEval: readJudgeEval(run.dir, t) ?? null,
    headToHead: h2hAll.filter((r) => r.modelNew === t + 1 || r.modelNew === t),
    warnings: analyticsWarnings(series, h2hMap).filter((w) => w.iteration === t),
    evaluation: evalRows(listEvalResults(run.dir)),
    charts: { scoreHistogram: 'score-histogram.svg', lengthHistogram: 'length-histogram.svg', scoreVsLength: 'score-vs-length.svg', trend: 'trend.svg', evalTrend: 'eval-trend.svg' },
  };
}

/** The chart SVGs of a report, by file name. */
export function reportCharts(run: Run, r: IterationReport): Record<string, string> {
  const t = r.iteration;
  const judge = run.readManifest(t)?.params.judge ?? run.config.judge;
  // score vs length: one dot per scored candidate (its mean score)
  const byCandidate = new Map<string, (number | null)[]>();
  for (const j of run.read(t, 'judgments')) {
    const list = byCandidate.get(j.candidateId) ?? [];
    list.push(j.score);
    byCandidate.set(j.candidateId, list);
  }
  const points: Point[] = [];
  for (const c of run.read(t, 'candidates')) {
    if (c.error) continue;
    const s = meanScore(byCandidate.get(c.id) ?? []);
    if (s !== null) points.push({ x: c.chars, y: s });
  }
  const series = (pick: (s: IterationReport['series'][number]) => number | null): { x: number; y: number }[] =>
    r.series.filter((s) => pick(s) !== null).map((s) => ({ x: s.iteration, y: pick(s) as number }));
  return {
    [r.charts.scoreHistogram]: svgToString(histogram(r.analytics.sampleScoreHistogram, { ...CHART_SIZE, title: `Judge scores, iteration ${t}`, xLabel: 'score (each judge sample)', yLabel: 'samples' })),
    [r.charts.lengthHistogram]: svgToString(histogram(r.analytics.lengthHistogram, { ...CHART_SIZE, title: `Answer length, iteration ${t}`, xLabel: 'characters', yLabel: 'answers' })),
    [r.charts.scoreVsLength]: svgToString(scatter(points, { ...CHART_SIZE, title: `Score vs length, iteration ${t}`, xLabel: 'characters', yLabel: 'mean score', yDomain: { min: judge.scoreMin, max: judge.scoreMax } })),
    [r.charts.trend]: svgToString(lineChart([{ name: 'mean answer chars', points: series((s) => s.meanChars) }], { ...CHART_SIZE, title: 'Mean answer length per iteration', xLabel: 'iteration', yLabel: 'characters' })),
    [r.charts.evalTrend]: svgToString(lineChart(evalTrends(r.evaluation).filter((x) => x.unit === 'percent'), { ...CHART_SIZE, title: 'Win rate against the reference answers, per model', xLabel: 'model (M_t)', yLabel: '%' })),
  };
}

const f2 = (x: number | null | undefined, d = 2): string => (x === null || x === undefined ? '–' : x.toFixed(d));
const pc = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
const ci = (c: [number, number] | null): string => (c ? `${(c[0] * 100).toFixed(1)}–${(c[1] * 100).toFixed(1)} %` : '–');
// Markdown table cells: keep pipes and line breaks of free text from breaking the table.
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function reportMarkdown(r: IterationReport): string {
  const a = r.analytics;
  const m = r.metrics;
  const out: string[] = [];
  out.push(`# Iteration ${r.iteration} report`, '');
  const named = (name: string | undefined, p: string): string => (name ? `${name} (\`${p}\`)` : `\`${p}\``);
  out.push(`Generated ${r.generatedAt}. Status: ${r.status}. Model in: ${named(m?.modelIn, r.modelIn)}${r.modelOut ? `, model out: ${named(m?.modelOut, r.modelOut)}` : ''}.` +
    (r.rubric ? ` Rubric v${r.rubric.version} (\`${r.rubric.hash}\`).` : ''), '');
  if (r.warnings.length) {
    out.push('## Warnings', '');
    for (const w of r.warnings) out.push(`- **${w.kind}**: ${w.message}`);
    out.push('');
  }
  out.push('## Data', '', '| | |', '| --- | ---: |');
  if (m) {
    out.push(`| ${L('promptsKept')} | ${m.promptsKept} |`);
    for (const [k, v] of Object.entries(m.promptsDropped)) out.push(`| prompts dropped (${cell(k)}) | ${v} |`);
  }
  out.push(`| ${L('candidates')} | ${a.candidates} |`, `| ${L('judgments')} | ${a.judgments} |`, `| ${L('parseFailures')} | ${a.parseFailures} (${pc(a.parseFailureRate)}) |`,
    `| prompts with ≥ 2 scored candidates | ${a.promptsScored} |`, `| ${L('ties')} (best = worst) | ${a.ties} (${pc(a.tieRate)}) |`, `| ${L('pairs')} | ${a.pairs} |`);
  const trained = m ? trainedPairs(m) : undefined;
  if (trained) out.push(`| ${L('trainedPairs')} | ${fmtCount(trained.trained)} |`, `| ${L('excludedPairs')} | ${fmtCount(trained.excluded)} |`);
  if (m) out.push(`| mean chosen / rejected score | ${f2(m.meanChosenScore)} / ${f2(m.meanRejectedScore)} |`);
  if (m?.trainLoss !== undefined && m.trainLoss !== null) out.push(`| final train loss | ${f2(m.trainLoss, 4)} |`);
  if (m?.trainRewardMargin !== undefined && m.trainRewardMargin !== null) out.push(`| final reward margin | ${f2(m.trainRewardMargin, 4)} |`);
  out.push('');
  out.push('## Judge scores', '', `Mean candidate score ${f2(a.candidateScore.mean)} (median ${f2(a.candidateScore.median)}); ` +
    `${pc(a.modalScoreShare)} of judge samples gave the most frequent score.`, '', `![Judge score histogram](${r.charts.scoreHistogram})`, '');
  out.push('| score | samples |', '| ---: | ---: |', ...a.sampleScoreHistogram.map((b) => `| ${(b.x0 + b.x1) / 2} | ${b.count} |`), '');
  out.push('## Answer length', '', '| mean | median | p10 | p90 | min | max |', '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${f2(a.length.mean, 0)} | ${f2(a.length.median, 0)} | ${f2(a.length.p10, 0)} | ${f2(a.length.p90, 0)} | ${f2(a.length.min, 0)} | ${f2(a.length.max, 0)} |`, '',
    `Chosen answers average ${f2(a.meanChosenChars, 0)} characters, rejected ${f2(a.meanRejectedChars, 0)}. ` +
    `Score–length correlation over ${a.scoreLength.points} candidates: Pearson ${f2(a.scoreLength.pearson, 3)}, Spearman ${f2(a.scoreLength.spearman, 3)}.`, '',
    `![Answer length histogram](${r.charts.lengthHistogram})`, '', `![Score vs length](${r.charts.scoreVsLength})`, '');
  out.push('## Across iterations', '', '| iteration | mean chars | mean score | parse failures | ties | pairs |', '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.series.map((s) => `| ${s.iteration} | ${f2(s.meanChars, 0)} | ${f2(s.meanScore)} | ${pc(s.parseFailureRate)} | ${pc(s.tieRate)} | ${s.pairs} |`), '',
    `![Mean answer length per iteration](${r.charts.trend})`, '');
  out.push('## Judge agreement with people', '');
  if (r.judgeEval) {
    const j = r.judgeEval.agreement;
    out.push(`M${r.judgeEval.model} (\`${r.judgeEval.modelName}\`) judging ${cell(r.judgeEval.labelledSet)} with rubric v${r.judgeEval.rubricVersion}, K=${r.judgeEval.k}: ` +
      `${j.groups} groups, ${j.answers} answers, ${j.unscored} unscored.`, '',
      '| pairwise accuracy | 5-best | exact match | Spearman ρ | Kendall τ-b |', '| ---: | ---: | ---: | ---: | ---: |',
      `| ${pc(j.pairwiseAccuracy)} | ${pc(j.fiveBest)} | ${pc(j.exactMatch)} | ${f2(j.spearman, 3)} | ${f2(j.kendallTau, 3)} |`, '');
  } else out.push('Not evaluated yet: run "Evaluate Judge on Labelled Set…".', '');
  out.push('## Head-to-head', '');
  if (r.headToHead.length) {
    out.push('Each prompt judged in both orders; a verdict that flips with the order counts as a tie; an unreadable verdict is counted apart and left out of the rates. Intervals: 95 % Wilson.', '',
      '| new vs old | prompts | wins | ties | losses | unreadable | win rate (95 % CI) | loss rate (95 % CI) | judge |', '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
      ...r.headToHead.map((h) => `| ${h.ref?.label ?? `M${h.modelNew}`} vs ${h.againstRef?.label ?? `M${h.modelOld}`} | ${h.summary.n} | ${h.summary.wins} | ${h.summary.ties} | ${h.summary.losses} | ${h.summary.unreadable} | ` +
        `${pc(h.summary.winRate)} (${ci(h.summary.winRateCi)}) | ${pc(h.summary.lossRate)} (${ci(h.summary.lossRateCi)}) | \`${cell(h.judgeLabel ?? h.judge.model)}\` |`), '');
    for (const h of r.headToHead) if (h.skippedPrompts?.length) out.push(`${h.ref?.label ?? `M${h.modelNew}`} vs ${h.againstRef?.label ?? `M${h.modelOld}`}: ${h.skippedPrompts.length} prompt(s) left out because a model failed to answer them.`, '');
  } else out.push(`No comparison of M${r.iteration} or M${r.iteration + 1} yet: run "Compare Models…".`, '');
  out.push(...evaluationMarkdown(r.evaluation, r.charts.evalTrend));
  return out.join('\n');
}

const pct1 = (x: number | undefined): string => (x === undefined ? '–' : `${x.toFixed(1)} %`);

/** The evaluation section: every model's numbers, each beside the paper's where the paper reports one. */
export function evaluationMarkdown(rows: readonly ModelEvalRow[], chart: string): string[] {
  const out: string[] = ['## Evaluation, beside the paper', ''];
  if (!rows.length) {
    out.push('No evaluation yet: turn on `eval.afterIteration`, or run "Evaluate Win Rate…", "Evaluate Multi-Turn…", "Compare Models…".', '');
    return out;
  }
  out.push(`Paper: ${PAPER_SOURCE} — another model, other prompt sets and a GPT-4 judge: read its numbers as the direction to expect, ` +
    'not as a target. Each row names the prompt set and judge its numbers come from.', '');
  const wr = rows.filter((r) => r.winRate);
  if (wr.length) {
    out.push('### Win rate against reference answers (paper: AlpacaEval 2.0 vs GPT-4 Turbo, 805 prompts)', '',
      '| model | prompts | wins | ties | losses | unreadable | win rate (95 % CI) | LC win rate | mean length | paper win rate | paper length | set · judge |',
      '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
      ...wr.map(({ model, winRate: w }) => {
        const s = w!.summary;
        return `| ${cell(model.label)} | ${s.n} | ${s.wins} | ${s.ties} | ${s.losses} | ${s.unreadable} | ${pc(s.winRate)} (${ci(s.winRateCi)}) | ${pc(s.lcWinRate)} | ${f2(s.meanLength, 0)} | ` +
          `${pct1(PAPER_ALPACA_EVAL[model.label])} | ${PAPER_LENGTH[model.label] ?? '–'} | ${cell(w!.promptSet)} · ${cell(w!.judge)} |`;
      }), '', `![Win rate per model](${chart})`, '');
  }
  const h2h = rows.flatMap((r) => r.headToHead.map((h) => ({ model: r.model, ...h })));
  if (h2h.length) {
    out.push('### Head-to-head (paper: Fig. 3, GPT-4 judge, both orders, 256 prompts)', '',
      '| comparison | prompts | wins | ties | losses | unreadable | win % | loss % | paper win % / loss % | set · judge |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
      ...h2h.map((h) => {
        const p = PAPER_HEAD_TO_HEAD.find((x) => x.model === h.model.label && x.against === h.against.label);
        return `| ${cell(h.model.label)} vs ${cell(h.against.label)} | ${h.summary.n} | ${h.summary.wins} | ${h.summary.ties} | ${h.summary.losses} | ${h.summary.unreadable} | ` +
          `${pc(h.summary.winRate)} | ${pc(h.summary.lossRate)} | ${p ? `${p.win} / ${p.loss}` : '–'} | ${cell(h.promptSet)} · ${cell(h.judge)} |`;
      }), '');
  }
  const ja = rows.filter((r) => r.judgeAgreement);
  if (ja.length) {
    out.push('### Judge agreement with people (paper: Table 4, Open Assistant evaluation split)', '',
      'ρ and τ per group are averaged over the groups where they are defined; how many groups were skipped as undefined is shown with them. Pooled: over every answer (ρ, within-group ranks) and every within-group pair (τ).', '',
      '| model | groups | pairwise acc. | 5-best | exact | Spearman ρ (per group) | ρ pooled | Kendall τ (per group) | τ pooled | paper: acc. / 5-best / exact / ρ / τ |',
      '| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | --- |',
      ...ja.map(({ model, judgeAgreement: j }) => {
        const a = j!.agreement;
        const skipped = `(${a.correlationGroups ?? a.groups - a.undefinedCorrelations} groups; ${a.undefinedCorrelations} undefined, skipped)`;
        const p = PAPER_JUDGE[model.label];
        return `| ${cell(model.label)} | ${a.groups} | ${pc(a.pairwiseAccuracy)} | ${pc(a.fiveBest)} | ${pc(a.exactMatch)} | ${f2(a.spearman, 3)} ${skipped} | ${f2(a.spearmanPooled, 3)} | ` +
          `${f2(a.kendallTau, 3)} ${skipped} | ${f2(a.kendallTauPooled, 3)} | ${p ? `${p.pairwiseAccuracy} / ${p.fiveBest} / ${p.exactMatch} / ${p.spearman} / ${p.kendallTau}` : '–'} |`;
      }), '');
  }
  const mt = rows.filter((r) => r.multiTurn);
  if (mt.length) {
    const cats = [...new Set(mt.flatMap((r) => Object.keys(r.multiTurn!.summary.categories)))].sort();
    out.push('### Multi-turn, 1–10 (the MT-Bench shape; the paper reports MT-Bench in Table 2)', '',
      `| model | mean | turn 1 | turn 2 | graded | unreadable | off-scale | ${cats.map(cell).join(' | ')} | set · judge |`,
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ${cats.map(() => '---:').join(' | ')} | --- |`,
      ...mt.map(({ model, multiTurn: m }) => {
        const s = m!.summary;
        return `| ${cell(model.label)} | ${f2(s.mean)} | ${f2(s.turn1)} | ${f2(s.turn2)} | ${s.graded} | ${s.unreadable} | ${s.outOfRange} | ${cats.map((c) => f2(s.categories[c]?.mean)).join(' | ')} | ${cell(m!.promptSet)} · ${cell(m!.judge)} |`;
      }), '');
  }
  return out;
}

/** Write report.json, report.md and the chart SVGs into iterations/<t>/. Returns the written paths. */
export function writeIterationReport(run: Run, t: number, now = new Date()): { report: IterationReport; files: string[] } {
  const report = buildIterationReport(run, t, now);
  const dir = run.iterationDir(t);
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, svg] of Object.entries(reportCharts(run, report))) {
    writeFileAtomic(path.join(dir, name), svg);
    files.push(path.join(dir, name));
  }
  writeJsonAtomic(path.join(dir, 'report.json'), report);
  writeFileAtomic(path.join(dir, 'report.md'), reportMarkdown(report));
  files.push(path.join(dir, 'report.json'), path.join(dir, 'report.md'));
  return { report, files };
}
