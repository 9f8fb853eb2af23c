/**
 * The sim's SFT is a real optimisation: IFT rows move the answer policy towards the features of the target answers,
 * EFT rows fit the judge's parameters so that it agrees with people more; the loss goes down. The judge's quality is
 * a property of the checkpoint: the pretrained base judges badly, and DPO passes a checkpoint's judge on unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simSft, simTrain } from '../../../remote/backends/sim/trainer';
import { BASE_POLICY, PRETRAINED_POLICY, expectedFeatures, loadPolicy } from '../../../remote/backends/sim/policy';
import { type JudgeParams, judge, parseJudgePrompt, prepareVerdict, verdictLikelihood, QUALITIES } from '../../../remote/backends/sim/judge';
import { renderAnswer } from '../../../remote/backends/sim/answers';
import { Rng, hashSeed } from '../../../remote/backends/sim/rng';
import { rankedSeed } from '../../../remote/seed/builtin/ranked';
import { DEFAULT_RUBRIC, fillRubric } from '../../../remote/rubric/template';
import { parseScore } from '../../../remote/pipeline/scoreParser';
import { buildEftRows } from '../../../remote/pipeline/eft';
import { judgeAgreement, meanScore } from '../../../remote/eval/metrics';
import type { EftGroupRecord, GroupJudgmentRecord } from '../../../remote/protocol';
import { tmpDir } from '../../helpers/tmp';

const dir = tmpDir();
const T = 0.7;

/** One judge sample of a checkpoint's judge, as the sim server draws it. */
function verdict(params: JudgeParams | undefined, prompt: string, answer: string, seed: number): string {
  const rng = new Rng(seed);
  return judge(parseJudgePrompt(fillRubric(DEFAULT_RUBRIC, prompt, answer))!, T, rng, rng.fork('m').next() < 0.05, params).text;
}

/** Pairwise accuracy and parse-failure share of a judge on groups, K = 3 samples per answer. */
function agreement(params: JudgeParams | undefined, groups: EftGroupRecord[]): { accuracy: number; failures: number } {
  let failed = 0;
  let n = 0;
  const ranked = groups.map((g) => ({
    group: g.id,
    answers: g.answers.map((a, i) => {
      const scores = [0, 1, 2].map((k) => {
        const p = parseScore(verdict(params, g.prompt, a.text, hashSeed('eval', g.id, i, k)), 0, 5);
        n++;
        if (!p.parseOk) failed++;
        return p.score;
      });
      return { id: `${g.id}#${i}`, humanRank: a.rank, score: meanScore(scores) };
    }),
  }));
  return { accuracy: judgeAgreement(ranked).pairwiseAccuracy!, failures: failed / n };
}

const asGroups = (split: 'train' | 'eval', from: number, to: number): EftGroupRecord[] =>
  rankedSeed().slice(from, to).map((g) => ({ id: g.id, split, prompt: g.prompt, answers: g.answers }));

test('the pretrained base is a poor judge (no valid score, one habitual score); sim-base judges as it always did', () => {
  const groups = asGroups('eval', 0, 40);
  const pre = agreement(PRETRAINED_POLICY.judge, groups);
  const base = agreement(BASE_POLICY.judge, groups);
  assert.ok(pre.failures > 0.25, `pretrained parse failures ${pre.failures}`);
  assert.ok(base.failures < 0.1, `sim-base parse failures ${base.failures}`);
  assert.ok(base.accuracy > pre.accuracy + 0.1, `sim-base ${base.accuracy} vs pretrained ${pre.accuracy}`);
  // collapse: many verdicts are the habitual 4
  const scores = groups.flatMap((g) => g.answers.map((a, i) => parseScore(verdict(PRETRAINED_POLICY.judge, g.prompt, a.text, hashSeed('c', g.id, i)), 0, 5).score)).filter((x) => x !== null);
  assert.ok(scores.filter((x) => x === 4).length / scores.length > 0.4);
});

test('the judge likelihood is exact: its gradient matches finite differences', () => {
  const g = rankedSeed()[5];
  const ANTI = DEFAULT_RUBRIC.replace('\n\n<instruction>', '\n- Subtract 1 point if the response is padded with filler or unnecessary length.\n\n<instruction>');
  for (const rubric of [DEFAULT_RUBRIC, ANTI]) {
    for (const [i, target] of [[0, 4], [2, 1], [3, 0]] as const) {
      const prepared = prepareVerdict(parseJudgePrompt(fillRubric(rubric, g.prompt, g.answers[i].text))!);
      const params = structuredClone(PRETRAINED_POLICY.judge!);
      const { grad } = verdictLikelihood(prepared, target, params);
      const h = 1e-5;
      const num = (mutate: (p: JudgeParams, d: number) => void): number => {
        const up = structuredClone(params);
        mutate(up, h);
        const down = structuredClone(params);
        mutate(down, -h);
        return (verdictLikelihood(prepared, target, up).logLik - verdictLikelihood(prepared, target, down).logLik) / (2 * h);
      };
      assert.ok(Math.abs(num((p, d) => (p.format += d)) - grad.format) < 1e-4);
      assert.ok(Math.abs(num((p, d) => (p.collapse += d)) - grad.collapse) < 1e-4);
      assert.ok(Math.abs(num((p, d) => (p.noise *= Math.exp(d))) - grad.logNoise) < 1e-4);
      for (const q of QUALITIES) for (let j = 0; j < 8; j += 3) assert.ok(Math.abs(num((p, d) => (p.perception[q][j] += d)) - grad.perception[q][j]) < 1e-4, `${q}[${j}]`);
    }
  }
});

test('IFT rows: SFT moves the policy towards the features of the target answers, the loss falls, the learning rate decays to its minimum', async () => {
  const good = { relevance: 2, points: 4, structure: 2, expertise: 2, filler: 0, elaboration: 0 } as const;
  const rows = rankedSeed().slice(0, 64).map((g, i) => JSON.stringify({ prompt: [{ role: 'user', content: g.prompt }], completion: [{ role: 'assistant', content: renderAnswer(good, g.prompt, new Rng(i)) }] }));
  const data = path.join(dir, 'ift.jsonl');
  fs.writeFileSync(data, rows.join('\n') + '\n');
  const lines: string[] = [];
  const res = await simSft({ model: 'sim-pretrained', data, outputDir: path.join(dir, 'ift-out'), epochs: 3, batchSize: 8, onLog: (l) => lines.push(l) });
  assert.equal(res.metrics.length, 24);
  const losses = res.metrics.map((m) => m.loss!);
  assert.ok(losses[losses.length - 1] < losses[0] - 0.5, `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  assert.equal(res.metrics[0].learningRate, 5.5e-6);
  assert.ok(Math.abs(res.metrics[res.metrics.length - 1].learningRate! - 1.1e-6) < 1e-12, 'decays to learningRate / 5 by default');
  const before = expectedFeatures(PRETRAINED_POLICY);
  const m = loadPolicy(res.model);
  const after = expectedFeatures(m);
  assert.ok(after.relevance > before.relevance + 0.05 && after.organisation > before.organisation + 0.05 && after.expertise > before.expertise + 0.05 && after.filler < before.filler - 0.04, JSON.stringify({ before, after }));
  assert.deepEqual(m.judge, PRETRAINED_POLICY.judge, 'no EFT rows: the judge is unchanged');
  assert.equal(m.parent, 'sim-pretrained');
  const state = JSON.parse(fs.readFileSync(path.join(res.model, 'trainer_state.json'), 'utf8'));
  assert.equal(state.global_step, 24);
  assert.ok(state.log_history[0].ift_loss > 0);
  assert.match(lines[0], /sim-sft: 64 rows \(64 IFT, 0 EFT\)/);
});

test('EFT rows: SFT fits the judge so it agrees with people more on held-out groups; DPO passes the judge on', async () => {
  // the pipeline's EFT data, made by hand: the pretrained judge's verdicts on train groups, filtered and down-sampled
  const train = asGroups('train', 100, 420);
  const verdicts: GroupJudgmentRecord[] = train.flatMap((g) =>
    g.answers.map((a, i) => {
      const text = verdict(PRETRAINED_POLICY.judge, g.prompt, a.text, hashSeed('eft', g.id, i));
      const p = parseScore(text, 0, 5);
      return { id: `${g.id}/${i}`, model: 'SFT baseline', group: g.id, split: 'train' as const, answer: i, humanRank: a.rank, sample: 0, text, score: p.score, parseOk: p.parseOk };
    }),
  );
  const eft = buildEftRows(train, verdicts, DEFAULT_RUBRIC, 1, true);
  assert.ok(eft.rows.length > 80, `${eft.rows.length} EFT rows`);
  const data = path.join(dir, 'eft.jsonl');
  fs.writeFileSync(data, eft.rows.map((r) => JSON.stringify({ prompt: r.prompt, completion: r.completion })).join('\n') + '\n');
  const res = await simSft({ model: 'sim-pretrained', data, outputDir: path.join(dir, 'eft-out'), epochs: 3, batchSize: 16 });
  const losses = res.metrics.map((m) => m.loss!);
  assert.ok(losses.slice(-3).reduce((a, b) => a + b) < losses.slice(0, 3).reduce((a, b) => a + b) - 0.3, `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  const m1 = loadPolicy(res.model).judge!;
  const pre = PRETRAINED_POLICY.judge!;
  assert.ok(m1.format > pre.format + 1 && m1.collapse < pre.collapse - 1 && m1.noise < pre.noise, JSON.stringify({ format: m1.format, collapse: m1.collapse, noise: m1.noise }));
  const held = asGroups('eval', 0, 100);
  const before = agreement(pre, held);
  const after = agreement(m1, held);
  assert.ok(after.accuracy > before.accuracy + 0.08, `pairwise accuracy ${before.accuracy} → ${after.accuracy}`);
  assert.ok(after.failures < before.failures / 2, `parse failures ${before.failures} → ${after.failures}`);

  // DPO trains the answer policy only: the checkpoint's judge goes on to the next model unchanged
  const pairs = path.join(dir, 'pairs.jsonl');
  const g = rankedSeed()[0];
  fs.writeFileSync(pairs, JSON.stringify({ prompt: g.prompt, chosen: g.answers[0].text, rejected: g.answers[3].text }) + '\n');
  const m2 = await simTrain({ model: res.model, data: pairs, outputDir: path.join(dir, 'dpo-out') });
  assert.deepEqual(loadPolicy(m2.model).judge, loadPolicy(res.model).judge);
});
