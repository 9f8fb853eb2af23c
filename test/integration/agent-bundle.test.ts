import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { repoRoot, tmpDir } from '../helpers/tmp';

test('dist/agent.js runs alone from an empty folder (no node_modules beside it)', () => {
  const dir = tmpDir();
  const agent = path.join(dir, 'agent.js');
  fs.copyFileSync(path.join(repoRoot, 'dist/agent.js'), agent);
  const version = execFileSync(process.execPath, [agent, 'version'], { cwd: dir, encoding: 'utf8' }).trim();
  assert.equal(version, JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
  const bad = spawnSync(process.execPath, [agent, 'no-such-command'], { cwd: dir, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command "no-such-command"/);
  assert.ok(!/require\(["']vscode["']\)/.test(fs.readFileSync(agent, 'utf8')), 'the agent never loads vscode');
});
