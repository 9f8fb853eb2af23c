import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { validateConfig } from '../../../remote/config/config';
import { setQuiet } from '../../../remote/log';
import type { CandidateRecord, JudgmentRecord, PairRecord } from '../../../remote/protocol';
import { RunStore, type Run } from '../../../remote/store/runStore';
import { writeIterationReport, type IterationReport } from '../../../remote/eval/report';
import { writeHeadToHead, writeJudgeEval } from '../../../remote/eval/results';
import { summarise } from '../../../remote/eval/headToHead';
import { judgeAgreement } from '../../../remote/eval/metrics';
import { tmpDir } from '../../helpers/tmp';

setQuiet(true);

/** Deterministic fake iteration data: iteration 2's answers are longer and score a little higher. */
function fillIteration(run: Run, t: number): void {
  const rubric = run.latestRubric();
  run.writeManifest({
    iteration: t, modelIn: `m${t}`, modelOut: `m${t + 1}`, rubric, seed: 1,
    params: { prompts: run.config.prompts, candidates: run.config.candidates, judge: run.config.judge, pairs: run.config.pairs, review: run.config.review, trainer: run.config.trainer },
    stages: {}, status: 'done', startedAt: new Date(0).toISOString(),
  });
  let x = t * 7;
  const rnd = (): number => ((x = (x * 48271) % 2147483647) / 2147483647);
  for (let p = 0; p < 10; p++) {
    const cands: CandidateRecord[] = [];
    for (let i = 0; i < 4; i++) {
      const chars = Math.round(200 * t + rnd() * 400 * t);
      const c: CandidateRecord = { id: `c${t}-${p}-${i}`, promptId: `p${t}-${p}`, iteration: t, index: i, text: 'y'.repeat(chars), chars };
      run.writer(t, 'candidates').append(c);
      cands.push(c);
      for (let k = 0; k < 3; k++) {
        const fail = rnd() < 0.1;
        const score = fail ? null : Math.min(5, Math.floor(rnd() * 4) + (t === 2 ? 1 : 0) + (p % 3 === 0 ? 1 : 0));
        const j: JudgmentRecord = { id: `j${c.id}-${k}`, candidateId: c.id, promptId: c.promptId, iteration: t, sample: k, text: fail ? 'hmm' : `Score: ${score}`, score, parseOk: !fail, rubricHash: rubric.hash };
        run.writer(t, 'judgments').append(j);
      }
    }
    if (p % 4 !== 0) {
      const pair: PairRecord = {
        id: `pair${t}-${p}`, promptId: `p${t}-${p}`, iteration: t, prompt: 'q', margin: 1,
        chosen: { candidateId: cands[0].id, text: cands[0].text, score: 4, scores: [4, 4, 4], chars: cands[0].chars },
        rejected: { candidateId: cands[1].id, text: cands[1].text, score: 3, scores: [3, 3, 3], chars: cands[1].chars },
      };
      run.writer(t, 'pairs').append(pair);
    }
  }
  run.writeMetrics({
    iteration: t, promptsKept: 10, promptsDropped: { near_duplicate: 2 }, candidates: 40, judgments: 120, parseFailures: 0, parseFailureRate: 0,
    ties: 0, pairs: 7, pairsDropped: {}, meanChosenScore: 4, meanRejectedScore: 3, meanCandidateChars: null, failedItems: 0,
  });
}

const lines = <T>(file: string): T[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

test('the iteration report agrees with the run files and carries charts, judge eval and head-to-head', () => {
  const store = new RunStore(tmpDir());
  const config = validateConfig({ name: 'report test', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });
  const run = store.create(config, { agentVersion: 't', rubricText: 'Grade {{instruction}} {{response}} Score:' });
  fillIteration(run, 1);
  fillIteration(run, 2);
  writeJudgeEval(run.dir, {
    model: 2, modelName: 'm2', labelledSet: 'builtin:labelled', rubricVersion: 1, rubricHash: 'h', k: 3, finishedAt: 'now', answers: [],
    agreement: judgeAgreement([{ group: 'g', answers: [{ id: 'a', humanRank: 1, score: 4 }, { id: 'b', humanRank: 2, score: 2 }] }]),
  });
  const comparisons = Array.from({ length: 20 }, (_, i) => ({ promptId: `${i}`, outcome: (i < 3 ? 'win' : i < 5 ? 'loss' : 'tie') as 'win' | 'loss' | 'tie', newFirst: null, oldFirst: null, texts: ['', ''] as [string, string] }));
  writeHeadToHead(run.dir, { modelNew: 3, modelOld: 2, modelNewName: 'm3', modelOldName: 'm2', judge: { model: 'ext | judge', baseUrls: [] }, promptSet: 'builtin:labelled', summary: summarise(comparisons), finishedAt: 'now' }, comparisons);

  const { files } = writeIterationReport(run, 2, new Date('2026-01-01T00:00:00Z'));
  const dir = run.iterationDir(2);
  for (const f of ['report.json', 'report.md', 'score-histogram.svg', 'length-histogram.svg', 'score-vs-length.svg', 'trend.svg']) {
    assert.ok(files.includes(path.join(dir, f)), `${f} written`);
  }
  const r = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as IterationReport;

  // recompute from the raw files, independently of the analytics code
  const cands = lines<CandidateRecord>(path.join(dir, 'candidates.jsonl'));
  const judgments = lines<JudgmentRecord>(path.join(dir, 'judgments.jsonl'));
  const pairs = lines<PairRecord>(path.join(dir, 'pairs.jsonl'));
  assert.equal(r.analytics.candidates, cands.length);
  assert.equal(r.analytics.judgments, judgments.length);
  assert.equal(r.analytics.parseFailures, judgments.filter((j) => j.score === null).length);
  assert.equal(r.analytics.pairs, pairs.length);
  assert.equal(r.analytics.length.mean, cands.reduce((a, c) => a + c.chars, 0) / cands.length);
  for (let s = 0; s <= 5; s++) {
    assert.equal(r.analytics.sampleScoreHistogram[s].count, judgments.filter((j) => j.score === s).length, `score ${s} count`);
  }
  assert.equal(r.metrics?.promptsKept, 10, 'metrics.json carried as written');
  assert.deepEqual(r.series.map((s) => s.iteration), [1, 2]);
  const cands1 = lines<CandidateRecord>(path.join(run.iterationDir(1), 'candidates.jsonl'));
  assert.equal(r.series[0].meanChars, cands1.reduce((a, c) => a + c.chars, 0) / cands1.length);
  assert.ok((r.series[1].meanChars ?? 0) > (r.series[0].meanChars ?? 0) * 1.2, 'the fixture grows length');
  assert.equal(r.rubric?.version, 1);
  assert.equal(r.judgeEval?.agreement.pairwiseAccuracy, 1);
  assert.deepEqual(r.headToHead.map((h) => [h.modelNew, h.summary.wins, h.summary.ties, h.summary.losses]), [[3, 3, 15, 2]]);
  // M3 vs M2 gained only 1 net win in 20 while length grew: the report warns
  assert.ok(r.warnings.some((w) => w.kind === 'length-drift'), JSON.stringify(r.warnings));

  // the charts are the same numbers
  const scoreSvg = fs.readFileSync(path.join(dir, 'score-histogram.svg'), 'utf8');
  assert.match(scoreSvg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const barCounts = [...scoreSvg.matchAll(/data-count="(\d+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual(barCounts, r.analytics.sampleScoreHistogram.map((b) => b.count));
  const scatterSvg = fs.readFileSync(path.join(dir, 'score-vs-length.svg'), 'utf8');
  assert.equal([...scatterSvg.matchAll(/<circle/g)].length, r.analytics.scoredCandidates);

  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.match(md, /^# Iteration 2 report/);
  assert.ok(md.includes(`| candidates | ${cands.length} |`));
  assert.ok(md.includes(`| pairs | ${pairs.length} |`));
  assert.ok(md.includes('| M3 vs M2 | 20 | 3 | 15 | 2 | 0 | 15.0 %'), 'the unreadable column is there, apart from the ties');
  assert.ok(md.includes('`ext \\| judge`'), 'free text cannot break a table');
  assert.ok(md.includes('![Judge score histogram](score-histogram.svg)'));
  assert.ok(md.includes('| 100.0 % |'), 'judge agreement row');
  run.close();
});

test('a report for an iteration without a folder is a clear error', () => {
  const store = new RunStore(tmpDir());
  const config = validateConfig({ name: 'empty', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });
  const run = store.create(config, { agentVersion: 't', rubricText: 'x' });
  assert.throws(() => writeIterationReport(run, 4), /iteration 4 has no folder/);
  run.close();
});
