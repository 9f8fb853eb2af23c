/**
 * The eval requests over the real agent: dist/agent.js serves a runs folder holding a two-iteration sim run; the
 * typed client asks for the iteration report and a judge evaluation (the daemon starts the run's sim backend).
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../remote/config/config';
import { setQuiet } from '../../remote/log';
import type { Notifications } from '../../remote/protocol';
import { RunStore } from '../../remote/store/runStore';
import { runIteration } from '../../remote/pipeline/iteration';
import { selectBackends } from '../../remote/backends';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { connectSocket } from '../../remote/rpc/client';
import { startSimServer } from '../../remote/backends/sim/server';
import { repoRoot, tmpDir } from '../helpers/tmp';

setQuiet(true);

test('report/write and the eval requests through the agent daemon', async () => {
  const runsDir = tmpDir();
  const store = new RunStore(runsDir);
  const config = validateConfig({
    name: 'agent eval', model: { backend: 'sim', name: 'sim-base', sim: { zeroLatency: true } }, seedData: [{ path: 'builtin:demo' }],
    prompts: { perIteration: 8 }, trainer: { backend: 'sim' },
  });
  const run = store.create(config, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  const backends = selectBackends(config, run.dir);
  try {
    for (let i = 0; i < 2; i++) await runIteration(run, { signal: new AbortController().signal, backends, retryBaseDelayMs: 10 });
  } finally {
    await backends.inference.stop();
  }
  const runId = run.id;
  run.close();

  const sock = path.join(tmpDir('sr-sock-'), 'agent.sock');
  const child = spawn(process.execPath, [path.join(repoRoot, 'dist/agent.js'), 'serve', '--socket', sock, '--runs-dir', runsDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 15_000;
    while (!fs.existsSync(`${sock}.token`) || !fs.existsSync(sock)) {
      if (Date.now() > deadline) throw new Error(`agent did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const rpc = await connectSocket(sock, `${sock}.token`, { client: 'eval-test' });
    try {
      const rep = await rpc.request('report/write', { runId, iteration: 2 });
      assert.ok(rep.files.includes(path.join('iterations', '2', 'report.md')));
      const report = JSON.parse(fs.readFileSync(path.join(runsDir, runId, 'iterations/2/report.json'), 'utf8'));
      assert.equal(report.iteration, 2);
      assert.deepEqual(report.series.map((s: { iteration: number }) => s.iteration), [1, 2]);

      const progress: Notifications['eval/progress'][] = [];
      rpc.onNotification('eval/progress', (p) => progress.push(p));
      const je = await rpc.request('eval/judge', { runId, model: 2, k: 1, maxGroups: 5 });
      assert.equal(je.model, 2);
      assert.equal(je.agreement.groups, 5);
      assert.ok(je.agreement.pairs > 0);
      assert.ok(fs.existsSync(path.join(runsDir, runId, je.file)));
      assert.ok(progress.some((p) => p.kind === 'judge' && p.done === p.total), 'progress notified');

      // the evaluations work with no judge to set up: the run's own (sim) model judges by default
      const wr = await rpc.request('eval/winRate', { runId, maxPrompts: 4 });
      assert.equal(wr.summary.n, 4);
      assert.equal(wr.file, 'eval/winrate-m3.json');
      assert.ok(fs.existsSync(path.join(runsDir, runId, wr.file)));
      const mt = await rpc.request('eval/multiTurn', { runId, subject: { kind: 'run', iteration: 1 }, maxQuestions: 2 });
      assert.equal(mt.summary.questions, 2);
      assert.equal(mt.summary.graded + mt.summary.unreadable + mt.summary.outOfRange, 4, 'two turns each');
      const h2h = await rpc.request('eval/compare', { runId, modelNew: 3, maxPrompts: 4 });
      assert.equal(h2h.summary.n, 4);
      assert.equal(h2h.summary.wins + h2h.summary.ties + h2h.summary.losses + h2h.summary.unreadable, 4);
      // against any OpenAI-compatible endpoint (here a separate sim server)
      const other = await startSimServer({ zeroLatency: true });
      try {
        const ep = await rpc.request('eval/compare', { runId, subject: { kind: 'run', iteration: 3 }, against: { kind: 'endpoint', baseUrls: [other.baseUrl], model: 'sim-base', label: 'baseline' }, maxPrompts: 3 });
        assert.equal(ep.file, 'eval/h2h-m3-vs-ext-baseline.json');
        assert.equal(ep.result?.against?.label, 'baseline');
      } finally {
        await other.close();
      }
      const list = await rpc.request('eval/list', { runId });
      assert.deepEqual(list.results.map((r) => `${r.kind}:${r.model.key}${r.against ? `:${r.against.key}` : ''}`).sort(),
        ['headToHead:m3:ext-baseline', 'headToHead:m3:m2', 'judge:m2', 'multiTurn:m1', 'winRate:m3']);
      await assert.rejects(rpc.request('eval/winRate', { runId, prompts: '/nonexistent/set.jsonl' }), /nonexistent\/set\.jsonl: cannot read/);
      await assert.rejects(rpc.request('eval/compare', { runId, modelNew: 3, modelOld: 9 }), /no model M9/);

      await assert.rejects(rpc.request('report/write', { runId, iteration: 7 }), /no iteration 7/);
      // the daemon may close the link before its answer arrives
      await rpc.request('agent/shutdown', {}).catch(() => undefined);
    } finally {
      rpc.dispose();
    }
    assert.equal(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]), 0);
  } finally {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }
});
