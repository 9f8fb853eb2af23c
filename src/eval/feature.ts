/**
 * Evaluation commands: "Evaluate Judge on Labelled Set…" (judge agreement with human rankings: pairwise accuracy,
 * 5-best, exact match, Spearman ρ, Kendall τ-b) and "Compare Iterations…" (head-to-head of two models judged by an
 * external OpenAI-compatible judge, both orders). Both write into the run folder and refresh the iteration report.
 */
import * as vscode from 'vscode';
import type { ExternalJudge, ModelEntry, Notifications } from '../../remote/protocol';
import type { AgentApi } from '../connection/agentApi';
import type { Feature, Services } from '../services';
import { requireRun } from '../runs/requireRun';

const LAST_JUDGE_KEY = 'selfreward.eval.lastJudge';
const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null): string => (x === null ? '–' : x.toFixed(3));

async function pickModel(models: ModelEntry[], title: string, exclude?: number): Promise<ModelEntry | undefined> {
  const items = models.filter((m) => m.iteration !== exclude).reverse().map((m) => ({ label: `M${m.iteration}`, description: m.name, detail: m.madeBy === 'base' ? 'starting model' : `trained by ${m.madeBy}`, m }));
  return (await vscode.window.showQuickPick(items, { title }))?.m;
}

/** Progress from `eval/progress` notifications for this run and kind. */
async function withEvalProgress<T>(agent: AgentApi, runId: string, kind: 'judge' | 'compare', title: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
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

/** Write the iteration report and open its Markdown (read through the agent, so it works for remote runs too). */
async function openReport(services: Services, agent: AgentApi, runId: string, iteration: number): Promise<void> {
  const r = await agent.request('report/write', { runId, iteration });
  const md = r.files.find((f) => f.endsWith('report.md'));
  if (!md) return;
  const file = await agent.request('files/read', { runId, path: md, offset: 0, length: 4 * 1024 * 1024 });
  const doc = await vscode.workspace.openTextDocument({ content: file.data, language: 'markdown' });
  await vscode.window.showTextDocument(doc, { preview: true });
  services.log.info(`report written: ${r.files.join(', ')}`);
  for (const w of r.warnings) services.log.warn(`iteration ${iteration}: ${w}`);
}

async function evaluateJudge(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  const snap = await ctx.agent.request('runs/snapshot', { runId: ctx.runId });
  const model = await pickModel(snap.models, 'Which model judges?');
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
  const r = await withEvalProgress(ctx.agent, ctx.runId, 'judge', `Evaluating M${model.iteration} as a judge`, (signal) =>
    ctx.agent.request('eval/judge', { runId: ctx.runId, model: model.iteration, labelled: { path: labelled, format: 'auto' } }, signal),
  );
  const a = r.agreement;
  const action = await vscode.window.showInformationMessage(
    `M${r.model} judge vs people (${a.groups} groups, rubric v${r.rubricVersion}): pairwise ${pct(a.pairwiseAccuracy)}, 5-best ${pct(a.fiveBest)}, ` +
      `exact ${pct(a.exactMatch)}, Spearman ${num(a.spearman)}, Kendall τ ${num(a.kendallTau)}.`,
    'Open Report',
  );
  // M_t judged iteration t: its report carries this evaluation
  if (action === 'Open Report' && snap.iterations.some((i) => i.iteration === r.model)) await openReport(services, ctx.agent, ctx.runId, r.model);
}

async function askJudge(services: Services): Promise<ExternalJudge | undefined> {
  const last = services.context.globalState.get<ExternalJudge>(LAST_JUDGE_KEY);
  const url = await vscode.window.showInputBox({
    title: 'External judge: OpenAI-compatible base URL(s), comma-separated',
    value: last?.baseUrls.join(', ') ?? '',
    placeHolder: 'http://127.0.0.1:8000/v1',
    ignoreFocusOut: true,
    validateInput: (v) => (v.split(',').map((s) => s.trim()).filter(Boolean).every((s) => /^https?:\/\//.test(s)) && v.trim() ? undefined : 'Enter http(s) URLs'),
  });
  if (!url) return undefined;
  const model = await vscode.window.showInputBox({ title: 'External judge: model name', value: last?.model ?? '', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Required') });
  if (!model) return undefined;
  const apiKeyEnv = await vscode.window.showInputBox({
    title: 'Environment variable on the agent host holding the judge API key (empty: none)',
    value: last?.apiKeyEnv ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => (!v || /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'A variable name, e.g. OPENAI_API_KEY'),
  });
  if (apiKeyEnv === undefined) return undefined;
  const judge: ExternalJudge = { baseUrls: url.split(',').map((s) => s.trim()).filter(Boolean), model: model.trim(), ...(apiKeyEnv ? { apiKeyEnv } : {}) };
  await services.context.globalState.update(LAST_JUDGE_KEY, judge);
  return judge;
}

async function compareIterations(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  const snap = await ctx.agent.request('runs/snapshot', { runId: ctx.runId });
  if (snap.models.length < 2) {
    void vscode.window.showInformationMessage('Self-Rewarding: the run has one model so far; finish an iteration to compare.');
    return;
  }
  const newer = await pickModel(snap.models, 'Newer model');
  if (!newer) return;
  const older = await pickModel(snap.models.filter((m) => m.iteration < newer.iteration), `Compare M${newer.iteration} against`, newer.iteration);
  if (!older) return;
  const judge = await askJudge(services);
  if (!judge) return;
  const r = await withEvalProgress(ctx.agent, ctx.runId, 'compare', `M${newer.iteration} vs M${older.iteration}`, (signal) =>
    ctx.agent.request('eval/compare', { runId: ctx.runId, modelNew: newer.iteration, modelOld: older.iteration, judge }, signal),
  );
  const s = r.summary;
  const ci = s.winRateCi ? ` (95 % CI ${pct(s.winRateCi[0])}–${pct(s.winRateCi[1])})` : '';
  const action = await vscode.window.showInformationMessage(
    `M${newer.iteration} vs M${older.iteration} on ${s.n} prompts: ${s.wins} wins, ${s.ties} ties, ${s.losses} losses — win rate ${pct(s.winRate)}${ci}, loss rate ${pct(s.lossRate)}.` +
      (r.skipped ? ` ${r.skipped} prompt(s) left out: a model failed to answer.` : ''),
    'Open Report',
  );
  // the iteration that trained the newer model reports on it
  const t = newer.iteration - 1;
  if (action === 'Open Report' && snap.iterations.some((i) => i.iteration === t)) await openReport(services, ctx.agent, ctx.runId, t);
}

export const evalFeature: Feature = {
  commands: {
    evaluateJudge: (services) => () => evaluateJudge(services),
    compareIterations: (services) => () => compareIterations(services),
    writeReport: (services) => async (...args: unknown[]) => {
      const ctx = requireRun(services);
      if (!ctx) return;
      let t = typeof args[0] === 'number' ? args[0] : undefined;
      if (t === undefined) {
        const snap = await ctx.agent.request('runs/snapshot', { runId: ctx.runId });
        const pick = await vscode.window.showQuickPick(snap.iterations.map((i) => ({ label: `Iteration ${i.iteration}`, description: i.status, t: i.iteration })).reverse(), { title: 'Report for which iteration?' });
        t = pick?.t;
      }
      if (t !== undefined) await openReport(services, ctx.agent, ctx.runId, t);
    },
  },
};
