/**
 * The pairs review editor in real VS Code (code-server 1.139 + Debian Chromium): a *.pairs.jsonl opens in the
 * custom editor, keys decide, the tab turns dirty, Ctrl+S appends to the decisions file, Ctrl+Z inside the webview
 * goes through VS Code's undo exactly once, and the decisions are there after closing and reopening.
 * Needs `node test/e2e/setup.mjs` once (Node 24 + code-server into ~/.cache/selfreward-e2e). Run:
 *   node test/run.mjs test/e2e --grep=pairs
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { startCodeServer, waitFor, webviewFrame, type CodeServer } from './codeServer';
import { tmpDir } from '../helpers/tmp';
import { e2eEntry as entry, e2eNode as node, stageExtension } from './stage';
import { writePairsFile } from '../helpers/pairsFixture';
import { readJsonl } from '../../remote/store/jsonl';
import { screenshotDir } from '../helpers/browser';
import type { PairDecision } from '../../remote/protocol';

async function openPairs(cs: CodeServer, name: string): Promise<Frame> {
  const { page } = cs;
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  await page.keyboard.type(name, { delay: 5 });
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await page.keyboard.press('Enter');
  return webviewFrame(page, '#detail[data-id]', 90_000);
}

const state = (f: Frame, id: string): Promise<string> => f.locator(`.pair-list .row[data-id="${id}"] .state`).innerText();

test('real VS Code: open, decide by key, dirty tab, save, undo through VS Code, reopen', { skip: !fs.existsSync(entry) && 'code-server not installed (node test/e2e/setup.mjs)' }, async () => {
  const dir = tmpDir('selfreward-e2e-pairs-');
  const workspace = path.join(dir, 'ws');
  fs.mkdirSync(workspace);
  const file = path.join(workspace, 'review.pairs.jsonl');
  writePairsFile(file, 20);
  const cs = await startCodeServer({ node, entry, extensionDir: stageExtension(dir), workspace, home: path.join(dir, 'home'), stateDir: path.join(dir, 'state') });
  try {
    const { page } = cs;
    let f = await openPairs(cs, 'review.pairs.jsonl');
    assert.equal(await f.locator('#detail').getAttribute('data-id'), 'p0');
    // The toolkit bundle follows the first page (webview/components/lateBundle.ts): under VS Code's CSP and
    // resource URIs it loads and upgrades the buttons.
    await waitFor('the toolkit loaded after the first page', () => f.evaluate(() => customElements.get('vscode-button') !== undefined && document.querySelector('#next-page')?.shadowRoot != null), 20_000);
    await f.locator('#detail .prompt').click();
    await page.keyboard.press('a');
    await waitFor('p1 under the cursor', async () => (await f.locator('#detail').getAttribute('data-id')) === 'p1');
    await waitFor('the tab marked dirty', async () => (await page.locator('.tab.dirty').count()) > 0, 15_000);
    await page.keyboard.press('Control+s');
    const decisions = path.join(workspace, 'review.decisions.jsonl');
    await waitFor('decisions saved', () => fs.existsSync(decisions) && readJsonl<PairDecision>(decisions).length === 1, 15_000);
    assert.deepEqual(readJsonl<PairDecision>(decisions).map((d) => `${d.pairId}:${d.kind}`), ['p0:accept']);
    await waitFor('the tab clean after save', async () => (await page.locator('.tab.dirty').count()) === 0, 15_000);

    // Flip p1, then Ctrl+Z inside the webview: VS Code's undo runs once (p1 back, p0 still accepted).
    await page.keyboard.press('f');
    await waitFor('p1 flipped', async () => (await state(f, 'p1')) === 'flipped');
    await page.keyboard.press('Control+z');
    await waitFor('p1 unreviewed after undo', async () => (await state(f, 'p1')) === 'unreviewed', 15_000);
    assert.equal(await state(f, 'p0'), 'accepted', 'one undo, not two');
    await page.keyboard.press('Control+Shift+z');
    await waitFor('p1 flipped after redo', async () => (await state(f, 'p1')) === 'flipped', 15_000);
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, 'pairs-editor-code-server.png') });
    await page.keyboard.press('Control+s');
    await waitFor('second save', () => readJsonl<PairDecision>(decisions).length === 2, 15_000);
    await waitFor('the tab clean after the second save', async () => (await page.locator('.tab.dirty').count()) === 0, 15_000);

    // Close the editor and open the file again: the decisions are there.
    await page.keyboard.press('Control+w');
    await waitFor('editor closed', async () => (await page.locator('.tab', { hasText: 'review.pairs.jsonl' }).count()) === 0, 15_000);
    f = await openPairs(cs, 'review.pairs.jsonl');
    await waitFor('reopened with decisions', async () => (await state(f, 'p0')) === 'accepted' && (await state(f, 'p1')) === 'flipped', 30_000);
    assert.match(await f.locator('#progress-text').innerText(), /Reviewed 2 of 20/);
  } finally {
    await cs.stop();
  }
});
