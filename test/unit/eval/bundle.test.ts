/**
 * The extension bundle takes only the pure parts of remote/eval (labelled samples, metrics, rows, protocol types):
 * the evaluation runners pull in the agent's backends and config (ajv, jsonc-parser's UMD build, which a bundle
 * cannot load — the extension then fails to activate in VS Code).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { repoRoot } from '../../helpers/tmp';

test('the extension bundle carries no agent-only code from remote/eval', async () => {
  const r = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'src/extension.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true,
    outfile: path.join(repoRoot, 'dist', 'bundle-check.js'), external: ['vscode', 'ssh2', 'cpu-features'], logLevel: 'silent',
  });
  const inputs = Object.keys(r.metafile.inputs);
  const forbidden = inputs.filter((f) => /remote\/(backends\/index|config\/config|pipeline\/iteration)\.ts|remote\/eval\/(context|suite|winRate|multiTurn|compare|judgeAgreement)\.ts|jsonc-parser\/lib\/umd/.test(f));
  assert.deepEqual(forbidden, []);
  assert.ok(inputs.some((f) => f.endsWith('remote/eval/judgeEval.ts')), 'the pure labelled-set helpers are there (the rubric preview uses them)');
});
