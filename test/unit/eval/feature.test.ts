/** The eval commands' flows on the shared vscode stub, against a scripted agent. */
import { stub, fakeContext, fakeLog, EventEmitter } from '../../helpers/vscodeStub';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult } from '../../../remote/protocol';
import type { AgentApi } from '../../../src/connection/agentApi';
import type { Services } from '../../../src/services';
import { summarise } from '../../../remote/eval/headToHead';
import { evalFeature } from '../../../src/eval/feature';

function setup(opts: { label?: string; runDir?: string; iterations?: number[]; models?: { iteration: number; name: string; madeBy: string; role?: string }[] } = {}) {
  stub.reset();
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const listeners = new Map<string, ((p: unknown) => void)[]>();
  const notify = <N extends NotificationMethod>(m: N, p: Notifications[N]): void => listeners.get(m)?.forEach((h) => h(p));
  const comparisons = Array.from({ length: 10 }, (_, i) => ({ promptId: `${i}`, outcome: (i < 6 ? 'win' : i < 7 ? 'loss' : 'tie') as 'win' | 'loss' | 'tie', newFirst: null, oldFirst: null, texts: ['', ''] as [string, string] }));
  const files: Record<string, string> = { 'iterations/2/report.md': '# Iteration 2 report\n![Win rate per model](eval-trend.svg)\n', 'iterations/2/eval-trend.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>' };
  const agent: AgentApi = {
    label: opts.label ?? 'user@gpu-box', state: 'connected', onDidChangeState: () => ({ dispose: () => undefined }),
    async request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
      calls.push({ method, params: params as Record<string, unknown> });
      const r: Record<string, unknown> = {
        'runs/snapshot': {
          run: { id: 'run-1', dir: opts.runDir ?? '/remote/runs/run-1' },
          models: opts.models ?? [1, 2, 3].map((i) => ({ iteration: i, name: `m${i}`, madeBy: i === 1 ? 'base' : 'sim-train' })),
          iterations: (opts.iterations ?? [1, 2]).map((iteration) => ({ iteration })),
        },
        'eval/compare': (() => { for (let i = 1; i <= 10; i++) notify('eval/progress', { runId: 'run-1', kind: 'compare', done: i, total: 10 }); return { summary: summarise(comparisons), file: 'eval/h2h-m3-vs-m2.json', skipped: 0 }; }),
        'eval/winRate': { summary: { n: 16, wins: 9, ties: 2, losses: 4, unreadable: 1, winRate: 10 / 15, winRateCi: [0.4, 0.85], lcWinRate: 0.6, lc: null, meanLength: 812, referenceMeanLength: 700, failed: 0, seenInTraining: 0 }, file: 'eval/winrate-m1.json' },
        'report/write': { files: ['iterations/2/report.md', 'iterations/2/report.json', 'iterations/2/eval-trend.svg'], warnings: ['Answers grew'] },
        'files/read': () => { const d = files[(params as { path: string }).path] ?? ''; return { data: d, size: d.length, eof: true }; },
      };
      const v = r[method];
      if (v === undefined) throw new Error(`unexpected ${method}`);
      return (typeof v === 'function' ? v() : v) as RequestResult<M>;
    },
    onNotification<N extends NotificationMethod>(method: N, h: (p: Notifications[N]) => void) {
      const list = listeners.get(method) ?? [];
      list.push(h as (p: unknown) => void);
      listeners.set(method, list);
      return { dispose: () => list.splice(list.indexOf(h as (p: unknown) => void), 1) };
    },
    dispose: () => undefined,
  };
  const context = fakeContext();
  const services = { context, log: fakeLog(), currentRunId: 'run-1', connection: { agent, state: 'connected' }, onDidChangeCurrentRun: new EventEmitter<unknown>().event } as unknown as Services;
  const cmds = Object.fromEntries(Object.entries(evalFeature.commands ?? {}).map(([k, f]) => [k, f(services)]));
  return { cmds, calls, context };
}

const preview = () => stub.executed.filter((e) => e.command === 'markdown.showPreview').map((e) => e.args[0] as { fsPath: string });

test('Compare Models: a model against an older one, held-out prompts and size, external judge; W/T/L/unreadable with the interval; the report opens from a local copy beside its charts', async () => {
  const { cmds, calls, context } = setup();
  stub.answer('quickPick', 'M3', 'M2', 'Held-out set', 'External judge…');
  stub.answer('inputBox', '100', 'http://127.0.0.1:8000/v1', 'judge-model', 'JUDGE_KEY');
  stub.answer('message', 'Open Report');
  await cmds.compareIterations();
  const againstPick = stub.prompts.filter((p) => p.kind === 'quickPick')[1];
  assert.deepEqual((againstPick.items as { label: string }[]).map((i) => i.label), ['M2', 'M1', 'Another OpenAI-compatible model…'], 'older models, or any endpoint');
  const cmp = calls.find((c) => c.method === 'eval/compare')!;
  assert.deepEqual(cmp.params, {
    runId: 'run-1', subject: { kind: 'run', iteration: 3 }, against: { kind: 'run', iteration: 2 }, prompts: { path: 'builtin:heldout', format: 'auto' }, maxPrompts: 100,
    judge: { baseUrls: ['http://127.0.0.1:8000/v1'], model: 'judge-model', apiKeyEnv: 'JUDGE_KEY' },
  });
  const msg = stub.messages.find((m) => m.message.startsWith('M3 vs M2'))!;
  assert.match(msg.message, /10 prompts: 6 wins, 3 ties, 1 losses, 0 unreadable — win rate 60\.0 % \(95 % CI 31\.3 %–83\.2 %\), loss rate 10\.0 %/);
  assert.equal(stub.progress[0].reports.length, 10, 'progress from eval/progress notifications');
  assert.ok(Math.abs(stub.progress[0].reports.reduce((a, r) => a + (r.increment ?? 0), 0) - 100) < 1e-9);
  assert.deepEqual(calls.find((c) => c.method === 'report/write')?.params, { runId: 'run-1', iteration: 2 }, 'the iteration that trained M3');
  // a remote run's report is copied with its charts into the global storage and opened from there
  const [uri] = preview();
  assert.ok(uri.fsPath.startsWith(context.globalStorageUri.fsPath) && uri.fsPath.endsWith(path.join('run-1', 'iterations', '2', 'report.md')), uri.fsPath);
  assert.match(fs.readFileSync(uri.fsPath, 'utf8'), /eval-trend\.svg/);
  assert.ok(fs.existsSync(path.join(path.dirname(uri.fsPath), 'eval-trend.svg')), 'the chart resolves beside the report');
  assert.deepEqual(context.globalState.get('selfreward.eval.lastJudge'), { baseUrls: ['http://127.0.0.1:8000/v1'], model: 'judge-model', apiKeyEnv: 'JUDGE_KEY' });
  assert.equal(stub.pending(), 0);
});

test('Compare Models against any endpoint, judged by the run\'s current model', async () => {
  const { cmds, calls } = setup();
  stub.answer('quickPick', 'M3', 'Another OpenAI-compatible model…', 'Held-out set', 'The run\'s current model');
  stub.answer('inputBox', 'https://api.example.com/v1', 'gpt-x', 'OPENAI_API_KEY', '');
  stub.answer('message', undefined);
  await cmds.compareIterations();
  const cmp = calls.find((c) => c.method === 'eval/compare')!;
  assert.deepEqual(cmp.params, {
    runId: 'run-1', subject: { kind: 'run', iteration: 3 }, against: { kind: 'endpoint', baseUrls: ['https://api.example.com/v1'], model: 'gpt-x', apiKeyEnv: 'OPENAI_API_KEY' },
    prompts: { path: 'builtin:heldout', format: 'auto' }, judge: { kind: 'self' },
  });
});

test('Compare Models: Escape at any step sends nothing', async () => {
  const { cmds, calls } = setup();
  stub.answer('quickPick', 'M3', 'M2', 'Held-out set', 'External judge…');
  stub.answer('inputBox', '256', undefined);
  await cmds.compareIterations();
  assert.equal(calls.filter((c) => c.method === 'eval/compare').length, 0);
});

test('Open Report always does something: a local run opens from its folder; a run without iterations says so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-report-'));
  try {
    const local = setup({ label: 'local', runDir: dir });
    stub.answer('quickPick', 'M1', 'Held-out set', 'The run\'s current model');
    stub.answer('inputBox', '');
    stub.answer('message', 'Open Report');
    await local.cmds.evaluateWinRate();
    assert.match(stub.messages[0].message, /M1 against the reference answers \(16 prompts\): win rate 66\.7 % \(95 % CI 40\.0 %–85\.0 %\), LC win rate 60\.0 %; 9 wins, 2 ties, 4 losses, 1 unreadable/);
    assert.deepEqual(local.calls.find((c) => c.method === 'report/write')?.params, { runId: 'run-1', iteration: 1 }, 'M1 ran iteration 1');
    assert.equal(preview()[0].fsPath, path.join(dir, 'iterations', '2', 'report.md'), 'opened from the run folder itself');
    assert.equal(local.calls.filter((c) => c.method === 'files/read').length, 0);

    const empty = setup({ iterations: [] });
    stub.answer('quickPick', 'M1', 'Held-out set', 'The run\'s current model');
    stub.answer('inputBox', '');
    stub.answer('message', 'Open Report');
    await empty.cmds.evaluateWinRate();
    assert.ok(stub.messages.some((m) => /no iteration yet, so there is no report to open/.test(m.message)));
    assert.equal(empty.calls.filter((c) => c.method === 'report/write').length, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
