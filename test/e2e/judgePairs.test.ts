/**
 * Reviewing a judge pair in real VS Code (code-server 1.139 + Debian Chromium): a run folder whose iteration ran the
 * meta-judge (made here on the sim) is the workspace; its iterations/1/judge-pairs.jsonl opens in the pairs editor's
 * judge-pair mode (the answer being judged, the better and the worse judgment side by side, the meta-judge's reason
 * and the standings); keys flip, reject and accept judge pairs, Ctrl+S writes judge-pairs.decisions.jsonl beside
 * them, and the training rows of the judge pairs follow the review. Needs `node test/e2e/setup.mjs` once. Run:
 *   node test/run.mjs test/e2e --grep=judgePairs
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { startCodeServer, waitFor, webviewFrame, type CodeServer } from './codeServer';
import { tmpDir } from '../helpers/tmp';
import { e2eEntry as entry, e2eNode as node, stageExtension } from './stage';
import { screenshotDir } from '../helpers/browser';
import { readJsonl } from '../../remote/store/jsonl';
import { RunStore } from '../../remote/store/runStore';
import { runIteration } from '../../remote/pipeline/iteration';
import { judgeRows } from '../../remote/pipeline/train';
import { validateConfig } from '../../remote/config/config';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { setQuiet } from '../../remote/log';
import type { JudgePairRecord, PairDecision } from '../../remote/protocol';

setQuiet(true);

const state = (f: Frame, id: string): Promise<string> => f.locator(`.pair-list .row[data-id="${id}"] .state`).innerText();

test('real VS Code: review judge pairs (flip, reject, accept), save, and training follows the review', { skip: !fs.existsSync(entry) && 'code-server not installed (node test/e2e/setup.mjs)', timeout: 6 * 60_000 }, async () => {
  const dir = tmpDir('selfreward-e2e-judge-');
  // A run with one meta-judge iteration on the sim: its folder is the workspace.
  const store = new RunStore(path.join(dir, 'runs'));
  const config = validateConfig({ name: 'e2e-meta', seed: 3, model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 64, tokensPerSecond: 20000, ttftMs: 2 } }, seedData: [{ path: 'builtin:demo' }], prompts: { perIteration: 10 }, metaJudge: { enabled: true } });
  const run = store.create(config, { agentVersion: 'e2e', rubricText: DEFAULT_RUBRIC });
  await runIteration(run, { signal: new AbortController().signal });
  const pairs = run.read(1, 'judge-pairs');
  assert.ok(pairs.length >= 3, `judge pairs to review: ${pairs.length}`);
  const workspace = run.dir;
  const cs: CodeServer = await startCodeServer({ node, entry, extensionDir: stageExtension(dir), workspace, home: path.join(dir, 'home'), stateDir: path.join(dir, 'state') });
  try {
    const { page } = cs;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input.input').waitFor({ state: 'visible' });
    await page.keyboard.type('judge-pairs.jsonl', { delay: 5 });
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'judge-pairs.jsonl' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('Enter');
    const f = await webviewFrame(page, '#detail[data-id]', 90_000);

    // The judge-pair mode: what is judged, the two judgments with their scores, the meta-judge's reason, standings.
    const [p0, p1, p2] = pairs as JudgePairRecord[];
    assert.equal(await f.locator('#detail').getAttribute('data-id'), p0.id);
    assert.equal(await f.locator('#judge-instruction').innerText(), p0.instruction);
    assert.equal((await f.locator('#judge-sides .side.chosen .text').innerText()).trim(), p0.chosen.text.trim());
    assert.equal((await f.locator('#judge-sides .side.rejected .text').innerText()).trim(), p0.rejected.text.trim());
    assert.match(await f.locator('#judge-sides .side.chosen .score').innerText(), new RegExp(`score ${p0.chosen.score}`));
    assert.match(await f.locator('#judge-reason').innerText(), /Winner: [AB]/);
    assert.equal(await f.locator('#judge-standings tr').count(), p0.standings.length + 1);
    assert.match(await f.locator('.pair-list .row .margin').first().innerText(), /^\+\d+$/);

    // Flip the first (the worse judgment becomes the one to learn), reject the second, accept the third.
    await f.locator('#judge-instruction').click();
    await page.keyboard.press('f');
    await waitFor('the first judge pair flipped', async () => (await state(f, p0.id)) === 'flipped');
    await waitFor('the flip shown', async () => /was the worse/.test(await f.locator('#judge-sides .side.chosen').innerText()));
    await page.keyboard.press('j');
    await waitFor('the second under the cursor', async () => (await f.locator('#detail').getAttribute('data-id')) === p1.id);
    await page.keyboard.press('r');
    await waitFor('the third under the cursor', async () => (await f.locator('#detail').getAttribute('data-id')) === p2.id);
    await page.keyboard.press('a');
    await waitFor('the tab marked dirty', async () => (await page.locator('.tab.dirty').count()) > 0, 15_000);
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, 'judge-pairs-editor-code-server.png') });
    await page.keyboard.press('Control+s');
    const decisions = run.filePath(1, 'judge-pairs.decisions');
    await waitFor('the decisions saved beside the judge pairs', () => fs.existsSync(decisions) && readJsonl<PairDecision>(decisions).length === 3, 15_000);
    assert.deepEqual(readJsonl<PairDecision>(decisions).map((d) => `${d.pairId}:${d.kind}`), [`${p0.id}:flip`, `${p1.id}:reject`, `${p2.id}:accept`]);
    assert.match(await f.locator('#progress-text').innerText(), new RegExp(`Reviewed 3 of ${pairs.length}`));

    // What training takes: the rejected judge pair left out, the flipped one swapped.
    const m = run.readManifest(1)!;
    const rows = judgeRows({ run, t: 1, params: { ...m.params, metaJudge: { ...m.params.metaJudge!, maxJudgeShare: 1 } } } as never, 1000);
    assert.equal(rows.rows.length, pairs.length - 1);
    assert.ok(!rows.rows.some((r) => r.prompt === p1.prompt && r.chosen === p1.chosen.text));
    const flipped = rows.rows.find((r) => r.prompt === p0.prompt)!;
    assert.equal(flipped.chosen, p0.rejected.text);
    assert.equal(flipped.rejected, p0.chosen.text);
  } finally {
    await cs.stop();
    run.close();
  }
});
