/**
 * Checkpoint selection: each saved sim checkpoint answers held-out prompts and is compared with M_t in both orders by
 * a fixture judge that prefers longer answers; the checkpoint trained towards length wins and becomes M_{t+1}.
 * Killed with SIGKILL mid-way (a child process), the selection resumes from its recorded answers and comparisons and
 * ends exactly as an uninterrupted one: same comparisons, each once, same choice.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Run } from '../../../remote/store/runStore';
import { listCheckpoints, pickBest } from '../../../remote/pipeline/checkpointSelection';
import type { HeadToHeadComparison } from '../../../remote/eval/headToHead';
import { makeSelectionRun, selectOnce } from '../../helpers/selectionRun';
import { repoRoot, tmpDir } from '../../helpers/tmp';

const PROMPTS = 10;
const lines = <T>(file: string): T[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

test('checkpoint selection picks the checkpoint the judge prefers, records every comparison, registers it as M_{t+1}', async () => {
  const runDir = makeSelectionRun(tmpDir(), PROMPTS);
  const rec = await selectOnce(runDir, 0);
  assert.equal(rec.mode, 'compare');
  assert.deepEqual(rec.candidates.map((c) => c.name), ['checkpoint-1', 'checkpoint-2', 'checkpoint-3']);
  assert.equal(rec.chosen.name, 'checkpoint-2');
  const by = Object.fromEntries(rec.candidates.map((c) => [c.name, c.summary!]));
  assert.ok(by['checkpoint-2'].wins > by['checkpoint-2'].losses, 'the longer-writing checkpoint beats M_t');
  assert.ok(by['checkpoint-3'].losses > by['checkpoint-3'].wins, 'the shorter-writing one loses');
  const net = (c: string): number => (by[c].wins - by[c].losses) / by[c].decided!;
  assert.ok(net('checkpoint-2') > net('checkpoint-1') && net('checkpoint-1') > net('checkpoint-3'), 'the one like M_t sits in between');
  const sel = path.join(runDir, 'iterations', '1', 'selection');
  for (const c of rec.candidates) {
    const cmp = lines<HeadToHeadComparison>(path.join(sel, `compare-${c.name}.jsonl`));
    assert.equal(cmp.length, PROMPTS);
    assert.equal(cmp.filter((x) => x.outcome === 'win').length, c.summary!.wins);
  }
  const run = Run.open(runDir, { write: false });
  try {
    assert.equal(run.modelFor(2)!.path, path.join(runDir, 'iterations', '1', 'train', 'output', 'checkpoint-2'), 'M2 is the chosen checkpoint');
    assert.equal(run.modelFor(2)!.madeBy, 'sim-train');
  } finally {
    run.close();
  }
});

test('checkpoint selection survives kill -9: the resumed selection equals an uninterrupted one', { timeout: 120_000 }, async () => {
  const runDir = makeSelectionRun(tmpDir(), PROMPTS);
  const sel = path.join(runDir, 'iterations', '1', 'selection');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'helpers', 'selectionRun.ts'), runDir, '40'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // kill once some comparisons are durable, but not all
  const deadline = Date.now() + 90_000;
  const judged = (): number => ['checkpoint-1', 'checkpoint-2', 'checkpoint-3'].reduce((n, c) => n + (fs.existsSync(path.join(sel, `compare-${c}.jsonl`)) ? lines(path.join(sel, `compare-${c}.jsonl`)).length : 0), 0);
  while (judged() < 4) {
    if (child.exitCode !== null) throw new Error(`the selection child ended before it was killed: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`no comparison recorded in time: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  await exited;
  const before = judged();
  assert.ok(before < 3 * PROMPTS, `killed mid-way (${before} of ${3 * PROMPTS} comparisons done)`);
  assert.ok(!fs.existsSync(path.join(sel, 'selection.json')), 'no choice made before the kill');

  const resumed = await selectOnce(runDir, 0);
  const files = Object.fromEntries(fs.readdirSync(sel).map((f) => [f, fs.readFileSync(path.join(sel, f), 'utf8')]));
  // the uninterrupted reference, in the same folder (model ids are folder paths, and the sim's sampling depends on them)
  fs.rmSync(sel, { recursive: true });
  const run = Run.open(runDir, { write: true });
  run.registerModel({ ...run.modelFor(2)!, name: path.join(runDir, 'iterations', '1', 'train', 'output'), path: path.join(runDir, 'iterations', '1', 'train', 'output') });
  run.close();
  const reference = await selectOnce(runDir, 0);
  assert.equal(resumed.chosen.name, reference.chosen.name);
  assert.deepEqual(resumed.candidates.map((c) => c.summary), reference.candidates.map((c) => c.summary));
  for (const c of ['checkpoint-1', 'checkpoint-2', 'checkpoint-3']) {
    const resumedLines = files[`compare-${c}.jsonl`].split('\n').filter(Boolean).map((l) => JSON.parse(l) as HeadToHeadComparison);
    const ids = resumedLines.map((x) => x.promptId);
    assert.equal(new Set(ids).size, ids.length, `${c}: each comparison recorded once`);
    assert.equal(ids.length, PROMPTS);
    const byId = (xs: HeadToHeadComparison[]) => [...xs].sort((a, b) => a.promptId.localeCompare(b.promptId));
    assert.deepEqual(byId(resumedLines), byId(lines<HeadToHeadComparison>(path.join(sel, `compare-${c}.jsonl`))), `${c}: the same comparisons (line order may differ)`);
  }
});

test('candidates: checkpoint folders by step, the final folder only when no checkpoint holds the last step; ties go to the later step', () => {
  const dir = tmpDir();
  for (const n of [10, 2, 5]) fs.mkdirSync(path.join(dir, `checkpoint-${n}`));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), '');
  fs.writeFileSync(path.join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 12 }));
  assert.deepEqual(listCheckpoints(dir).map((c) => c.name), ['checkpoint-2', 'checkpoint-5', 'checkpoint-10', 'final']);
  fs.writeFileSync(path.join(dir, 'trainer_state.json'), JSON.stringify({ global_step: 10 }));
  assert.deepEqual(listCheckpoints(dir).map((c) => c.name), ['checkpoint-2', 'checkpoint-5', 'checkpoint-10']);
  const s = (wins: number, losses: number) => ({ n: 4, wins, ties: 4 - wins - losses, losses, unreadable: 0, decided: 4, winRate: null, lossRate: null, winRateCi: null, lossRateCi: null, orderDisagreements: 0 });
  assert.equal(pickBest([{ name: 'a', step: 1, path: 'a', summary: s(2, 1) }, { name: 'b', step: 2, path: 'b', summary: s(2, 1) }, { name: 'c', step: 3, path: 'c', summary: s(0, 0) }]).name, 'b');
});
