/**
 * `agent.js demo` shows the whole paper on the sim: the SFT iteration (M0 → SFT baseline and M1), self-rewarding
 * iterations after it, and a table of judge agreement with people per model — the numbers of the run's files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../helpers/tmp';
import { ensureBuilt, runAgentCli } from '../helpers/cli';
import type { AgreementResult } from '../../remote/pipeline/agreement';

test('demo: SFT then a self-rewarding iteration; the table prints judge agreement per model, equal to the files and rising with EFT', { timeout: 180_000 }, async () => {
  ensureBuilt();
  const dir = tmpDir();
  const r = await runAgentCli(['demo', '--runs-dir', dir, '--prompts', '16', '--iterations', '1'], { timeoutMs: 170_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /SFT \(M0 → M1\) and 1 self-rewarding iterations/);
  assert.match(r.stdout, /iteration 0 · SFT/);
  assert.match(r.stdout, /EFT rows \(train \/ eval\)\s+\d+ \/ \d+/);
  assert.match(r.stdout, /iteration 1/);
  const runDir = r.stdout.match(/run folder: (.+)/)![1].trim();
  const results = JSON.parse(fs.readFileSync(path.join(runDir, 'iterations', '0', 'agreement.json'), 'utf8')) as AgreementResult[];
  assert.deepEqual(results.map((x) => x.label), ['SFT baseline', 'M1', 'M2']);
  const out = r.stdout.split('\n');
  const at = out.findIndex((l) => l.startsWith('judge agreement (EFT eval split)'));
  assert.match(out[at], /pairwise accuracy/);
  for (const x of results) {
    const row = out.slice(at).find((l) => l.startsWith(x.label + ' '))!;
    assert.ok(row.includes(`${(x.agreement.pairwiseAccuracy! * 100).toFixed(1)} %`), `${x.label}: ${row}`);
  }
  const acc = (label: string) => results.find((x) => x.label === label)!.agreement.pairwiseAccuracy!;
  assert.ok(acc('M1') > acc('SFT baseline'), `EFT raises judge agreement: ${acc('SFT baseline')} → ${acc('M1')}`);
});
