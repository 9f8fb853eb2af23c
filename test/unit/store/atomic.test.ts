import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { writeJsonAtomic, readJsonIfExists } from '../../../remote/store/atomic';
import { repoRoot, tmpDir } from '../../helpers/tmp';

test('a process killed (SIGKILL) between write and rename leaves the old manifest intact', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'manifest.json');
  writeJsonAtomic(file, { version: 'old' });
  // The child writes the new manifest but is killed at the moment it would rename.
  const script = `
    const fs = require('node:fs');
    fs.renameSync = () => process.kill(process.pid, 'SIGKILL');
    require(${JSON.stringify(path.join(repoRoot, 'remote/store/atomic.ts'))}).writeJsonAtomic(${JSON.stringify(file)}, { version: 'new' });
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot });
  assert.equal(r.signal, 'SIGKILL', `child should die by SIGKILL, stderr: ${r.stderr}`);
  assert.deepEqual(readJsonIfExists(file), { version: 'old' });
  assert.ok(fs.readdirSync(dir).some((f) => f.endsWith('.tmp')), 'the new content was written to a temp file');
  writeJsonAtomic(file, { version: 'newer' });
  assert.deepEqual(readJsonIfExists(file), { version: 'newer' });
});

test('readJsonIfExists names the file on bad JSON and returns undefined when absent', () => {
  const dir = tmpDir();
  assert.equal(readJsonIfExists(path.join(dir, 'none.json')), undefined);
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"a":');
  assert.throws(() => readJsonIfExists(path.join(dir, 'bad.json')), /bad\.json: invalid JSON/);
});
