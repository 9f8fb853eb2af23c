/**
 * The meta-judge template (Meta-Rewarding), edited like the rubric: a workspace file per run
 * (`rubrics/<run id>.meta-judge.md`) with diagnostics as you type and the Meta-Judge Preview beside it — the draft's
 * verdicts on judgment pairs (both orders) against the template in use, with how often they follow the position and
 * how often they agree with people. Commands: Edit Meta-Judge Template, Use Meta-Judge Template for Next Iteration.
 * Judgment pairs: the run's judge pairs (people prefer what the review accepted or flipped), or a labelled set the
 * run's model judges first with the rubric in use (people prefer by the ranks).
 */
import * as vscode from 'vscode';
import type { PairView, PreviewResult, PreviewSample } from '../../remote/protocol';
import { DEFAULT_META_JUDGE } from '../../remote/rubric/metaTemplate';
import type { AgentApi } from '../connection/agentApi';
import type { Feature, Services } from '../services';
import { RubricDiagnostics } from '../rubric/diagnostics';
import { META_JUDGE_SPEC } from '../rubric/lint';
import { pickLabelledFile, storeTemplate } from '../rubric/storeTemplate';
import { RubricPreviewSession, type PreviewFlavour } from '../rubric/previewPanel';
import { labelledPreviewSamples } from '../rubric/previewSet';
import { requireRun } from '../runs/requireRun';
import { judgePairSamples, labelledJudgmentPairs, type LabelledAnswer, type MetaSample } from './previewModel';

export const META_PREVIEW: PreviewFlavour = {
  viewType: 'selfreward.metaJudgePreview',
  title: 'Meta-Judge Preview',
  bundle: 'metaJudge',
  configSection: 'selfreward.metaJudge',
  defaultK: 1,
  spec: META_JUDGE_SPEC,
  kind: 'meta-judge',
};

const templateFileName = (runId: string): string => `${runId}.meta-judge.md`;
const TEMPLATE_FILE_RE = /\.meta-judge\.md$/i;
/** judge samples per labelled answer when finding its disagreeing judgments */
const LABELLED_K = 3;
const MAX_PAIRS = 24;

let diagnostics: RubricDiagnostics | undefined;
let session: RubricPreviewSession | undefined;
/** the judgment pairs chosen per run: 'judge-pairs' or a labelled set (builtin:labelled or a file) */
const setChoice = new Map<string, string>();

async function templateFile(services: Services, agent: AgentApi, runId: string): Promise<vscode.Uri> {
  const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? services.context.globalStorageUri, 'rubrics');
  const uri = vscode.Uri.joinPath(folder, templateFileName(runId));
  try {
    await vscode.workspace.fs.stat(uri);
    return uri;
  } catch {
    let text = DEFAULT_META_JUDGE;
    try {
      text = (await agent.request('rubric/get', { runId, kind: 'meta-judge' })).text || DEFAULT_META_JUDGE;
    } catch (e) {
      services.log.warn(`rubric/get (meta-judge) failed, starting from the built-in template: ${e instanceof Error ? e.message : String(e)}`);
    }
    await vscode.workspace.fs.createDirectory(folder);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    return uri;
  }
}

/** The latest iteration's judge pairs (reviewed ones first: they say what people prefer). */
async function judgePairsSet(agent: AgentApi, runId: string): Promise<{ label: string; samples: MetaSample[] } | undefined> {
  const snap = await agent.request('runs/snapshot', { runId });
  const it = [...snap.iterations].reverse().find((x) => (x.summary?.judgePairs ?? 0) > 0 || x.stages.some((st) => st.stage === 'meta-judge' && st.status === 'done'));
  if (!it) return undefined;
  const page = await agent.request('pairs/read', { runId, iteration: it.iteration, offset: 0, limit: 500, kind: 'judge' });
  const samples = judgePairSamples(page.pairs as PairView[]).sort((a, b) => Number(b.peoplePrefer !== undefined) - Number(a.peoplePrefer !== undefined)).slice(0, MAX_PAIRS);
  return { label: `judge pairs of iteration ${it.iteration} (${samples.filter((s) => s.peoplePrefer !== undefined).length} reviewed)`, samples };
}

/** Judge samples of a labelled set by the run's model with the rubric in use (a rubric preview, collected whole). */
function judgeLabelled(agent: AgentApi, runId: string, rubric: string, samples: PreviewSample[]): Promise<PreviewResult[]> {
  const previewId = `meta-labelled-${Date.now().toString(36)}`;
  const results: PreviewResult[] = [];
  return new Promise((resolve, reject) => {
    const subs = [
      agent.onNotification('preview/result', (r) => void (r.previewId === previewId && results.push(r))),
      agent.onNotification('preview/done', (d) => {
        if (d.previewId !== previewId) return;
        for (const s of subs) s.dispose();
        if (d.error) reject(new Error(d.error));
        else resolve(results);
      }),
    ];
    agent.request('preview/judge', { previewId, runId, rubric, samples, k: LABELLED_K, slot: 'meta-labelled' }).catch((e: unknown) => {
      for (const s of subs) s.dispose();
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}

async function labelledSet(agent: AgentApi, runId: string, source: string): Promise<{ label: string; samples: MetaSample[] }> {
  const answers = labelledPreviewSamples(source) as (PreviewSample & LabelledAnswer)[];
  const rubric = (await agent.request('rubric/get', { runId })).text;
  const results = await judgeLabelled(agent, runId, rubric, answers);
  const samples = labelledJudgmentPairs(answers, results).slice(0, MAX_PAIRS);
  return { label: `${source}: ${samples.length} answers whose ${LABELLED_K} judgments disagree`, samples };
}

async function refreshSession(services: Services): Promise<void> {
  const s = session;
  const agent = services.connection.agent;
  if (!s || !agent) return;
  const choice = setChoice.get(s.runId) ?? 'judge-pairs';
  let set: { label: string; samples: MetaSample[] } | undefined;
  try {
    if (choice === 'judge-pairs') set = await judgePairsSet(agent, s.runId);
    if (!set) {
      s.status(choice === 'judge-pairs' ? 'This run has no judge pairs yet: judging the built-in labelled set to find judgments that disagree…' : `Judging ${choice} to find judgments that disagree…`);
      set = await labelledSet(agent, s.runId, choice === 'judge-pairs' ? 'builtin:labelled' : choice);
    }
  } catch (e) {
    s.status(e instanceof Error ? e.message : String(e), 'error');
    return;
  }
  const inUse = await agent.request('rubric/get', { runId: s.runId, kind: 'meta-judge' }).catch(() => undefined);
  if (session === s) {
    s.setSamples(set, inUse ? { version: inUse.version, text: inUse.text } : undefined);
    s.status(`${set.samples.length} judgment pairs, each asked in both orders`);
  }
}

async function editTemplate(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  const uri = await templateFile(services, ctx.agent, ctx.runId);
  const doc = await vscode.workspace.openTextDocument(uri);
  diagnostics?.track(doc);
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preview: false });
  if (session && (session.runId !== ctx.runId || session.document !== doc)) session.dispose();
  if (!session) {
    const s = new RubricPreviewSession(services.context.extensionUri, ctx.agent, ctx.runId, doc, { useRubric: () => void vscode.commands.executeCommand('selfreward.useMetaJudgeTemplate'), chooseSet: () => void chooseSet(services) }, META_PREVIEW);
    s.onDidDispose(() => {
      if (session === s) session = undefined;
    });
    session = s;
  } else session.reveal();
  await refreshSession(services);
}

async function chooseSet(services: Services): Promise<void> {
  const runId = session?.runId ?? services.currentRunId;
  if (!runId) return;
  const pick = await vscode.window.showQuickPick(
    [
      { label: "The run's judge pairs", description: 'the latest iteration that made them; reviewed pairs say what people prefer', value: 'judge-pairs' },
      { label: 'Built-in labelled set', description: "judged by the run's model; people prefer by the human ranks", value: 'builtin:labelled' },
      { label: 'Labelled file…', description: 'Open Assistant-style ranked replies (JSONL/JSON)', value: 'file' },
    ],
    { title: 'Meta-judge preview: judgment pairs' },
  );
  if (!pick) return;
  const value = pick.value === 'file' ? await pickLabelledFile() : pick.value;
  if (value === undefined) return;
  setChoice.set(runId, value);
  await refreshSession(services);
}

async function useTemplate(services: Services): Promise<void> {
  const ctx = requireRun(services);
  if (!ctx) return;
  const doc = session?.document ?? vscode.window.activeTextEditor?.document;
  if (!doc || !(diagnostics?.isRubric(doc) ?? false)) {
    void vscode.window.showWarningMessage('Self-Rewarding: open the meta-judge template first ("Edit Meta-Judge Template").');
    return;
  }
  const r = await storeTemplate(ctx.agent, ctx.runId, doc.getText(), META_JUDGE_SPEC, 'meta-judge');
  if (!r) return;
  void vscode.window.showInformationMessage(`Self-Rewarding: meta-judge template v${r.version} will be used from the next iteration that runs the meta-judge (metaJudge.enabled).`);
  await refreshSession(services);
}

export const metaJudgeFeature: Feature = {
  commands: {
    editMetaJudgeTemplate: (services) => () => editTemplate(services),
    useMetaJudgeTemplate: (services) => () => useTemplate(services),
  },
  activate(services) {
    diagnostics = new RubricDiagnostics(META_JUDGE_SPEC, TEMPLATE_FILE_RE);
    services.context.subscriptions.push(diagnostics, { dispose: () => session?.dispose() });
  },
};
