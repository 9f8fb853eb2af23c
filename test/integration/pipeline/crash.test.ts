/**
 * Crash safety: `node dist/agent.js run` is killed with SIGKILL at random points inside each stage and restarted
 * with --resume until the iteration finishes; the result must equal an uninterrupted run with the same seeds.
 * "Equal" = for prompts/candidates/judgments/pairs.jsonl the same set of record ids with identical content (line
 * order may differ, requests finish in any order) and the same train.jsonl rows; no id may appear twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { repoRoot, tmpDir } from '../../helpers/tmp';
import { diffIteration, recordsById } from './files';

const agent = path.join(repoRoot, 'dist', 'agent.js');

function writeConfig(dir: string): string {
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify({
    name: 'crash',
    seed: 11,
    model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 24, tokensPerSecond: 2500, ttftMs: 5 } },
    seedData: [{ path: 'builtin:demo' }],
    prompts: { perIteration: 24 },
    inference: { concurrency: 24 },
  }));
  return file;
}

const lines = (file: string): number => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0);

/** Run the agent until it exits or `killWhen` says so (polled every 5 ms); returns how it ended. */
function runAgent(args: string[], killWhen?: () => boolean): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [agent, 'run', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const poll = killWhen
      ? setInterval(() => {
          if (killWhen()) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 5)
      : undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

// The timeout only guards against a hang: the test starts the agent nine times, which takes minutes on a loaded machine.
test('SIGKILL at random points of every stage, then resume: nothing lost or duplicated, files equal an uninterrupted run', { timeout: 900_000 }, async () => {
  if (!fs.existsSync(agent)) spawnSync('node', ['build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  const dir = tmpDir();
  const config = writeConfig(dir);
  const refDir = path.join(dir, 'ref');
  const ref = await runAgent(['--config', config, '--runs-dir', refDir]);
  assert.equal(ref.code, 0, ref.stderr);
  const refRun = path.join(refDir, fs.readdirSync(refDir)[0]);
  const it = (d: string, f: string) => path.join(d, 'iterations', '1', f);
  const total = (f: string) => lines(it(refRun, f));

  // Kill points: a random record count inside each stage, plus one during training.
  const rnd = (lo: number, hi: number) => lo + Math.floor(Math.random() * Math.max(1, hi - lo));
  const points: [string, number][] = [
    ['prompts.jsonl', rnd(1, total('prompts.jsonl'))],
    ['candidates.jsonl', rnd(1, total('candidates.jsonl'))],
    ['candidates.jsonl', rnd(1, total('candidates.jsonl'))],
    ['judgments.jsonl', rnd(1, total('judgments.jsonl'))],
    ['judgments.jsonl', rnd(1, total('judgments.jsonl'))],
    ['pairs.jsonl', 1],
    ['train/train.jsonl', 0],
  ];
  // within a stage, later kills at larger counts (a smaller one would fire at once on restart)
  points.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : 0));
  const crashDir = path.join(dir, 'crash');
  let runId: string | undefined;
  const log: string[] = [];
  for (const [file, at] of points) {
    const args = runId ? ['--resume', runId, '--runs-dir', crashDir] : ['--config', config, '--runs-dir', crashDir];
    const runDir = () => (runId ? path.join(crashDir, runId) : fs.existsSync(crashDir) && fs.readdirSync(crashDir)[0] ? path.join(crashDir, fs.readdirSync(crashDir)[0]) : undefined);
    const target = () => {
      const d = runDir();
      if (!d) return false;
      const f = it(d, file);
      return file.startsWith('train/') ? fs.existsSync(f) : lines(f) >= at;
    };
    const r = await runAgent(args, target);
    runId ??= fs.readdirSync(crashDir)[0];
    log.push(`${file}@${at}: ${r.signal ?? `exit ${r.code}`}`);
    assert.ok(r.signal === 'SIGKILL' || r.code === 0, `${file}@${at}: ${r.stderr}`);
  }
  if (process.env.CRASH_LOG) console.error(log.join('; '));
  const final = await runAgent(['--resume', runId!, '--runs-dir', crashDir]);
  assert.equal(final.code, 0, final.stderr);
  const crashRun = path.join(crashDir, runId!);
  assert.ok(log.filter((l) => l.includes('SIGKILL')).length >= 4, `most kill points were reached: ${log.join('; ')}`);

  // The run finished iteration 1 only once, and its files equal the uninterrupted run's.
  const manifest = JSON.parse(fs.readFileSync(it(crashRun, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'done');
  assert.deepEqual(diffIteration(refRun, crashRun, 1), [], `kill points: ${log.join('; ')}`);
  for (const f of ['prompts', 'candidates', 'judgments', 'pairs']) assert.ok(recordsById(it(crashRun, `${f}.jsonl`)).size > 0);
  // metrics agree too (training numbers aside: the sim trainer's output path names its run folder; the model's
  // name, M2, is the same)
  const strip = (m: Record<string, unknown>) => ({ ...m, modelOutPath: undefined, trainLoss: undefined, trainRewardMargin: undefined });
  assert.deepEqual(strip(JSON.parse(fs.readFileSync(it(crashRun, 'metrics.json'), 'utf8'))), strip(JSON.parse(fs.readFileSync(it(refRun, 'metrics.json'), 'utf8'))));
  // the event log survived every kill: whole lines, increasing seq
  const logged = fs.readFileSync(path.join(crashRun, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; record?: { id: string } });
  logged.forEach((e, i) => assert.equal(e.seq, i + 1));
  // ...and, after resume, it mirrors every durable record exactly once (events lost between append and emit are re-emitted)
  for (const [type, file] of [['prompt', 'prompts'], ['candidate', 'candidates'], ['judgment', 'judgments'], ['pair', 'pairs']]) {
    const evIds = logged.filter((e) => e.type === type).map((e) => e.record!.id).sort();
    assert.deepEqual(evIds, [...recordsById(it(crashRun, `${file}.jsonl`)).keys()].sort(), `${type} events`);
  }
});
