/**
 * Evaluation commands:
 *   - "Compare Models…": a head-to-head of any model of the run against an older one, the SFT baseline, or any
 *     OpenAI-compatible endpoint; prompt set and size chosen here (default: the held-out set, 256 prompts); judged by
 *     the run's current model or an external judge, in both orders;
 *   - "Evaluate Win Rate…": against the reference answers of an AlpacaEval-format set (win rate, LC win rate);
 *   - "Evaluate Multi-Turn…": 1–10 grading of two-turn questions in the MT-Bench shape;
 *   - "Evaluate Judge on Labelled Set…": judge agreement with human rankings;
 *   - "Write Iteration Report…" / Open Report: the report is written into the run folder and opened from there as a
 *     saved file (a remote run's report and charts are copied into a local cache folder first), so its charts show.
 * Everything runs on the agent and writes into the run folder; these commands only ask and show.
 */
import * as vscode from 'vscode';
import type { EvalJudgeSpec, EvalSubject, ExternalJudge, ModelEntry, Notifications, RunSnapshot } from '../../remote/protocol';
import { modelLabel } from '../../remote/modelNames';
import type { AgentApi } from '../connection/agentApi';
import type { Feature, Services } from '../services';
import { requireRun } from '../runs/requireRun';
import { readRunFile } from '../runs/runFiles';

const LAST_JUDGE_KEY = 'selfreward.eval.lastJudge';
const LAST_ENDPOINT_KEY = 'selfreward.eval.lastEndpoint';
const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : x.toFixed(3));

type ProgressKind = Notifications['eval/progress']['kind'];

interface ModelPick extends vscode.QuickPickItem {
  m: ModelEntry;
}

function modelItems(models: readonly ModelEntry[]): ModelPick[] {
  return [...models]
    .sort((a, b) => (b.role === 'sft-baseline' ? -1 : 0) - (a.role === 'sft-baseline' ? -1 : 0) || b.iteration - a.iteration)
    .map((m) => ({ label: modelLabel(m), description: m.name, detail: m.role === 'sft-baseline' ? 'SFT baseline (IFT only)' : m.madeBy === 'base' ? 'starting model' : `trained by ${m.madeBy}`, m }));
}

async function pickModel(models: readonly ModelEntry[], title: string): Promise<ModelEntry | undefined> {
  return (await vscode.window.showQuickPick(modelItems(models), { title }))?.m;
}

const subjectOf = (m: ModelEntry): EvalSubject => ({ kind: 'run', iteration: m.iteration, ...(m.role === 'sft-baseline' ? { role: 'sft-baseline' as const } : {}) });

/** Progress from `eval/progress` notifications for this run and kind. */
async function withEvalProgress<T>(agent: AgentApi, runId: string, kind: ProgressKind, title: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    let last = 0;
    const sub = agent.onNotification('eval/progress', (p: Notifications['eval/progress']) => {
      if (p.runId !== runId || p.kind !== kind || !p.total) return;
      const pctDone = (p.done / p.total) * 100;
      progress.report({ message: `${p.done}/${p.total}`, increment: pctDone - last });
      last = pctDone;
    });
    try {
      return await work(ac.signal);
    } finally {
      sub.dispose();
    }
  });
}

// ------------------------------------------------------------------------------------------------ reports

/** The report that carries model M_k: the iteration that trained it (k − 1), else the one it ran (k), else the latest. */
export function reportIterationFor(snap: Pick<RunSnapshot, 'iterations'>, model: number | undefined): number | undefined {
  const its = snap.iterations.map((i) => i.iteration);
  if (model !== undefined) {
    if (its.includes(model - 1)) return model - 1;
    if (its.includes(model)) return model;
  }
  return its.length ? Math.max(...its) : undefined;
}

/**
 * Write the iteration report on the agent and open it as a saved file beside its charts: a local run's straight from
 * the run folder; a remote run's copied first (report.md and its SVGs) into <global storage>/reports/<host>/<run>/.
 */
export async function openReport(services: Services, agent: AgentApi, runId: string, iteration: number): Promise<vscode.Uri> {
  const r = await agent.request('report/write', { runId, iteration });
  const md = r.files.find((f) => /(^|[\\/])report\.md$/.test(f));
  if (!md) throw new Error(`the agent wrote no report.md for iteration ${iteration}`);
  const parts = (f: string): string[] => f.split(/[\\/]+/).filter(Boolean);
  let uri: vscode.Uri;
  const dir = agent.label === 'local' ? (await agent.request('runs/snapshot', { runId })).run.dir : undefined;
  if (dir) uri = vscode.Uri.joinPath(vscode.Uri.file(dir), ...parts(md));
  else {
    const root = vscode.Uri.joinPath(services.context.globalStorageUri, 'reports', agent.label.replace(/[^A-Za-z0-9._-]+/g, '_'), runId);
    for (const f of r.files.filter((x) => /\.(md|svg)$/.test(x))) {
      const { text } = await readRunFile(agent, runId, f);
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, ...parts(f)), Buffer.from(text, 'utf8'));
    }
    uri = vscode.Uri.joinPath(root, ...parts(md));
  }
  await vscode.commands.executeCommand('markdown.showPreview', uri);
  services.log.info(`report: ${uri.fsPath} (${r.files.join(', ')})`);
  for (const w of r.warnings) services.log.warn(`iteration ${iteration}: ${w}`);
  return uri;
}

/** "Open Report" after an evaluation: always does something — opens the report, or says why there is none. */
async function offerReport(services: Services, agent: AgentApi, runId: string, snap: RunSnapshot, model: number | undefined, action: string | undefined): Promise<void> {
  if (action !== 'Open Report') return;
  const t = reportIterationFor(snap, model);
  if (t === undefined) {
    void vscode.window.showInformationMessage('Self-Rewarding: the run has no iteration yet, so there is no report to open; the result is in the run folder under eval/.');
    return;
  }
  await openReport(services, agent, runId, t);
}

// ------------------------------------------------------------------------------------------------ choices

async function askJudge(services: Services): Promise<ExternalJudge | undefined> {
  const last = services.context.globalState.get<ExternalJudge>(LAST_JUDGE_KEY);
  const e = await askEndpoint('External judge', last);
  if (!e) return undefined;
  await services.context.globalState.update(LAST_JUDGE_KEY, e);
  return e;
}

async function askEndpoint(what: string, last: ExternalJudge | undefined): Promise<ExternalJudge | undefined> {
  const url = await vscode.window.showInputBox({
    title: `${what}: OpenAI-compatible base URL(s), comma-separated`,
    value: last?.baseUrls.join(', ') ?? '',
    placeHolder: 'http://127.0.0.1:8000/v1',
    ignoreFocusOut: true,
    validateInput: (v) => (v.split(',').map((s) => s.trim()).filter(Boolean).every((s) => /^https?:\/\//.test(s)) && v.trim() ? undefined : 'Enter http(s) URLs'),
  });
  if (!url) return undefined;
  const model = await vscode.window.showInputBox({ title: `${what}: model name`, value: last?.model ?? '', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Required') });
  if (!model) return undefined;
  const apiKeyEnv = await vscode.window.showInputBox({
    title: 'Environment variable on the agent host holding the API key (empty: none)',
    value: last?.apiKeyEnv ?? '',
    placeHolder: 'OPENAI_API_KEY',
    ignoreFocusOut: true,
    validateInput: (v) => (!v.trim() || /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim()) ? undefined : 'A variable name'),
  });
  if (apiKeyEnv === undefined) return undefined;
  return { baseUrls: url.split(',').map((s) => s.trim()).filter(Boolean), model: model.trim(), ...(apiKeyEnv.trim() ? { apiKeyEnv: apiKeyEnv.trim() } : {}) };
}

/** Who judges: the run's current model (self-judging, as in the loop) or an external judge. */
async function pickJudge(services: Services): Promise<EvalJudgeSpec | ExternalJudge | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'External judge…', description: 'any OpenAI-compatible model (the paper used GPT-4)', value: 'external' as const },
      { label: 'The run\'s current model', description: 'self-judging, as in the loop (the sim in the demo)', value: 'self' as const },
    ],
    { title: 'Who judges?' },
  );
  if (!pick) return undefined;
  return pick.value === 'self' ? { kind: 'self' } : askJudge(services);
}

/** A prompt set: the built-in one(s) or a file on the agent host; then how many of its prompts. */
async function pickSet(title: string, builtins: { label: string; path: string; description: string }[], fileHint: string, defaultSize: string): Promise<{ path: string; max?: number } | undefined> {
  const pick = await vscode.window.showQuickPick(
    [...builtins.map((b) => ({ ...b, value: b.path })), { label: 'File on the agent host…', description: fileHint, path: '', value: 'file' }],
    { title },
  );
  if (!pick) return undefined;
  let p = pick.value;
  if (p === 'file') {
    const f = await vscode.window.showInputBox({ title: `${title}: path on the agent host`, placeHolder: fileHint, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Required') });
    if (!f) return undefined;
    p = f.trim();
  }
  const size = await vscode.window.showInputBox({
    title: `${title}: how many (empty = all)`, value: defaultSize, ignoreFocusOut: true,
    validateInput: (v) => (!v.trim() || /^[1-9]\d*$/.test(v.trim()) ? undefined : 'A whole number ≥ 1, or empty for all'),
  });
  if (size === undefined) return undefined;
  return { path: p, ...(size.trim() ? { max: Number(size.trim()) } : {}) };
}

const HELDOUT = { label: 'Held-out set', path: 'builtin:heldout', description: 'builtin:heldout — training never sees it' };

// ------------------------------------------------------------------------------------------------ commands

async function compareModels(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  const snap = await ctx.agent.request('runs/snapshot', { runId: ctx.runId });
  if (!snap.models.length) {
    void vscode.window.showInformationMessage('Self-Rewarding: the run has no model yet.');
    return;
  }
  const subject = await pickModel(snap.models, 'Which model?');
  if (!subject) return;
  const others = snap.models.filter((m) => m !== subject && (m.role === 'sft-baseline' || subject.role === 'sft-baseline' || m.iteration < subject.iteration));
  const items = [
    ...modelItems(others).map((x) => ({ ...x, value: 'model' as const })),
    { label: 'Another OpenAI-compatible model…', description: 'any endpoint: a baseline, a hosted model', value: 'endpoint' as const, m: undefined },
  ];
  const againstPick = await vscode.window.showQuickPick(items, { title: `Compare ${modelLabel(subject)} against` });
  if (!againstPick) return;
  let against: EvalSubject;
  if (againstPick.value === 'endpoint') {
    const e = await askEndpoint('Model to compare with', services.context.globalState.get<ExternalJudge>(LAST_ENDPOINT_KEY));
    if (!e) return;
    await services.context.globalState.update(LAST_ENDPOINT_KEY, e);
    against = { kind: 'endpoint', ...e };
  } else against = subjectOf(againstPick.m!);
  const set = await pickSet('Prompts', [HELDOUT, { label: 'Labelled set prompts', path: 'builtin:labelled', description: 'builtin:labelled' }], 'AlpacaEval JSON/JSONL, or a seed file', '256');
  if (!set) return;
  const judge = await pickJudge(services);
  if (!judge) return;
  const label = againstPick.value === 'endpoint' ? (against as { model: string }).model : againstPick.label;
  const r = await withEvalProgress(ctx.agent, ctx.runId, 'compare', `${modelLabel(subject)} vs ${label}`, (signal) =>
    ctx.agent.request('eval/compare', { runId: ctx.runId, subject: subjectOf(subject), against, prompts: { path: set.path, format: 'auto' }, ...(set.max ? { maxPrompts: set.max } : {}), judge }, signal),
  );
  const s = r.summary;
  const ci = s.winRateCi ? ` (95 % CI ${pct(s.winRateCi[0])}–${pct(s.winRateCi[1])})` : '';
  const action = await vscode.window.showInformationMessage(
    `${modelLabel(subject)} vs ${label} on ${s.n} prompts: ${s.wins} wins, ${s.ties} ties, ${s.losses} losses, ${s.unreadable} unreadable — win rate ${pct(s.winRate)}${ci}, loss rate ${pct(s.lossRate)}.` +
      (r.skipped ? ` ${r.skipped} prompt(s) left out: a model failed to answer.` : ''),
    'Open Report',
  );
  await offerReport(services, ctx.agent, ctx.runId, snap, subject.role === 'sft-baseline' ? undefined : subject.iteration, action);
}

/** The questions every single-model evaluation asks: which model, which set (and how much of it), which judge. */
async function askSingle(services: Services, setTitle: string, builtin: { label: string; path: string; description: string }, fileHint: string) {
  const ctx = requireRun(services);
  if (!ctx) return undefined;
  const snap = await ctx.agent.request('runs/snapshot', { runId: ctx.runId });
  const model = await pickModel(snap.models, 'Which model?');
  if (!model) return undefined;
  const set = await pickSet(setTitle, [builtin], fileHint, '');
  if (!set) return undefined;
  const judge = await pickJudge(services);
  if (!judge) return undefined;
  const report = (action: string | undefined): Promise<void> => offerReport(services, ctx.agent, ctx.runId, snap, model.role === 'sft-baseline' ? undefined : model.iteration, action);
  return { ctx, model, set, judge, report };
}

async function evaluateWinRate(services: Services): Promise<void> {
  const a = await askSingle(services, 'Reference set', { ...HELDOUT, description: 'builtin:heldout — reference answers written for this project' }, 'AlpacaEval format: instruction, output, generator');
  if (!a) return;
  const { ctx, model, set, judge } = a;
  const r = await withEvalProgress(ctx.agent, ctx.runId, 'winRate', `Win rate of ${modelLabel(model)}`, (signal) =>
    ctx.agent.request('eval/winRate', { runId: ctx.runId, subject: subjectOf(model), prompts: set.path, ...(set.max ? { maxPrompts: set.max } : {}), judge }, signal),
  );
  const s = r.summary;
  await a.report(await vscode.window.showInformationMessage(
    `${modelLabel(model)} against the reference answers (${s.n} prompts): win rate ${pct(s.winRate)}` +
      (s.winRateCi ? ` (95 % CI ${pct(s.winRateCi[0])}–${pct(s.winRateCi[1])})` : '') +
      `, LC win rate ${pct(s.lcWinRate)}; ${s.wins} wins, ${s.ties} ties, ${s.losses} losses, ${s.unreadable} unreadable; mean length ${s.meanLength === null ? '–' : Math.round(s.meanLength)} chars.`,
    'Open Report',
  ));
}

async function evaluateMultiTurn(services: Services): Promise<void> {
  const a = await askSingle(services, 'Questions', { label: 'Built-in two-turn questions', path: 'builtin:mt', description: 'builtin:mt — MT-Bench shape, our own questions' }, "MT-Bench's question.jsonl");
  if (!a) return;
  const { ctx, model, set, judge } = a;
  const r = await withEvalProgress(ctx.agent, ctx.runId, 'multiTurn', `Multi-turn grading of ${modelLabel(model)}`, (signal) =>
    ctx.agent.request('eval/multiTurn', { runId: ctx.runId, subject: subjectOf(model), questions: set.path, ...(set.max ? { maxQuestions: set.max } : {}), judge }, signal),
  );
  const s = r.summary;
  await a.report(await vscode.window.showInformationMessage(
    `${modelLabel(model)}, ${s.questions} two-turn questions: mean ${num(s.mean)} (turn 1 ${num(s.turn1)}, turn 2 ${num(s.turn2)}); ${s.unreadable} ratings unreadable, ${s.outOfRange} off the 1–10 scale.`,
    'Open Report',
  ));
}

async function evaluateJudge(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  const snap = await ctx.agent.request('runs/snapshot', { runId: ctx.runId });
  const model = await pickModel(snap.models.filter((m) => m.role !== 'sft-baseline'), 'Which model judges?');
  if (!model) return;
  const setPick = await vscode.window.showQuickPick(
    [
      { label: 'Built-in labelled set', description: 'builtin:labelled', value: 'builtin:labelled' },
      { label: 'Labelled file on the agent host…', description: 'Open Assistant-style ranked replies', value: 'file' },
    ],
    { title: 'Labelled set' },
  );
  if (!setPick) return;
  let labelled = setPick.value;
  if (labelled === 'file') {
    const p = await vscode.window.showInputBox({ title: 'Path of the labelled file on the agent host', placeHolder: '/data/oasst-ranked.jsonl', ignoreFocusOut: true });
    if (!p) return;
    labelled = p;
  }
  const r = await withEvalProgress(ctx.agent, ctx.runId, 'judge', `Evaluating ${modelLabel(model)} as a judge`, (signal) =>
    ctx.agent.request('eval/judge', { runId: ctx.runId, model: model.iteration, labelled: { path: labelled, format: 'auto' } }, signal),
  );
  const a = r.agreement;
  const groups = a.correlationGroups ?? a.groups - a.undefinedCorrelations;
  const action = await vscode.window.showInformationMessage(
    `${modelLabel(model)} judge vs people (${a.groups} groups, rubric v${r.rubricVersion}): pairwise ${pct(a.pairwiseAccuracy)}, 5-best ${pct(a.fiveBest)}, exact ${pct(a.exactMatch)}, ` +
      `Spearman ${num(a.spearman)} and Kendall τ ${num(a.kendallTau)} per group (over ${groups} groups; ${a.undefinedCorrelations} undefined, skipped), pooled ${num(a.spearmanPooled)} / ${num(a.kendallTauPooled)}.`,
    'Open Report',
  );
  // M_t judged iteration t: its report carries this evaluation
  const t = snap.iterations.some((i) => i.iteration === r.model) ? r.model : reportIterationFor(snap, r.model);
  if (action === 'Open Report') {
    if (t === undefined) await offerReport(services, ctx.agent, ctx.runId, snap, undefined, action);
    else await openReport(services, ctx.agent, ctx.runId, t);
  }
}

export const evalFeature: Feature = {
  commands: {
    evaluateJudge: (services) => () => evaluateJudge(services),
    compareIterations: (services) => () => compareModels(services),
    evaluateWinRate: (services) => () => evaluateWinRate(services),
    evaluateMultiTurn: (services) => () => evaluateMultiTurn(services),
    writeReport: (services) => async (...args: unknown[]) => {
      const ctx = requireRun(services);
      if (!ctx) return;
      let t = typeof args[0] === 'number' ? args[0] : undefined;
      if (t === undefined) {
        const snap = await ctx.agent.request('runs/snapshot', { runId: ctx.runId });
        if (!snap.iterations.length) {
          void vscode.window.showInformationMessage('Self-Rewarding: the run has no iteration yet, so there is no report to write.');
          return;
        }
        const pick = await vscode.window.showQuickPick(snap.iterations.map((i) => ({ label: `Iteration ${i.iteration}`, description: i.status, t: i.iteration })).reverse(), { title: 'Report for which iteration?' });
        t = pick?.t;
      }
      if (t !== undefined) await openReport(services, ctx.agent, ctx.runId, t);
    },
  },
};
