/**
 * End to end on the simulated model: two self-rewarding iterations, then the eval handlers (judge agreement on the
 * shipped labelled set, head-to-head of M3 vs M2 in both orders) and the iteration report — whose numbers must agree
 * with the run's own files.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { validateConfig } from '../../remote/config/config';
import { setQuiet } from '../../remote/log';
import type { CandidateRecord, IterationSummary, JudgmentRecord, Notifications, PairRecord } from '../../remote/protocol';
import { RunStore, type Run } from '../../remote/store/runStore';
import { runIteration } from '../../remote/pipeline/iteration';
import { selectBackends } from '../../remote/backends';
import { judge as simJudge } from '../../remote/backends/sim/judge';
import { Rng } from '../../remote/backends/sim/rng';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { defaultEvalDeps, makeEvalHandlers } from '../../remote/server/handlers/eval';
import type { AgentContext, ConnectionContext } from '../../remote/server/types';
import type { IterationReport } from '../../remote/eval/report';
import type { HeadToHeadComparison } from '../../remote/eval/headToHead';
import type { JudgeEvalRecord } from '../../remote/eval/results';
import { LABELLED_SEED } from '../../remote/seed/builtin/labelled';
import { tmpDir } from '../helpers/tmp';

setQuiet(true);

/**
 * The external judge of the head-to-head: an OpenAI-compatible endpoint on loopback that grades both answers with
 * the sim's rubric-reading judge and prefers the higher score — and, on a tie, whatever is in position A (a
 * position bias the both-orders rule must neutralise).
 */
async function startPairwiseJudge(): Promise<{ url: string; close(): void; requests: () => number }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests++;
      const b = JSON.parse(body) as { model: string; messages: { content: string }[] };
      const text = b.messages[0].content;
      const grab = (tag: string): string => new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(text)?.[1] ?? '';
      const instruction = grab('instruction');
      const score = (response: string): number => simJudge({ instruction, response, rubric: DEFAULT_RUBRIC }, 0, new Rng(1), false).score ?? 0;
      const verdict = score(grab('answer_b')) > score(grab('answer_a')) ? 'B' : 'A';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'j', object: 'chat.completion', created: 0, model: b.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Compared.\nVerdict: ${verdict}` } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => server.close(), requests: () => requests };
}

const lines = <T>(file: string): T[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : []);

test('two sim iterations → judge eval, head-to-head and a report consistent with the run files', async () => {
  const store = new RunStore(tmpDir());
  const config = validateConfig({
    name: 'report e2e', seed: 7,
    model: { backend: 'sim', name: 'sim-base', sim: { zeroLatency: true } },
    seedData: [{ path: 'builtin:demo' }],
    prompts: { perIteration: 16 }, candidates: { n: 4 }, judge: { k: 3 },
    trainer: { backend: 'sim' },
  });
  const run: Run = store.create(config, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
  after(() => run.close());
  const backends = selectBackends(config, run.dir);
  const summaries: IterationSummary[] = [];
  try {
    for (let i = 0; i < 2; i++) summaries.push(await runIteration(run, { signal: new AbortController().signal, backends, retryBaseDelayMs: 10 }));
  } finally {
    await backends.inference.stop();
  }
  assert.deepEqual(run.models().map((m) => m.iteration), [1, 2, 3]);

  const agent = { store, openRun: () => run, agentVersion: 't', bundleHash: 'h' } as AgentContext;
  const progress: Notifications['eval/progress'][] = [];
  const conn: ConnectionContext = { id: 1, notify: (m, p) => { if (m === 'eval/progress') progress.push(p as Notifications['eval/progress']); }, onClose: () => undefined };
  const handlers = makeEvalHandlers(defaultEvalDeps);
  const signal = new AbortController().signal;

  // judge agreement of M2 (the judge of iteration 2) on the shipped labelled set
  const je = await handlers['eval/judge']!({ runId: run.id, model: 2, k: 2 }, agent, conn, signal);
  assert.equal(je.model, 2);
  assert.equal(je.agreement.groups, LABELLED_SEED.length);
  const jeFile = JSON.parse(fs.readFileSync(path.join(run.dir, je.file), 'utf8')) as JudgeEvalRecord;
  assert.equal(jeFile.answers.length, LABELLED_SEED.reduce((n, g) => n + g.answers.length, 0));
  assert.ok(jeFile.answers.every((a) => a.scores.length === 2));
  assert.ok(progress.some((p) => p.kind === 'judge' && p.done === p.total));

  // head-to-head M3 vs M2 on the labelled prompts, external judge on loopback
  const judge = await startPairwiseJudge();
  try {
    const h = await handlers['eval/compare']!({ runId: run.id, modelNew: 3, judge: { baseUrls: [judge.url], model: 'pairwise-sim' }, maxPrompts: 12 }, agent, conn, signal);
    assert.equal(h.summary.n, 12);
    assert.equal(h.skipped, 0);
    assert.equal(h.summary.wins + h.summary.ties + h.summary.losses, 12);
    assert.equal(judge.requests(), 24, 'each prompt judged in both orders');
    const comparisons = lines<HeadToHeadComparison>(path.join(run.dir, h.file.replace(/\.json$/, '.jsonl')));
    assert.equal(comparisons.length, 12);
    for (const c of comparisons) {
      // equal grades → the biased judge says A both times → must be a tie
      if (c.newFirst === c.oldFirst) assert.equal(c.outcome, 'tie');
    }
    assert.equal(comparisons.filter((c) => c.outcome === 'win').length, h.summary.wins);
  } finally {
    judge.close();
  }
  await assert.rejects(handlers['eval/compare']!({ runId: run.id, modelNew: 3, modelOld: 3, judge: { baseUrls: [judge.url], model: 'j' } }, agent, conn, signal), /compared with itself/);
  await assert.rejects(handlers['eval/judge']!({ runId: run.id, model: 9 }, agent, conn, signal), /no model M9/);

  // the report of iteration 2
  const rep = await handlers['report/write']!({ runId: run.id, iteration: 2 }, agent, conn, signal);
  assert.deepEqual(rep.files.map((f) => path.basename(f)).sort(), ['eval-trend.svg', 'length-histogram.svg', 'report.json', 'report.md', 'score-histogram.svg', 'score-vs-length.svg', 'trend.svg']);
  const r = JSON.parse(fs.readFileSync(path.join(run.dir, 'iterations/2/report.json'), 'utf8')) as IterationReport;
  const dir = run.iterationDir(2);
  const cands = lines<CandidateRecord>(path.join(dir, 'candidates.jsonl'));
  const judgments = lines<JudgmentRecord>(path.join(dir, 'judgments.jsonl'));
  const pairs = lines<PairRecord>(path.join(dir, 'pairs.jsonl'));
  const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as IterationSummary;
  assert.ok(cands.length > 0 && judgments.length > 0 && pairs.length > 0, 'the sim iteration produced data');
  assert.deepEqual(r.metrics, metrics, 'metrics.json carried unchanged');
  assert.equal(r.analytics.judgments, metrics.judgments);
  assert.equal(r.analytics.judgments, judgments.length);
  assert.equal(r.analytics.candidates, cands.filter((c) => !c.error).length);
  assert.equal(r.analytics.parseFailures, metrics.parseFailures, 'parse failures: same count as the pipeline');
  assert.ok(Math.abs((r.analytics.parseFailureRate ?? 0) - metrics.parseFailureRate) < 1e-12);
  assert.equal(r.analytics.ties, metrics.ties, 'ties: the pair stage\'s count');
  assert.equal(r.analytics.pairs, metrics.pairs);
  assert.equal(r.analytics.pairs, pairs.length);
  assert.ok(Math.abs((r.analytics.length.mean ?? 0) - (metrics.meanCandidateChars ?? -1)) < 1e-9, 'mean answer length = metrics.json');
  const hist = r.analytics.sampleScoreHistogram.reduce((a, b) => a + b.count, 0);
  assert.equal(hist, judgments.filter((j) => j.parseOk && j.score !== null && !j.error).length, 'histogram covers every parsed sample');
  assert.deepEqual(r.series.map((s) => s.iteration), [1, 2]);
  const m1 = JSON.parse(fs.readFileSync(path.join(run.iterationDir(1), 'metrics.json'), 'utf8')) as IterationSummary;
  assert.ok(Math.abs((r.series[0].meanChars ?? 0) - (m1.meanCandidateChars ?? -1)) < 1e-9);
  assert.equal(r.series[0].pairs, m1.pairs);
  assert.equal(r.rubric?.version, 1);
  assert.equal(r.judgeEval?.model, 2);
  assert.deepEqual(r.judgeEval?.agreement, je.agreement);
  assert.equal(r.headToHead.length, 1, 'M3 (trained by iteration 2) vs M2');
  assert.equal(r.headToHead[0].modelNew, 3);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.ok(md.includes(`| judge samples | ${judgments.length} |`));
  assert.ok(md.includes(`| pairs | ${pairs.length} |`));
  const trainRows = fs.readFileSync(path.join(dir, 'train', 'train.jsonl'), 'utf8').trim().split('\n').length;
  assert.ok(md.includes(`| pairs trained | ${trainRows} |`), 'pairs trained = lines of train.jsonl');
  assert.ok(md.includes(`| pairs excluded | ${pairs.length - trainRows} |`));
  assert.match(md, /Model in: M2 \(`[^`]+`\), model out: M3 \(`[^`]+`\)/);
  assert.ok(md.includes(`| M3 vs M2 | 12 | ${r.headToHead[0].summary.wins} | ${r.headToHead[0].summary.ties} | ${r.headToHead[0].summary.losses} |`));
  const svg = fs.readFileSync(path.join(dir, 'score-vs-length.svg'), 'utf8');
  assert.equal([...svg.matchAll(/<circle/g)].length, Math.min(2000, r.analytics.scoredCandidates));
});
