/**
 * The data path's options each change what they claim: candidates cut by max_tokens are left out of pairs (or not),
 * the ρ = 0 tie-break is seeded per prompt (a resume picks the same), and out-of-range judge scores are counted
 * apart from parse failures in the iteration's numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPairs, type ScoredCandidate } from '../../../remote/pipeline/pairs';
import { computeSummary } from '../../../remote/pipeline/summary';
import { validateConfig } from '../../../remote/config/config';
import { RunStore } from '../../../remote/store/runStore';
import type { RunConfig } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';
import { sftTrainerConfig } from '../../../remote/pipeline/sft';
import { trainingPlan } from '../../../remote/backends/trainingPlan';
import { trlFlags } from '../../../remote/backends/trl';
// @ts-expect-error: a plain .mjs module of the stand-ins
import { checkTrlScript } from '../../fixtures/standins/argparse.mjs';

const cand = (promptId: string, index: number, score: number | null, chars: number, truncated = false): ScoredCandidate => ({
  id: `${promptId}-c${index}`, promptId, iteration: 1, index, text: `answer ${index}`, chars, score, scores: [score], ...(truncated ? { truncated: true as const, finishReason: 'length' } : {}),
});
const pairsOf = (over: Partial<RunConfig['pairs']>, cands: ScoredCandidate[], prompts = [{ id: 'p1', text: 'q' }], runSeed = 1) =>
  buildPairs(prompts, cands, { pairs: { rho: 0, minScoredCandidates: 2, tieBreak: 'shortest', excludeTruncated: true, ...over }, runSeed }, 1);

test('the config defaults are the new rules: random tie-break, truncated candidates out of pairs', () => {
  const c = validateConfig({ name: 'x', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });
  assert.equal(c.pairs.tieBreak, 'random');
  assert.equal(c.pairs.excludeTruncated, true);
});

test('a candidate cut by max_tokens is left out of pairs by default, kept when asked; lacking others the prompt drops as truncated', () => {
  // the longest answer scored best but was cut off
  const cands = [cand('p1', 0, 5, 4000, true), cand('p1', 1, 4, 800), cand('p1', 2, 2, 500)];
  const out = pairsOf({}, cands);
  assert.equal(out.pairs[0].chosen.candidateId, 'p1-c1');
  assert.equal(pairsOf({ excludeTruncated: false }, cands).pairs[0].chosen.candidateId, 'p1-c0');
  const two = [cand('p1', 0, 5, 4000, true), cand('p1', 1, 2, 500)];
  assert.equal(pairsOf({}, two).drops.get('p1'), 'truncated');
  assert.equal(pairsOf({ excludeTruncated: false }, two).pairs.length, 1);
  // too few scored for another reason stays too_few_scored
  assert.equal(pairsOf({}, [cand('p1', 0, 5, 400), cand('p1', 1, null, 500)]).drops.get('p1'), 'too_few_scored');
  // runs made before the option existed (no field) keep truncated candidates
  assert.equal(pairsOf({ excludeTruncated: undefined }, cands).pairs[0].chosen.candidateId, 'p1-c0');
});

test('the random tie-break is drawn per (run seed, iteration, prompt): the same on every rebuild, different across prompts', () => {
  const prompts = Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, text: `q${i}` }));
  const cands = prompts.flatMap((p) => [cand(p.id, 0, 5, 100), cand(p.id, 1, 5, 900), cand(p.id, 2, 1, 300), cand(p.id, 3, 1, 700)]);
  const chosenOf = (runSeed: number, tieBreak?: RunConfig['pairs']['tieBreak']) => pairsOf({ tieBreak }, cands, prompts, runSeed).pairs.map((p) => `${p.chosen.candidateId}>${p.rejected.candidateId}`);
  const a = chosenOf(3, 'random');
  assert.deepEqual(chosenOf(3, 'random'), a, 'a rebuild (resume) picks the same');
  assert.notDeepEqual(chosenOf(4, 'random'), a, 'another run seed picks differently');
  const shortChosen = a.filter((x) => x.startsWith(x.split('-')[0] + '-c0>')).length;
  assert.ok(shortChosen > 8 && shortChosen < 32, `the short and the long best answer are both chosen (${shortChosen}/40 short)`);
  assert.ok(chosenOf(3, 'shortest').every((x) => /-c0>.*-c3$/.test(x)));
  assert.ok(chosenOf(3, 'longest').every((x) => /-c1>.*-c2$/.test(x)));
  assert.deepEqual(chosenOf(3, undefined), chosenOf(3, 'shortest'), 'older runs without the field keep the length rule');
});

test('out-of-range judge scores are counted apart from parse failures; truncated candidates are counted', () => {
  const store = new RunStore(tmpDir());
  const run = store.create(validateConfig({ name: 'counts', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 'test', rubricText: 'x {{instruction}} {{response}}' });
  try {
    run.writer(1, 'prompts').append({ id: 'p1', iteration: 1, text: 'q', kept: true, fewShot: [], seed: 1 });
    const c = run.writer(1, 'candidates');
    c.append({ id: 'p1-c0', promptId: 'p1', iteration: 1, index: 0, text: 'a', chars: 1 });
    c.append({ id: 'p1-c1', promptId: 'p1', iteration: 1, index: 1, text: 'b', chars: 1, finishReason: 'length', truncated: true });
    const j = run.writer(1, 'judgments');
    const base = { candidateId: 'p1-c0', promptId: 'p1', iteration: 1, rubricHash: 'h' };
    j.append({ ...base, id: 'j0', sample: 0, text: 'Score: 4', score: 4, parseOk: true });
    j.append({ ...base, id: 'j1', sample: 1, text: 'Score: 7', score: null, parseOk: false, outOfRange: 7 });
    j.append({ ...base, id: 'j2', sample: 2, text: 'Score: N/A', score: null, parseOk: false });
    j.append({ ...base, id: 'j3', sample: 3, text: '', score: null, parseOk: false, error: 'HTTP 500' });
    const s = computeSummary(run, 1);
    assert.equal(s.parseFailures, 1);
    assert.equal(s.outOfRangeScores, 1);
    assert.equal(s.parseFailureRate, 1 / 3);
    assert.equal(s.failedItems, 1);
    assert.equal(s.truncatedCandidates, 1);
  } finally {
    run.close();
  }
});

test('the sft section is checked like the trainer: a floor below the rate, a global batch the processes divide', () => {
  const cfg = (sft: Record<string, unknown>) => ({ name: 'x', model: { backend: 'vllm', name: 'base' }, seedData: [{ path: 'builtin:demo' }], trainer: { backend: 'trl', processes: 4 }, sft });
  assert.throws(() => validateConfig(cfg({ enabled: true, minLearningRate: 6e-6 })), /field "sft\.minLearningRate": must be less than sft\.learningRate/);
  assert.throws(() => validateConfig(cfg({ enabled: true, batchSize: 10 })), /field "sft\.batchSize": \(10, the global batch\) must be a multiple of trainer\.processes \(4\)/);
  assert.equal(validateConfig(cfg({ enabled: true })).sft!.batchSize, 16);
});

test('the SFT trainings get the sft section over the run trainer: its rate, floor, global batch, dropout; TRL `sft` flags the contract accepts', async () => {
  const c = validateConfig({ name: 'x', model: { backend: 'vllm', name: 'org/base' }, seedData: [{ path: 'builtin:demo' }], trainer: { backend: 'trl', processes: 2, perDeviceBatchSize: 1, beta: 0.2 }, sft: { enabled: true } });
  const t = sftTrainerConfig(c.trainer, c.sft!);
  assert.deepEqual([t.learningRate, t.minLearningRate, t.batchSize, t.dropout, t.epochs, t.rowFormat], [5.5e-6, 1.1e-6, 16, 0.1, 3, 'conversational']);
  assert.equal(t.perDeviceBatchSize, 1, "the trainer's memory pin applies without one of SFT's own");
  const pinned = sftTrainerConfig(c.trainer, { ...c.sft!, gradientAccumulationSteps: 4 });
  assert.deepEqual([pinned.perDeviceBatchSize, pinned.gradientAccumulationSteps], [undefined, 4], "an SFT pin replaces the trainer's");
  const plan = await trainingPlan(t, 'org/base');
  assert.equal(plan.batch.effective, 16);
  const flags = trlFlags('sft', { baseModel: { iteration: 0, name: 'org/base', madeBy: 'base' }, config: t }, plan, '/d', '/o', 1);
  checkTrlScript('sft', flags);
  assert.ok(flags.includes('--completion_only_loss=true') || flags.some((f) => /^--completion_only_loss/.test(f)));
  assert.ok(flags.some((f) => f.includes('5.5e-6') || f.includes('0.0000055')), flags.join(' '));
});
