/**
 * The rubric feature's VS Code glue, on the shared vscode stub (test/helpers/vscodeStub.ts). The stub has no
 * diagnostics API or text-document events; the few pieces these tests need are added below, locally.
 */
import { stub, fakeContext, fakeLog, EventEmitter, Uri } from '../../helpers/vscodeStub';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult } from '../../../remote/protocol';
import type { AgentApi } from '../../../src/connection/agentApi';
import type { Services } from '../../../src/services';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { DEFAULT_META_JUDGE } from '../../../remote/rubric/metaTemplate';
import { tmpDir } from '../../helpers/tmp';

// ---- local additions to the stub: positions, ranges, diagnostics, document events
class Position { constructor(readonly line: number, readonly character: number) {} }
class Range { constructor(readonly start: Position, readonly end: Position) {} }
class Diagnostic { source?: string; code?: string; constructor(readonly range: Range, readonly message: string, readonly severity: number) {} }
const collections: Map<string, Diagnostic[]>[] = [];
const vs = require('vscode') as Record<string, unknown> & { workspace: Record<string, unknown>; window: Record<string, unknown> };
Object.assign(vs, {
  Position, Range, Diagnostic, DiagnosticSeverity: { Error: 0, Warning: 1 },
  languages: {
    createDiagnosticCollection: () => {
      const m = new Map<string, Diagnostic[]>();
      collections.push(m);
      return { set: (u: Uri, d: Diagnostic[]) => m.set(u.toString(), d), delete: (u: Uri) => m.delete(u.toString()), dispose: () => m.clear(), get: (u: Uri) => m.get(u.toString()) };
    },
  },
});
const docEvents = { open: new EventEmitter<unknown>(), change: new EventEmitter<unknown>(), close: new EventEmitter<unknown>(), save: new EventEmitter<unknown>() };
Object.assign(vs.window, { setStatusBarMessage: () => ({ dispose: () => undefined }) });
Object.assign(vs.workspace, {
  textDocuments: [],
  onDidOpenTextDocument: docEvents.open.event, onDidChangeTextDocument: docEvents.change.event,
  onDidCloseTextDocument: docEvents.close.event, onDidSaveTextDocument: docEvents.save.event,
});

/** A text document over a string, with positionAt as VS Code computes it. */
function fakeDoc(file: string, text: string) {
  return {
    uri: Uri.file(file),
    getText: () => text,
    positionAt(offset: number): Position {
      const before = text.slice(0, offset);
      const line = before.split('\n').length - 1;
      return new Position(line, offset - (before.lastIndexOf('\n') + 1));
    },
  };
}

/** An agent that keeps rubric versions in memory, like the daemon's rubric handlers. */
function fakeAgent() {
  const versions = [DEFAULT_RUBRIC];
  /** meta-judge template versions (none stored: version 0 answers the built-in one, as the daemon does) */
  const metaVersions: string[] = [];
  const calls: { method: string; params: unknown }[] = [];
  const handlers = new Map<string, ((p: unknown) => void)[]>();
  const agent: AgentApi = {
    label: 'test', state: 'connected',
    onDidChangeState: () => ({ dispose: () => undefined }),
    async request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
      calls.push({ method, params });
      const p = params as { version?: number; text?: string; kind?: string };
      let r: unknown;
      if (p.kind === 'meta-judge' && method === 'rubric/get') {
        const v = p.version ?? metaVersions.length;
        r = { version: v, hash: `m${v}`, text: v ? metaVersions[v - 1] : DEFAULT_META_JUDGE };
      } else if (p.kind === 'meta-judge' && method === 'rubric/set') {
        if (metaVersions[metaVersions.length - 1] !== p.text) metaVersions.push(p.text!);
        r = { version: metaVersions.length, hash: `m${metaVersions.length}` };
      } else if (method === 'pairs/read') r = { pairs: JUDGE_PAIRS, total: JUDGE_PAIRS.length, matched: JUDGE_PAIRS.length, reviewed: 1 };
      else if (method === 'rubric/get') {
        const v = p.version ?? versions.length;
        r = { version: v, hash: `h${v}`, text: versions[v - 1] };
      } else if (method === 'rubric/set') {
        if (versions[versions.length - 1] !== p.text) versions.push(p.text!);
        r = { version: versions.length, hash: `h${versions.length}` };
      } else if (method === 'preview/judge') r = { previewId: (params as { previewId: string }).previewId, accepted: 1 };
      else if (method === 'preview/cancel') r = { cancelled: true };
      else if (method === 'runs/snapshot') r = { run: { id: 'run-1', name: 'alpha' }, config: { judge: { k: 3 } }, rubricVersions: versions.map((_, i) => ({ version: i + 1, hash: `h${i + 1}` })), iterations: [{ iteration: 1, status: 'done', stages: [], summary: { judgePairs: JUDGE_PAIRS.length } }] };
      else throw new Error(`unexpected ${method}`);
      return r as RequestResult<M>;
    },
    onNotification<N extends NotificationMethod>(method: N, h: (p: Notifications[N]) => void) {
      const list = handlers.get(method) ?? [];
      list.push(h as (p: unknown) => void);
      handlers.set(method, list);
      return { dispose: () => undefined };
    },
    dispose: () => undefined,
  };
  return { agent, calls, versions, metaVersions };
}

/** Two judge pairs of iteration 1, the first accepted in review. */
const JUDGE_PAIRS = [0, 1].map((i) => ({
  id: `c${i}-jpair`, kind: 'judge', promptId: `p${i}`, iteration: 1, prompt: 'judge prompt', instruction: `question ${i}`, response: `answer ${i}`,
  chosen: { candidateId: `c${i}-j1`, text: 'Earns points for detail.\n\nScore: 3', score: 3, scores: [3], chars: 30 },
  rejected: { candidateId: `c${i}-j0`, text: 'Seems fine.\n\nScore: 5', score: 5, scores: [5], chars: 20 },
  margin: 200, standings: [], reason: 'Winner: A', headToHead: 'both', templateHash: 'm1', candidateId: `c${i}`, parseFailures: 0,
  ...(i === 0 ? { review: { state: 'accepted', flipped: false } } : {}),
}));

async function setup() {
  stub.reset();
  collections.length = 0;
  const { rubricFeature } = await import('../../../src/rubric/feature');
  const context = fakeContext();
  const { agent, calls, versions, metaVersions } = fakeAgent();
  const services = {
    context, log: fakeLog(), currentRunId: 'run-1',
    connection: { agent, state: 'connected' },
    setCurrentRun: () => undefined, onDidChangeCurrentRun: new EventEmitter<unknown>().event,
  } as unknown as Services;
  const { metaJudgeFeature } = await import('../../../src/metaJudge/feature');
  const cmds = Object.fromEntries([...Object.entries(rubricFeature.commands ?? {}), ...Object.entries(metaJudgeFeature.commands ?? {})].map(([k, f]) => [k, f(services)]));
  await rubricFeature.activate?.(services);
  await metaJudgeFeature.activate?.(services);
  return { services, cmds, calls, versions, metaVersions, context };
}

test('diagnostics: each bad rubric case, with its range, for rubric files only', async () => {
  await setup();
  const collection = collections[0];
  const bad = 'Judge this.\nQ: {{instruction}}\nA: {{answr}}\nGive points.';
  docEvents.open.fire(fakeDoc('/ws/rubric.md', bad));
  const d = collection.get(Uri.file('/ws/rubric.md').toString())!;
  assert.deepEqual(d.map((x) => [x.code, x.severity, x.range.start.line, x.range.start.character, x.range.end.line, x.range.end.character]), [
    ['missing-placeholder', 0, 0, 0, 0, 11], // {{response}} missing: first line
    ['unknown-placeholder', 0, 2, 3, 2, 12], // {{answr}}
    ['no-score-line', 1, 3, 0, 3, 12], // no "Score:" instruction: last line
  ]);
  assert.ok(d.every((x) => x.source === 'selfreward'));
  docEvents.change.fire({ document: fakeDoc('/ws/rubric.md', DEFAULT_RUBRIC) });
  assert.deepEqual(collection.get(Uri.file('/ws/rubric.md').toString()), [], 'fixed rubric: no diagnostics');
  docEvents.open.fire(fakeDoc('/ws/notes.md', bad));
  assert.equal(collection.has(Uri.file('/ws/notes.md').toString()), false, 'other Markdown files are left alone');
  docEvents.open.fire(fakeDoc('/ws/strict.rubric.txt', 'no placeholders'));
  assert.equal(collection.get(Uri.file('/ws/strict.rubric.txt').toString())?.length, 3);
});

test('Use Rubric refuses a rubric with errors, stores a good one as a new version and offers the diff', async () => {
  const { cmds, calls, versions } = await setup();
  (vs.window as { activeTextEditor: unknown }).activeTextEditor = { document: fakeDoc('/ws/rubric.md', 'Score: n {{instruction}}') };
  await cmds.useRubric();
  assert.match(stub.lastMessage('error')?.message ?? '', /cannot be used yet.*\{\{response\}\}/);
  assert.equal(calls.filter((c) => c.method === 'rubric/set').length, 0);
  const edited = DEFAULT_RUBRIC.replace('- Add a 5th point', '- Subtract a point if the response is padded.\n- Add a 5th point');
  (vs.window as { activeTextEditor: unknown }).activeTextEditor = { document: fakeDoc('/ws/rubric.md', edited) };
  stub.answer('message', 'Show Diff');
  await cmds.useRubric();
  assert.equal(versions.length, 2);
  assert.equal(versions[1], edited);
  assert.match(stub.lastMessage('info')?.message ?? '', /rubric v2 will be used from the next iteration/);
  const diff = stub.executed.find((e) => e.command === 'vscode.diff');
  assert.ok(diff, 'vscode.diff opened');
  const [left, right, title] = diff.args as [Uri, Uri, string];
  assert.equal(title, 'Rubric v1 ↔ v2 (run-1)');
  const provider = stub.contentProviders.get('selfreward-rubric') as { provideTextDocumentContent(u: Uri): Promise<string> };
  assert.equal(await provider.provideTextDocumentContent(left), DEFAULT_RUBRIC);
  assert.equal(await provider.provideTextDocumentContent(right), edited);
  await cmds.useRubric();
  assert.match(stub.lastMessage('info')?.message ?? '', /already uses this rubric \(v2\)/);
});

test('pinSample keeps pins per run; Edit Judge Rubric creates the run\'s rubric file and opens the preview beside it; More samples doubles K', async () => {
  const { cmds, context, calls } = await setup();
  await cmds.pinSample({ id: 'c1', prompt: 'Q', answer: 'A', baselineScore: 3 });
  await cmds.pinSample({ id: 'c1', prompt: 'Q', answer: 'A2', baselineScore: 4 });
  await cmds.pinSample({ nonsense: true });
  assert.match(stub.lastMessage('warning')?.message ?? '', /nothing to pin/);
  assert.deepEqual(context.workspaceState.get('selfreward.rubric.pins.run-1'), [{ id: 'c1', prompt: 'Q', answer: 'A2', baselineScore: 4 }]);

  const ws = tmpDir();
  stub.workspaceFolders = [{ uri: Uri.file(ws), name: 'ws', index: 0 }];
  // the stub's documents have no positionAt: give it one for the diagnostics
  const open = vs.workspace.openTextDocument as (u: Uri) => Promise<{ uri: Uri; getText(): string }>;
  vs.workspace.openTextDocument = async (u: Uri) => { const d = await open(u); return fakeDoc(u.fsPath, d.getText()); };
  try {
    await cmds.editRubric();
  } finally {
    vs.workspace.openTextDocument = open;
  }
  assert.equal(fs.readFileSync(path.join(ws, 'rubrics', 'run-1.rubric.md'), 'utf8'), DEFAULT_RUBRIC, 'one file per run, created from its rubric in use');
  const panel = stub.panels.find((p) => p.viewType === 'selfreward.rubricPreview');
  assert.ok(panel, 'preview panel opened');
  assert.match(panel.webview.html, /<script nonce="[A-Za-z0-9]+" src="[^"]*rubric\.js"/);
  const set = panel.webview.posted.find((m) => (m as { type: string }).type === 'set') as { samples: { id: string }[]; setLabel: string; runName?: string };
  assert.ok(set, 'the preview set was sent');
  assert.equal(set.runName, 'alpha', 'the panel is told which run it compares against');
  assert.equal(set.samples[0].id, 'c1', 'pins first');
  assert.match(set.setLabel, /1 pinned/);
  assert.ok(calls.some((c) => c.method === 'rubric/get'));
  const judged = calls.filter((c) => c.method === 'preview/judge').map((c) => c.params as RequestParams<'preview/judge'>);
  assert.equal(judged.length, 1, 'the draft is judged at once on the new set (pins carry their baseline: no baseline run)');
  assert.equal(judged[0].rubric, DEFAULT_RUBRIC);
  assert.equal(judged[0].runId, 'run-1');
  assert.deepEqual(panel.webview.posted.map((m) => (m as { type: string }).type), ['set', 'start', 'lint'], JSON.stringify(panel.webview.posted.slice(3)));
  assert.deepEqual((panel.webview.posted[2] as { problems: unknown[] }).problems, [], 'the default rubric is clean');
  // More samples: the set is judged again with twice the samples per answer
  panel.webview.receive({ type: 'moreSamples' });
  await new Promise((r) => setTimeout(r, 20));
  const again = calls.filter((c) => c.method === 'preview/judge').map((c) => c.params as RequestParams<'preview/judge'>);
  assert.equal(again.at(-1)?.k, 2 * judged[0].k);
  assert.equal((panel.webview.posted.filter((m) => (m as { type: string }).type === 'set').at(-1) as { k: number }).k, 2 * judged[0].k);
  panel.dispose();
});

test('the meta-judge template: its own file and diagnostics, a preview of judge pairs in both orders, Use stores a meta-judge version', async () => {
  const { cmds, calls, versions, metaVersions } = await setup();
  const ws = tmpDir();
  stub.workspaceFolders = [{ uri: Uri.file(ws), name: 'ws', index: 0 }];
  const open = vs.workspace.openTextDocument as (u: Uri) => Promise<{ uri: Uri; getText(): string }>;
  vs.workspace.openTextDocument = async (u: Uri) => { const d = await open(u); return fakeDoc(u.fsPath, d.getText()); };
  try {
    await cmds.editMetaJudgeTemplate();
  } finally {
    vs.workspace.openTextDocument = open;
  }
  assert.equal(fs.readFileSync(path.join(ws, 'rubrics', 'run-1.meta-judge.md'), 'utf8'), DEFAULT_META_JUDGE, 'created from the template the run would use');
  await new Promise((r) => setTimeout(r, 20));
  const panel = stub.panels.find((p) => p.viewType === 'selfreward.metaJudgePreview');
  assert.ok(panel, 'the meta-judge preview opened');
  assert.match(panel.webview.html, /src="[^"]*metaJudge\.js"/);
  const set = panel.webview.posted.find((m) => (m as { type: string }).type === 'set') as { samples: { id: string; judgments: string[]; peoplePrefer?: number }[]; setLabel: string };
  assert.deepEqual(set.samples.map((x) => [x.id, x.peoplePrefer]), [['c0-jpair', 0], ['c1-jpair', undefined]], 'the run\'s judge pairs, reviewed first');
  assert.match(set.setLabel, /judge pairs of iteration 1 \(1 reviewed\)/);
  const asked = calls.filter((c) => c.method === 'preview/judge').map((c) => c.params as RequestParams<'preview/judge'>);
  assert.ok(asked.length >= 1 && asked.every((p) => p.kind === 'meta-judge'), 'meta-judge previews');
  assert.deepEqual(asked[0].samples[0].judgments, [JUDGE_PAIRS[0].chosen.text, JUDGE_PAIRS[0].rejected.text]);
  const lint = panel.webview.posted.filter((m) => (m as { type: string }).type === 'lint').at(-1) as { problems: unknown[] };
  assert.deepEqual(lint.problems, [], 'the built-in template is clean');
  // diagnostics for *.meta-judge.md with the template's own checks
  docEvents.open.fire(fakeDoc('/ws/x.meta-judge.md', 'Compare {{judgment_a}} with {{judgment_b}}.'));
  const d = collections.map((c) => c.get(Uri.file('/ws/x.meta-judge.md').toString())).find((x) => x)!;
  assert.ok(d.some((x) => /\{\{rubric\}\}/.test(x.message)) && d.some((x) => /Winner/.test(x.message)));
  // Use: refused while broken, else stored as the next meta-judge version (the rubric untouched)
  (vs.window as { activeTextEditor: unknown }).activeTextEditor = { document: fakeDoc('/ws/x.meta-judge.md', 'Compare {{judgment_a}} with {{judgment_b}}. Winner: A') };
  panel.dispose();
  await cmds.useMetaJudgeTemplate();
  assert.match(stub.lastMessage('error')?.message ?? '', /meta-judge template cannot be used yet/);
  const edited = DEFAULT_META_JUDGE.replace('A longer evaluation is not a better one', 'Length alone decides nothing');
  (vs.window as { activeTextEditor: unknown }).activeTextEditor = { document: fakeDoc('/ws/run-1.meta-judge.md', edited) };
  await cmds.useMetaJudgeTemplate();
  assert.deepEqual(metaVersions, [edited]);
  assert.equal(versions.length, 1, 'the rubric has no new version');
  assert.match(stub.lastMessage('info')?.message ?? '', /meta-judge template v1 will be used/);
});
