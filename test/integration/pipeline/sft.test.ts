/**
 * The SFT iteration end to end through the agent's CLI (`agent.js run --sft`): the files the checks read, numbers that
 * equal the files, iteration 1 starting from M1; and resumption after SIGKILL at points inside every SFT stage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpDir } from '../../helpers/tmp';
import { builtAgent as agent, ensureBuilt, runAgentCli } from '../../helpers/cli';
import { recordsById } from './files';
import { agreementOf } from '../../../remote/pipeline/agreement';
import { buildEftRows } from '../../../remote/pipeline/eft';
import type { EftGroupRecord, EftRow, GroupJudgmentRecord, IftRecord, IterationManifest, IterationSummary, ModelEntry } from '../../../remote/protocol';

function writeConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify({
    name: 'sft',
    seed: 5,
    model: { backend: 'sim', name: 'sim-pretrained', sim: { maxConcurrency: 24, tokensPerSecond: 2500, ttftMs: 5 } },
    seedData: [{ path: 'builtin:demo' }, { path: 'builtin:ranked' }],
    prompts: { perIteration: 12 },
    inference: { concurrency: 24 },
    sft: { ift: { maxExamples: 100 }, eft: { maxGroups: 120 } },
    ...extra,
  }));
  return file;
}

const readJsonl = <T>(file: string): T[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : []);
const lines = (file: string): number => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0);

const runAgent = (args: string[], killWhen?: () => boolean) => runAgentCli(['run', ...args], { killWhen });

const it0 = (runDir: string, f: string): string => path.join(runDir, 'iterations', '0', f);

/** What must hold of a finished iteration 0, whatever happened on the way: files whole and consistent. */
function checkIterationZero(runDir: string): IterationSummary {
  const manifest = JSON.parse(fs.readFileSync(it0(runDir, 'manifest.json'), 'utf8')) as IterationManifest;
  assert.equal(manifest.status, 'done');
  assert.deepEqual(Object.keys(manifest.stages), ['ift', 'sft-baseline', 'eft', 'sft', 'agreement']);
  for (const s of Object.values(manifest.stages)) assert.equal(s!.status, 'done');
  assert.equal(manifest.params.sft!.enabled, true);
  assert.match(manifest.rubric.text, /\{\{instruction\}\}/, 'the rubric EFT used is recorded');
  // no record twice, in any file
  for (const f of ['ift', 'groups', 'baseline-judgments', 'eft-train', 'eft-eval', 'agreement']) recordsById(it0(runDir, `${f}.jsonl`));
  const ift = readJsonl<IftRecord>(it0(runDir, 'ift.jsonl'));
  const groups = readJsonl<EftGroupRecord>(it0(runDir, 'groups.jsonl'));
  const verdicts = [...readJsonl<GroupJudgmentRecord>(it0(runDir, 'baseline-judgments.jsonl')), ...readJsonl<GroupJudgmentRecord>(it0(runDir, 'agreement.jsonl'))];
  const train = groups.filter((g) => g.split === 'train');
  const evalSplit = groups.filter((g) => g.split === 'eval');
  assert.equal(train.length + evalSplit.length, 120);
  assert.equal(evalSplit.length, 30);
  // every answer judged as often as it should be: once (train, baseline), K = 3 times (eval, each model)
  const answers = (gs: EftGroupRecord[]) => gs.reduce((a, g) => a + g.answers.length, 0);
  assert.equal(lines(it0(runDir, 'baseline-judgments.jsonl')), answers(train));
  assert.equal(lines(it0(runDir, 'agreement.jsonl')), answers(evalSplit) * 3 * 2);
  // the EFT rows are exactly what the rule makes of the verdicts
  const rubric = manifest.rubric.text;
  const rows = (split: 'train' | 'eval') => readJsonl<EftRow>(it0(runDir, `eft-${split}.jsonl`)).map((r) => r.id).sort();
  const rebuilt = (split: 'train' | 'eval') => buildEftRows(groups.filter((g) => g.split === split), verdicts.filter((v) => v.split === split && v.model === 'SFT baseline'), rubric, manifest.seed, true).rows.map((r) => r.id).sort();
  assert.deepEqual(rows('train'), rebuilt('train'));
  assert.deepEqual(rows('eval'), rebuilt('eval'));
  // the summary equals the files
  const summary = JSON.parse(fs.readFileSync(it0(runDir, 'metrics.json'), 'utf8')) as IterationSummary;
  const sft = summary.sft!;
  assert.equal(sft.ift.examples, ift.filter((r) => r.kept).length);
  assert.equal(sft.ift.examples, 100);
  assert.equal(sft.eft.trainRows, rows('train').length);
  assert.equal(sft.eft.evalRows, rows('eval').length);
  assert.equal(sft.policy.rows, 100 + rows('train').length);
  const agreement = verdicts.filter((v) => v.split === 'eval');
  assert.deepEqual(sft.agreement.map((a) => a.label), ['SFT baseline', 'M1']);
  for (const a of sft.agreement) assert.deepEqual(a.agreement, agreementOf(agreement, a.label, 5));
  // models: M0, the SFT baseline and M1, made by the sim's SFT trainer
  const models = JSON.parse(fs.readFileSync(path.join(runDir, 'models.json'), 'utf8')) as ModelEntry[];
  assert.deepEqual(models.filter((m) => m.iteration <= 1).map((m) => [m.iteration, m.role, m.madeBy]), [[0, 'policy', 'base'], [1, 'sft-baseline', 'sim-sft'], [1, 'policy', 'sim-sft']]);
  // IFT, EFT train and eval prompts are disjoint
  const keyOf = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
  const iftKeys = new Set(ift.filter((r) => r.kept).map((r) => keyOf(r.prompt)));
  for (const g of groups) assert.ok(!iftKeys.has(keyOf(g.prompt)));
  return summary;
}

test('agent.js run --sft: M0 → SFT baseline + M1 (files, models.json, numbers equal the files), then iteration 1 from M1', { timeout: 240_000 }, async () => {
  ensureBuilt();
  const help = spawnSync(process.execPath, [agent, 'run', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--sft\b.*\n.*M0/);
  const dir = tmpDir();
  const config = writeConfig(dir);
  const refused = spawnSync(process.execPath, [agent, 'run', '--sft', '--resume', 'x', '--runs-dir', dir], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--sft applies to a new run/);

  const r = await runAgent(['--config', config, '--sft', '--iterations', '2', '--runs-dir', path.join(dir, 'runs')]);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as IterationSummary);
  assert.deepEqual(out.map((s) => s.iteration), [0, 1]);
  const runDir = path.join(dir, 'runs', fs.readdirSync(path.join(dir, 'runs'))[0]);
  checkIterationZero(runDir);
  // EFT rows: conversational prompt-completion rows for TRL, the filled rubric → the baseline's verdict
  const trainRows = readJsonl<{ prompt: { role: string; content: string }[]; completion: { role: string; content: string }[] }>(it0(runDir, path.join('train', 'sft', 'train.jsonl')));
  assert.equal(trainRows.length, out[0].sft!.policy.rows);
  assert.ok(trainRows.some((row) => /<response>/.test(row.prompt[0].content) && /\nScore: \d/.test(row.completion[0].content)));
  assert.ok(trainRows.every((row) => row.prompt[0].role === 'user' && row.completion[0].role === 'assistant'));
  // iteration 1 ran on M1
  const m1 = JSON.parse(fs.readFileSync(it0(runDir, 'manifest.json'), 'utf8')).modelOut as string;
  assert.equal(JSON.parse(fs.readFileSync(path.join(runDir, 'iterations', '1', 'manifest.json'), 'utf8')).modelIn, m1);
  assert.ok(out[1].pairs > 0);
});

test('the SFT iteration resumes after SIGKILL inside each of its stages: whole files, nothing twice, the same data as an uninterrupted run', { timeout: 300_000 }, async () => {
  ensureBuilt();
  const dir = tmpDir();
  const config = writeConfig(dir, { sft: { enabled: true, ift: { maxExamples: 100 }, eft: { maxGroups: 120 } } });
  const ref = await runAgent(['--config', config, '--runs-dir', path.join(dir, 'ref')]);
  assert.equal(ref.code, 0, ref.stderr);
  const refRun = path.join(dir, 'ref', fs.readdirSync(path.join(dir, 'ref'))[0]);

  const crashDir = path.join(dir, 'crash');
  const points: [string, number][] = [
    ['train/sft-baseline/train.jsonl', 0],
    ['baseline-judgments.jsonl', 40 + Math.floor(Math.random() * 200)],
    ['agreement.jsonl', 20 + Math.floor(Math.random() * 100)],
    ['train/sft/train.jsonl', 0],
    ['agreement.jsonl', 380 + Math.floor(Math.random() * 200)],
  ];
  let runId: string | undefined;
  const log: string[] = [];
  for (const [file, at] of points) {
    const args = runId ? ['--resume', runId, '--runs-dir', crashDir] : ['--config', config, '--runs-dir', crashDir];
    const target = (): boolean => {
      const id = runId ?? (fs.existsSync(crashDir) ? fs.readdirSync(crashDir)[0] : undefined);
      if (!id) return false;
      const f = it0(path.join(crashDir, id), file);
      return file.startsWith('train/') ? fs.existsSync(f) : lines(f) >= at;
    };
    const r = await runAgent(args, target);
    runId ??= fs.readdirSync(crashDir)[0];
    log.push(`${file}@${at}: ${r.signal ?? `exit ${r.code}`}`);
    assert.ok(r.signal === 'SIGKILL' || r.code === 0, `${file}@${at}: ${r.stderr}`);
  }
  const final = await runAgent(['--resume', runId!, '--runs-dir', crashDir]);
  assert.equal(final.code, 0, final.stderr);
  assert.ok(log.filter((l) => l.includes('SIGKILL')).length >= 3, `most kill points were reached: ${log.join('; ')}`);
  const crashRun = path.join(crashDir, runId!);
  checkIterationZero(crashRun);
  // the seed-derived data is identical to the uninterrupted run's (the judged data depends on the model folders'
  // paths through the sim's sampling seeds, so it is checked for consistency above instead)
  for (const f of ['ift.jsonl', 'groups.jsonl']) assert.deepEqual([...recordsById(it0(crashRun, f)).entries()].sort(), [...recordsById(it0(refRun, f)).entries()].sort(), f);
  const events = fs.readFileSync(path.join(crashRun, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; model?: ModelEntry });
  events.forEach((e, i) => assert.equal(e.seq, i + 1));
  assert.equal(events.filter((e) => e.type === 'iteration.finished').length, 1, `iteration 0 finished once (${log.join('; ')})`);
});
