/** The agent's command line: help for every command, --version, and the demo's table and metrics.json names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { agentJs } from '../helpers/agent';
import { tmpDir } from '../helpers/tmp';
import { commands, helpText, registerCommand } from '../../remote/cli/registry';
import '../../remote/cli/index';
import type { IterationSummary, ModelEntry } from '../../remote/protocol';

const agent = (...args: string[]) => spawnSync(process.execPath, [agentJs, ...args], { encoding: 'utf8', timeout: 120_000 });

test('help lists every command with a one-line description; --version and help exit 0', () => {
  const help = agent('help');
  assert.equal(help.status, 0, help.stderr);
  const names = Object.keys(commands);
  for (const n of ['serve', 'attach', 'run', 'demo', 'sim-server', 'sim-train', 'preflight', 'version', 'help']) assert.ok(names.includes(n), n);
  for (const n of names) assert.match(help.stdout, new RegExp(`^  ${n} +\\S.{10,}$`, 'm'), `${n} has a description line`);
  assert.equal(agent('--help').status, 0);
  const v = agent('--version');
  assert.equal(v.status, 0);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+/);
  assert.equal(v.stdout, agent('version').stdout);
  assert.equal(agent().status, 2, 'no command is a usage error');
  assert.equal(agent('nope').status, 2);
});

test('<command> --help exits 0 with its description and usage for every command', async () => {
  for (const name of Object.keys(commands)) {
    const mod = await commands[name]();
    const r = agent(name, '--help');
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(mod.description), `${name}: description first`);
    assert.match(r.stdout, new RegExp(`usage: agent\\.js ${name}`), `${name}: usage`);
  }
});

test('a command another feature registers shows in help with its own description', async () => {
  registerCommand('zz-extra', async () => ({ description: 'an extra command for the test', usage: 'usage: agent.js zz-extra', main: async () => 0 }));
  try {
    assert.match(await helpText(), /^ {2}zz-extra +an extra command for the test$/m);
  } finally {
    delete commands['zz-extra'];
  }
});

test('demo: the table uses the shared count labels; metrics.json names models M1 → M2 with their paths beside', () => {
  const dir = tmpDir('selfreward-demo-cli-');
  const r = agent('demo', '--prompts', '6', '--iterations', '1', '--runs-dir', dir);
  assert.equal(r.status, 0, r.stderr);
  for (const label of ['judge samples', 'candidates judged', 'pairs trained', 'pairs excluded']) assert.match(r.stdout, new RegExp(`^${label} `, 'm'), label);
  assert.match(r.stdout, /^model +M1 → M2$/m);
  const runDir = path.join(dir, fs.readdirSync(dir)[0]);
  const s = JSON.parse(fs.readFileSync(path.join(runDir, 'iterations', '1', 'metrics.json'), 'utf8')) as IterationSummary;
  const models = JSON.parse(fs.readFileSync(path.join(runDir, 'models.json'), 'utf8')) as ModelEntry[];
  const m2 = models.find((m) => m.iteration === 2)!;
  assert.deepEqual([s.modelIn, s.modelOut, s.modelOutPath], ['M1', 'M2', m2.path ?? m2.name]);
  const rows = fs.readFileSync(path.join(runDir, 'iterations', '1', 'train', 'train.jsonl'), 'utf8').trim().split('\n').length;
  assert.equal(s.trainedPairs, rows);
  assert.match(r.stdout, new RegExp(`^pairs trained +${rows}$`, 'm'));
});
