import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RunStore } from '../../../remote/store/runStore';
import { runIteration } from '../../../remote/pipeline/iteration';
import { selectBackends } from '../../../remote/backends/index';
import { startSimServer } from '../../../remote/backends/sim/server';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { setQuiet } from '../../../remote/log';
import { repoRoot, tmpDir } from '../../helpers/tmp';
import { fastConfig } from './files';
import { standin, useTrlStandin } from '../../helpers/standins';

setQuiet(true);

function grepDir(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (fs.readFileSync(p).includes(needle)) hits.push(p);
  }
  return hits;
}

test('external backend: requests spread over several base URLs; the API key comes from the env and is never written', async () => {
  const a = await startSimServer({ maxConcurrency: 64, tokensPerSecond: 20000, ttftMs: 2 });
  const b = await startSimServer({ maxConcurrency: 64, tokensPerSecond: 20000, ttftMs: 2 });
  const key = 'sk-test-DO-NOT-STORE-1234567890';
  process.env.SELFREWARD_TEST_KEY = key;
  // a real model is never trained by the simulation: the TRL stand-in trains here
  const restore = useTrlStandin(path.join(tmpDir(), 'argv.jsonl'));
  try {
    const cfg = fastConfig({
      model: { backend: 'external', name: 'sim-base', baseUrls: [`${a.baseUrl}`, `${b.baseUrl}`], apiKeyEnv: 'SELFREWARD_TEST_KEY' },
      prompts: { perIteration: 8 },
      trainer: { backend: 'trl', processes: 1, trl: { command: [standin('trl')] } },
    });
    const store = new RunStore(tmpDir());
    const run = store.create(cfg, { agentVersion: 't', rubricText: DEFAULT_RUBRIC });
    const s = await runIteration(run, { signal: new AbortController().signal });
    assert.equal(s.promptsKept, 8);
    assert.ok(a.stats().requests > 5 && b.stats().requests > 5, `both servers used: ${a.stats().requests} / ${b.stats().requests}`);
    assert.deepEqual(grepDir(run.dir, key), [], 'the key is nowhere in the run folder');
    assert.equal(JSON.parse(fs.readFileSync(path.join(run.dir, 'run.json'), 'utf8')).config.model.apiKeyEnv, 'SELFREWARD_TEST_KEY');
    run.close();
    delete process.env.SELFREWARD_TEST_KEY;
    assert.throws(() => selectBackends(cfg, run.dir), /no API key for SELFREWARD_TEST_KEY \(model\.apiKeyEnv\).*set SELFREWARD_TEST_KEY in the agent.s environment/);
  } finally {
    restore();
    delete process.env.SELFREWARD_TEST_KEY;
    await a.close();
    await b.close();
  }
});

test('agent.js run: bad arguments exit 2 naming the flag; a bad config names file and field; a finished run prints its summary', () => {
  const agent = path.join(repoRoot, 'dist', 'agent.js');
  if (!fs.existsSync(agent)) spawnSync('node', ['build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  const dir = tmpDir();
  const run = (...args: string[]) => spawnSync(process.execPath, [agent, 'run', ...args], { encoding: 'utf8', timeout: 60_000 });
  let r = run();
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--config FILE is required/);
  r = run('--config', 'x.json', '--iterations', 'zero');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--iterations: expected an integer/);
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ name: 'x', model: { backend: 'sim', name: 'm' }, seedData: [{ path: 'builtin:demo' }], prompts: { perIteration: 0 } }));
  r = run('--config', bad, '--runs-dir', dir);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(bad) && r.stderr.includes('prompts.perIteration'), r.stderr);
  const good = path.join(dir, 'good.json');
  fs.writeFileSync(good, JSON.stringify({ name: 'cli', model: { backend: 'sim', name: 'sim-base', sim: { tokensPerSecond: 20000, ttftMs: 2 } }, seedData: [{ path: 'builtin:demo' }], prompts: { perIteration: 6 } }));
  r = run('--config', good, '--runs-dir', path.join(dir, 'runs'), '--iterations', '2');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.iteration), [1, 2]);
  assert.ok(lines.every((l) => l.promptsKept === 6 && typeof l.runId === 'string'));
  assert.match(r.stderr, /prompts done in/);
  // review gate on: --accept-review stands in for the reviewer, and every pair trains
  const gated = path.join(dir, 'gated.json');
  fs.writeFileSync(gated, JSON.stringify({ name: 'gated', model: { backend: 'sim', name: 'sim-base', sim: { tokensPerSecond: 20000, ttftMs: 2 } }, seedData: [{ path: 'builtin:demo' }], prompts: { perIteration: 6 }, review: { gate: true } }));
  r = run('--config', gated, '--runs-dir', path.join(dir, 'gated-runs'), '--accept-review');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim());
  const runDir = path.join(dir, 'gated-runs', s.runId, 'iterations', '1');
  const decisions = fs.readFileSync(path.join(runDir, 'decisions.jsonl'), 'utf8').trim().split('\n');
  assert.equal(decisions.length, s.pairs);
  assert.equal(fs.readFileSync(path.join(runDir, 'train', 'train.jsonl'), 'utf8').trim().split('\n').length, s.pairs);
  assert.ok(fs.existsSync(path.join(runDir, 'review-complete.json')));
});
