/**
 * The per-iteration evaluation in real VS Code (code-server + Chromium): "Start Demo Run" runs one iteration on the
 * local agent with the sim, evaluates M1 and M2 (the sim judges), and the dashboard's Evaluation section shows a row
 * per model whose numbers are the eval/*.json files' on disk. Then "Write Iteration Report…" opens the saved report
 * from the run folder (its charts beside it).
 * Needs `node test/e2e/setup.mjs` once. Run: node test/run.mjs test/e2e --grep=evaluation
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pickQuickItem, runCommand, startCodeServer, waitFor, webviewFrame, type CodeServer } from './codeServer';
import { findFiles, tmpDir } from '../helpers/tmp';
import { e2eEntry as entry, e2eNode as node, stageExtension } from './stage';
import { screenshotDir } from '../helpers/browser';
import type { MultiTurnRecord, WinRateRecord } from '../../remote/eval/results';

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null): string => (x === null ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(2));

test('real VS Code: after a demo iteration the Evaluation section shows a row per model with the files\' numbers', { skip: !fs.existsSync(entry) && 'code-server not installed (node test/e2e/setup.mjs)', timeout: 8 * 60_000 }, async () => {
  const dir = tmpDir('selfreward-e2e-eval-');
  const workspace = path.join(dir, 'ws');
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(workspace);
  let cs: CodeServer | undefined;
  try {
    cs = await startCodeServer({ node, entry, extensionDir: stageExtension(dir), workspace, home: path.join(dir, 'home'), stateDir });
    const { page } = cs;
    await runCommand(page, 'Self-Rewarding: Start Demo Run (simulated model, local)');
    const dash = await webviewFrame(page, '#evaluation', 90_000);
    await waitFor('rows for M1 and M2 in the Evaluation section', async () =>
      (await dash.locator('#evaluation tr[data-model="m1"]').count()) > 0 && (await dash.locator('#evaluation tr[data-model="m2"] td[data-field="mtScore"]').count()) > 0 &&
      (await dash.locator('#evaluation tr[data-model="m2"] td[data-field="headToHead"]').innerText()) !== '–', 240_000);
    await dash.locator('#evaluation').scrollIntoViewIfNeeded();
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, 'evaluation-code-server.png') });

    // the numbers on screen are the files' (the local agent's runs live under the state folder)
    for (const m of ['m1', 'm2']) {
      const [wrFile] = findFiles(stateDir, `winrate-${m}.json`);
      const [mtFile] = findFiles(stateDir, `mt-${m}.json`);
      assert.ok(wrFile && mtFile, `eval files of ${m} written`);
      const wr = JSON.parse(fs.readFileSync(wrFile, 'utf8')) as WinRateRecord;
      const mt = JSON.parse(fs.readFileSync(mtFile, 'utf8')) as MultiTurnRecord;
      const cell = (field: string): Promise<string> => dash.locator(`#evaluation tr[data-model="${m}"] td[data-field="${field}"]`).innerText();
      assert.equal(await cell('winRate'), `${pct(wr.summary.winRate)} (${pct(wr.summary.winRateCi![0])}–${pct(wr.summary.winRateCi![1])})`);
      assert.equal(await cell('lcWinRate'), pct(wr.summary.lcWinRate));
      assert.equal(await cell('unreadable'), String(wr.summary.unreadable));
      assert.equal(await cell('mtScore'), num(mt.summary.mean));
    }
    assert.equal(await dash.locator('#evaluation tbody tr').count(), 2, 'a row per model');

    // the report opens from the run folder as a saved file, charts beside it
    await runCommand(page, 'Self-Rewarding: Write Iteration Report…');
    await pickQuickItem(page, 'Iteration 1');
    await waitFor('the report preview', async () => (await page.locator('.tab', { hasText: 'report.md' }).count()) > 0, 60_000);
    const [report] = findFiles(stateDir, 'report.md');
    assert.ok(report && fs.existsSync(path.join(path.dirname(report), 'eval-trend.svg')));
    assert.match(fs.readFileSync(report, 'utf8'), /## Evaluation, beside the paper/);
  } finally {
    await cs?.stop();
  }
});
