import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { zipEntries } from '../helpers/zip';
import { repoRoot } from '../helpers/tmp';

test('npm run package makes a small .vsix with dist/ and package.json, without sources, tests or node_modules', () => {
  execFileSync('npm', ['run', 'package', '--silent'], { cwd: repoRoot, stdio: 'pipe', timeout: 240_000 });
  const vsix = path.join(repoRoot, 'dist-vsix/selfreward.vsix');
  const size = fs.statSync(vsix).size;
  assert.ok(size < 5 * 1024 * 1024, `vsix is ${size} bytes`);
  const names = zipEntries(vsix);
  for (const want of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/agent.js', 'extension/dist/run-config.schema.json']) {
    assert.ok(names.includes(want), `missing ${want}`);
  }
  for (const bad of ['extension/src/', 'extension/test/', 'extension/node_modules/', 'extension/remote/', 'extension/webview/']) {
    assert.ok(!names.some((n) => n.startsWith(bad)), `vsix must not contain ${bad}`);
  }
  assert.ok(!names.some((n) => n.endsWith('.map')), 'no source maps in the vsix');
  assert.ok(names.includes('extension/media/dashboard.css') && names.includes('extension/media/walkthrough/connect.md'), 'the media the extension uses');
  assert.ok(!names.some((n) => n.startsWith('extension/media/screenshots/')), 'the README\'s screenshots stay out of the vsix');
  // The production build ran for packaging; rebuild the dev build the other tests expect.
  execFileSync(process.execPath, ['build.mjs'], { cwd: repoRoot });
});
