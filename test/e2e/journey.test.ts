/**
 * The whole user journey in real VS Code (code-server + Debian Chromium), against a real sshd on loopback:
 * connect over SSH (the agent is deployed over SFTP), create a run with the simulated model, start an iteration with
 * the review gate on and watch it stream into the dashboard, edit the rubric and see the preview's draft scores drop,
 * review the pairs with the keyboard (flip one, reject one, accept the rest), complete the review, and check that the
 * trainer's input on the "remote" holds exactly the reviewed set. A screenshot after each step (test/output/e2e/).
 * Needs `node test/e2e/setup.mjs` once (npm run test:e2e does it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { answerInput, confirmModal, pickQuickItem, processesMentioning, runCommand, startCodeServer, statusBarText, waitFor, webviewFrame, type CodeServer } from './codeServer';
import { cache, e2eEntry, e2eNode, stageExtension } from './stage';
import { findFiles, repoRoot, tmpDir } from '../helpers/tmp';
import { startSshd, type Sshd } from '../helpers/sshd';
import { readJsonl } from '../../remote/store/jsonl';
import type { PairRecord } from '../../remote/protocol';

const shots = path.join(repoRoot, 'test', 'output', 'e2e');
const PROMPTS = 12;

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, name) });
}

const text = async (f: Frame, sel: string): Promise<string> => (await f.locator(sel).first().innerText().catch(() => '')) ?? '';

test('real VS Code journey: connect over SSH, run with the review gate, rubric preview, review pairs, train on the reviewed set', { skip: !fs.existsSync(e2eEntry) && `code-server not installed in ${cache} (node test/e2e/setup.mjs)`, timeout: 9 * 60_000 }, async () => {
  const dir = tmpDir('selfreward-e2e-journey-');
  const home = path.join(dir, 'home');
  const workspace = path.join(dir, 'ws');
  fs.mkdirSync(workspace, { recursive: true });
  let sshd: Sshd | undefined;
  let cs: CodeServer | undefined;
  try {
    // 0. sshd on loopback; ~/.ssh/config + known_hosts of the test HOME point at it.
    sshd = await startSshd();
    const user = os.userInfo().username;
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(
      path.join(home, '.ssh', 'config'),
      ['Host gpu-loopback', '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${user}`, `  IdentityFile ${sshd.clientKeyFile}`, '  IdentitiesOnly yes', ''].join('\n'),
      { mode: 0o600 },
    );
    fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), sshd.knownHostsLine + '\n', { mode: 0o600 });
    const env: Record<string, string> = { SSH_AUTH_SOCK: '' };
    cs = await startCodeServer({ node: e2eNode, entry: e2eEntry, extensionDir: stageExtension(dir), workspace, home, stateDir: path.join(dir, 'state'), env });
    const { page } = cs;

    // 1. Connect to the loopback host from ~/.ssh/config: connected in the status bar, agent deployed over SFTP.
    await runCommand(page, 'Self-Rewarding: Connect to GPU Host…');
    await pickQuickItem(page, 'gpu-loopback');
    const label = `127.0.0.1`;
    await waitFor('the status bar to show the connection', async () => {
      const s = await statusBarText(page);
      return s.includes(label) && !/connecting|reconnecting|offline/i.test(s);
    }, 90_000);
    assert.ok(findFiles(path.join(sshd.remoteHome, '.selfreward'), 'agent.js').length >= 1, 'agent.js deployed under the remote HOME');
    await shot(page, '1-connected.png');

    // 2. New run (sim), Start Next Iteration with 12 prompts and the review gate on, dashboard streams.
    await runCommand(page, 'Self-Rewarding: New Run…');
    await answerInput(page, 'e2e-journey');
    await pickQuickItem(page, 'Simulated model');
    await pickQuickItem(page, 'Built-in demo seed set');
    await pickQuickItem(page, 'Create it on the agent now');
    await waitFor('the run to be created', async () => (await page.locator('.notification-list-item-message', { hasText: 'Run "e2e-journey" created' }).count()) > 0, 30_000);
    await runCommand(page, 'Self-Rewarding: Start Next Iteration');
    await pickQuickItem(page, 'Prompts per iteration');
    await answerInput(page, String(PROMPTS));
    await pickQuickItem(page, 'Review gate');
    await pickQuickItem(page, 'On');
    await pickQuickItem(page, 'Start iteration 1');
    await confirmModal(page, 'Start');
    await runCommand(page, 'Self-Rewarding: Open Run Dashboard');
    const dash = await webviewFrame(page, '#feed', 60_000);
    await waitFor('scored rows in the dashboard feed', async () => {
      const scored = await dash.locator('.feed-row .row-score').allInnerTexts();
      return scored.filter((s) => /\d/.test(s)).length >= 3;
    }, 120_000);
    await waitFor('the score histogram drawn', async () => (await dash.locator('[data-chart="histogram"] svg rect, [data-chart="histogram"] svg path').count()) > 0, 60_000);
    await waitFor('the iteration to wait for review', async () => /review/i.test(await statusBarText(page)), 120_000);
    await shot(page, '2-dashboard.png');

    // 3. Edit Judge Rubric: delete the 4th and 5th criteria (lines 9–12) → the preview's draft scores drop.
    await runCommand(page, 'Self-Rewarding: Edit Judge Rubric');
    const preview = await webviewFrame(page, '#mean', 60_000);
    await waitFor('the preview to score the rubric in use', async () => (await preview.locator('tr[data-sample] td.draft:not(.partial)').count()) > 0, 120_000);
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor({ state: 'visible' });
    await page.locator('.tab', { hasText: 'rubric.md' }).first().click();
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+g');
    await page.keyboard.type('9');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 4; i++) await page.keyboard.press('Control+Shift+k');
    await waitFor('rubric lines of the 4th and 5th criteria gone', async () => !/Add a 4th point|Add a 5th point/.test(await editor.locator('.view-lines').innerText()), 15_000);
    await waitFor('draft scores to drop in the preview', async () => (await preview.locator('tr[data-sample] td.delta.down').count()) > 0, 120_000);
    await waitFor('the draft mean below the mean in use', async () => {
      const card = await text(preview, '#mean');
      const m = /([\d.]+)[\s\S]*in use:\s*([\d.]+)/.exec(card);
      return !!m && Number(m[1]) < Number(m[2]);
    }, 120_000);
    await shot(page, '3-rubric-preview.png');

    // 4. Review Preference Pairs: flip the first, reject the second, accept the rest; save; complete the review.
    await runCommand(page, 'Self-Rewarding: Review Preference Pairs');
    await pickQuickItem(page, 'e2e-journey');
    await pickQuickItem(page, 'Iteration 1');
    const pf = await webviewFrame(page, '#detail[data-id]', 90_000);
    const progress = async (): Promise<[number, number]> => {
      const m = /Reviewed (\d+) of (\d+)/.exec(await text(pf, '#progress-text'));
      return m ? [Number(m[1]), Number(m[2])] : [-1, -1];
    };
    const [, total] = await waitFor('the pair count', async () => ((await progress())[1] > 0 ? progress() : undefined), 30_000);
    assert.ok(total >= 3, `enough pairs to review (${total})`);
    const flippedId = (await pf.locator('#detail').getAttribute('data-id'))!;
    await pf.locator('#detail .prompt').click();
    await waitFor('the review gate shown on', async () => /training waits/i.test(await text(pf, '#gate-state')), 30_000);
    await page.keyboard.press('f');
    await waitFor('the pair flipped', async () => (await pf.locator(`.pair-list .row[data-id="${flippedId}"] .state`).innerText()) === 'flipped');
    await page.keyboard.press('j');
    await waitFor('the cursor past the flipped pair', async () => (await pf.locator('#detail').getAttribute('data-id')) !== flippedId);
    const rejectedId = (await pf.locator('#detail').getAttribute('data-id'))!;
    await page.keyboard.press('r');
    await waitFor('the cursor past the rejected pair', async () => (await pf.locator('#detail').getAttribute('data-id')) !== rejectedId);
    for (let i = 2; i < total; i++) {
      const before = (await progress())[0];
      await page.keyboard.press('a');
      await waitFor(`pair ${i + 1} accepted`, async () => (await progress())[0] > before, 15_000);
    }
    assert.deepEqual(await progress(), [total, total]);
    await page.keyboard.press('Control+s');
    await waitFor('the pairs editor saved', async () => (await page.locator('.tab.dirty').count()) === 0, 30_000);
    await pf.locator('#complete-review').click();
    await waitFor('the review gate complete', async () => /complete/i.test(await text(pf, '#gate-state')), 30_000);
    await shot(page, '4-pairs-reviewed.png');

    // 5. Training proceeds on the reviewed set: the iteration finishes; train.jsonl = pairs − rejected, flip applied.
    const manifests = (): string[] => findFiles(sshd!.remoteHome, 'manifest.json').filter((f) => f.endsWith(path.join('iterations', '1', 'manifest.json')));
    await waitFor('iteration 1 done on the remote', () => manifests().length === 1 && (JSON.parse(fs.readFileSync(manifests()[0], 'utf8')) as { status: string }).status === 'done', 180_000);
    await waitFor('the status bar to leave iteration 1', async () => {
      const s = await statusBarText(page);
      return s.includes(label) && !/it 1/.test(s);
    }, 30_000);
    const trainFiles = findFiles(sshd.remoteHome, 'train.jsonl').filter((f) => f.endsWith(path.join('iterations', '1', 'train', 'train.jsonl')));
    assert.equal(trainFiles.length, 1, `one train.jsonl under ${sshd.remoteHome}`);
    const iterDir = path.dirname(path.dirname(trainFiles[0]));
    const pairs = readJsonl<PairRecord>(path.join(iterDir, 'pairs.jsonl'));
    assert.equal(pairs.length, total);
    const rows = readJsonl<{ prompt: unknown; chosen: unknown; rejected: unknown }>(trainFiles[0]);
    const flat = (v: unknown): string => (typeof v === 'string' ? v : (v as { content: string }[]).map((m) => m.content).join(''));
    assert.equal(rows.length, total - 1, 'every pair but the rejected one trains');
    const byPrompt = new Map(rows.map((r) => [flat(r.prompt), r]));
    for (const p of pairs) {
      const row = byPrompt.get(p.prompt);
      if (p.id === rejectedId) {
        assert.ok(!rows.some((r) => flat(r.chosen) === p.chosen.text && flat(r.rejected) === p.rejected.text) && !rows.some((r) => flat(r.chosen) === p.rejected.text && flat(r.rejected) === p.chosen.text), 'the rejected pair is not trained on');
        continue;
      }
      assert.ok(row, `pair ${p.id} in train.jsonl`);
      if (p.id === flippedId) assert.deepEqual([flat(row.chosen), flat(row.rejected)], [p.rejected.text, p.chosen.text], 'the flipped pair swapped');
      else assert.deepEqual([flat(row.chosen), flat(row.rejected)], [p.chosen.text, p.rejected.text]);
    }
    await shot(page, '5-trained.png');
  } catch (e) {
    if (cs) await shot(cs.page, 'failure.png').catch(() => undefined);
    throw e;
  } finally {
    await cs?.stop();
    const remoteHome = sshd?.remoteHome;
    await sshd?.stop();
    if (remoteHome) {
      const left = processesMentioning(remoteHome).map((p) => `${p.pid}: ${p.cmd}`);
      assert.deepEqual(left, [], 'no agent daemon left running');
    }
    assert.deepEqual(processesMentioning(dir).map((p) => `${p.pid}: ${p.cmd}`), [], 'no code-server process left running');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
