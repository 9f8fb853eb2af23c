/**
 * Issue #15 (6): errors that can be known before work starts are the answer itself — `runs/create`,
 * `iteration/start`, `rubric/set` and `agent.js run` refuse a rubric without its placeholders and a missing, empty or
 * broken seed file, before a run folder exists or an iteration has started, naming the field and the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RpcErrors } from '../../remote/protocol';
import { isRpcError } from '../../remote/rpc/client';
import { agentJs, simConfig, startInProcessDaemon } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';

const invalid = (re: RegExp) => (e: unknown) => isRpcError(e, RpcErrors.InvalidConfig) && re.test((e as { message: string }).message);

function seedFiles(dir: string): Record<'missing' | 'empty' | 'broken', string> {
  const empty = path.join(dir, 'empty.jsonl');
  fs.writeFileSync(empty, '');
  const broken = path.join(dir, 'broken.jsonl');
  fs.writeFileSync(broken, '{"instruction": "Explain tides.", "output": "The moon."}\n{"instruction": "Name a prime",\n');
  return { missing: path.join(dir, 'nope.jsonl'), empty, broken };
}

test('runs/create refuses a rubric without placeholders and missing, empty or broken seed files; no run folder is made', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  await assert.rejects(c.request('runs/create', { config: simConfig('no placeholders'), rubricText: 'Rate the answer from 0 to 5. Score: x' }), invalid(/field "rubricText": has no \{\{instruction\}\} placeholder[\s\S]*field "rubricText": has no \{\{response\}\} placeholder/));
  await assert.rejects(c.request('runs/create', { config: simConfig('typo'), rubricText: 'Q: {{instruction}} A: {{respons}} Score:' }), invalid(/unknown placeholder \{\{respons\}\}/));
  const seeds = seedFiles(tmpDir());
  await assert.rejects(c.request('runs/create', { config: simConfig('missing', { seedData: [{ path: seeds.missing }] }) }), invalid(/field "seedData\[0\]\.path": .*nope\.jsonl: cannot read seed file/));
  await assert.rejects(c.request('runs/create', { config: simConfig('empty', { seedData: [{ path: 'builtin:demo' }, { path: seeds.empty }] }) }), invalid(/field "seedData\[1\]\.path": .*empty\.jsonl: no usable seed records/));
  await assert.rejects(c.request('runs/create', { config: simConfig('broken', { seedData: [{ path: seeds.broken }] }) }), invalid(/broken\.jsonl:2: invalid JSON/));
  await assert.rejects(c.request('runs/create', { config: simConfig('labelled only', { seedData: [{ path: 'builtin:labelled' }] }) }), invalid(/field "seedData": has no prompts/));
  assert.deepEqual((await c.request('runs/list', {})).runs, []);
  assert.deepEqual(fs.readdirSync(d.daemon.runsDir), [], 'no run folder was created');
  c.dispose();
});

test('iteration/start answers a seed file that went bad, or a rubric version without placeholders, before the iteration starts', async () => {
  const d = await startInProcessDaemon();
  const c = await d.connect();
  const dir = tmpDir();
  const seed = path.join(dir, 'seed.jsonl');
  fs.writeFileSync(seed, '{"instruction": "Explain tides.", "output": "The moon pulls the sea."}\n{"instruction": "How do I start running?", "output": "Slowly."}\n');
  const { run } = await c.request('runs/create', { config: simConfig('seed goes', { seedData: [{ path: seed }] }) });
  fs.rmSync(seed);
  await assert.rejects(c.request('iteration/start', { runId: run.id }), invalid(/field "seedData\[0\]\.path": .*seed\.jsonl: cannot read seed file/));
  fs.writeFileSync(seed, '{"instruction": "Explain tides.", "output": "The moon pulls the sea."}\n');
  await assert.rejects(c.request('rubric/set', { runId: run.id, text: 'Just rate it. Score: 3' }), invalid(/rubric\/set: the rubric has no \{\{instruction\}\} placeholder/));
  assert.ok(!fs.existsSync(path.join(run.dir, 'iterations', '1')), 'no iteration folder was made');
  const events = (await c.request('events/read', { runId: run.id, afterSeq: 0, limit: 1000 })).events;
  assert.ok(!events.some((e) => e.type === 'iteration.started'));
  c.dispose();
});

test('agent.js run: a rubric file without placeholders or a broken seed file fails before the run folder exists', () => {
  const dir = tmpDir();
  const runsDir = path.join(dir, 'runs');
  const rubric = path.join(dir, 'rubric.md');
  fs.writeFileSync(rubric, 'Grade the answer from 0 to 5.\nScore: <points>\n');
  seedFiles(dir); // beside the config: its relative seed paths resolve there
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ judge: { rubricFile: 'rubric.md' } }, /field "judge\.rubricFile": has no \{\{instruction\}\} placeholder/],
    [{ seedData: [{ path: 'broken.jsonl' }] }, /field "seedData\[0\]\.path": .*broken\.jsonl:2: invalid JSON/],
    [{ seedData: [{ path: 'empty.jsonl' }] }, /empty\.jsonl: no usable seed records/],
  ];
  for (const [extra, expected] of cases) {
    const file = path.join(dir, 'run.json');
    fs.writeFileSync(file, JSON.stringify(simConfig('cli checks', extra)));
    const r = spawnSync(process.execPath, [agentJs, 'run', '--config', file, '--runs-dir', runsDir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(file), `names the config file: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.ok(!fs.existsSync(runsDir) || fs.readdirSync(runsDir).length === 0, 'no run folder');
  }
});
