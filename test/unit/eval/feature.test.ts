/** The eval commands' flows on the shared vscode stub, against a scripted agent. */
import { stub, fakeContext, fakeLog, EventEmitter } from '../../helpers/vscodeStub';
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult } from '../../../remote/protocol';
import type { AgentApi } from '../../../src/connection/agentApi';
import type { Services } from '../../../src/services';
import { summarise } from '../../../remote/eval/headToHead';
import { evalFeature } from '../../../src/eval/feature';

function setup() {
  stub.reset();
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const listeners = new Map<string, ((p: unknown) => void)[]>();
  const notify = <N extends NotificationMethod>(m: N, p: Notifications[N]): void => listeners.get(m)?.forEach((h) => h(p));
  const comparisons = Array.from({ length: 10 }, (_, i) => ({ promptId: `${i}`, outcome: (i < 6 ? 'win' : i < 7 ? 'loss' : 'tie') as 'win' | 'loss' | 'tie', newFirst: null, oldFirst: null, texts: ['', ''] as [string, string] }));
  const agent: AgentApi = {
    label: 'test', state: 'connected', onDidChangeState: () => ({ dispose: () => undefined }),
    async request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
      calls.push({ method, params: params as Record<string, unknown> });
      const r: Record<string, unknown> = {
        'runs/snapshot': { models: [1, 2, 3].map((i) => ({ iteration: i, name: `m${i}`, madeBy: i === 1 ? 'base' : 'sim-train' })), iterations: [{ iteration: 1 }, { iteration: 2 }] },
        'eval/compare': (() => { for (let i = 1; i <= 10; i++) notify('eval/progress', { runId: 'run-1', kind: 'compare', done: i, total: 10 }); return { summary: summarise(comparisons), file: 'eval/h2h-m3-vs-m2.json', skipped: 0 }; }),
        'report/write': { files: ['iterations/2/report.md', 'iterations/2/report.json'], warnings: ['Answers grew'] },
        'files/read': { data: '# Iteration 2 report\n', size: 21, eof: true },
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

test('Compare Iterations: picks two models and an external judge, shows W/T/L with the interval, opens the report', async () => {
  const { cmds, calls, context } = setup();
  stub.answer('quickPick', 'M3', 'M2');
  stub.answer('inputBox', 'http://127.0.0.1:8000/v1', 'judge-model', 'JUDGE_KEY');
  stub.answer('message', 'Open Report');
  await cmds.compareIterations();
  const olderPick = stub.prompts.filter((p) => p.kind === 'quickPick')[1];
  assert.deepEqual((olderPick.items as { label: string }[]).map((i) => i.label), ['M2', 'M1'], 'only older models offered');
  const cmp = calls.find((c) => c.method === 'eval/compare')!;
  assert.deepEqual(cmp.params, { runId: 'run-1', modelNew: 3, modelOld: 2, judge: { baseUrls: ['http://127.0.0.1:8000/v1'], model: 'judge-model', apiKeyEnv: 'JUDGE_KEY' } });
  const msg = stub.messages.find((m) => m.message.startsWith('M3 vs M2'))!;
  assert.match(msg.message, /10 prompts: 6 wins, 3 ties, 1 losses — win rate 60\.0 % \(95 % CI 31\.3 %–83\.2 %\), loss rate 10\.0 %/);
  assert.equal(stub.progress[0].reports.length, 10, 'progress from eval/progress notifications');
  assert.ok(Math.abs(stub.progress[0].reports.reduce((a, r) => a + (r.increment ?? 0), 0) - 100) < 1e-9);
  assert.deepEqual(calls.find((c) => c.method === 'report/write')?.params, { runId: 'run-1', iteration: 2 }, 'the iteration that trained M3');
  assert.equal(stub.shownDocuments.length, 1, 'report.md opened');
  assert.deepEqual(context.globalState.get('selfreward.eval.lastJudge'), { baseUrls: ['http://127.0.0.1:8000/v1'], model: 'judge-model', apiKeyEnv: 'JUDGE_KEY' });
  assert.equal(stub.pending(), 0);
});

test('Compare Iterations: Escape at any step sends nothing', async () => {
  const { cmds, calls } = setup();
  stub.answer('quickPick', 'M3', 'M2');
  stub.answer('inputBox', undefined);
  await cmds.compareIterations();
  assert.equal(calls.filter((c) => c.method === 'eval/compare').length, 0);
});
