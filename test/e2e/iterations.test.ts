/**
 * Five iterations in real VS Code (code-server + Debian Chromium, 1600×1000), on the local agent and the simulated
 * model, the way a new user goes: Start Demo Run (iteration 1); iteration 2; iteration 3 with the review gate on, a
 * partial review and Complete review, which asks first and then trains on exactly the reviewed set; iteration 4
 * stopped from the dashboard ("stopping…" at once) and resumed with its frozen parameters; iteration 5. Then every
 * count the dashboard table, the stage cards, the runs tree and the last notification show is checked against the
 * run's files, the models are named M1…M6, the trend row is drawn, and the dashboard is photographed in the light
 * and the dark theme (test/output/e2e/dashboard-{light,dark}.png; copies committed under media/screenshots/).
 * Needs `node test/e2e/setup.mjs` once. Run alone: node test/run.mjs test/e2e --grep=iterations
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { answerInput, confirmModal, pickQuickItem, processesMentioning, runCommand, startCodeServer, statusBarText, waitFor, webviewFrame, type CodeServer } from './codeServer';
import { e2eEntry, e2eNode, stageExtension, cache } from './stage';
import { repoRoot, tmpDir } from '../helpers/tmp';
import { readJsonl } from '../../remote/store/jsonl';
import type { CandidateRecord, IterationManifest, IterationSummary, JudgmentRecord, PairRecord, PromptRecord } from '../../remote/protocol';
import { fmtCount } from '../../remote/counts';

const shots = path.join(repoRoot, 'test', 'output', 'e2e');

async function shot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, name);
  await page.screenshot({ path: file });
  return file;
}

/** What the files of iteration t say: every count the views show. */
function filesOf(runDir: string, t: number) {
  const d = path.join(runDir, 'iterations', String(t));
  const prompts = readJsonl<PromptRecord>(path.join(d, 'prompts.jsonl'));
  const candidates = readJsonl<CandidateRecord>(path.join(d, 'candidates.jsonl'));
  const judgments = readJsonl<JudgmentRecord>(path.join(d, 'judgments.jsonl'));
  const pairs = readJsonl<PairRecord>(path.join(d, 'pairs.jsonl'));
  const trained = fs.readFileSync(path.join(d, 'train', 'train.jsonl'), 'utf8').trim().split('\n').filter(Boolean).length;
  const manifest = JSON.parse(fs.readFileSync(path.join(d, 'manifest.json'), 'utf8')) as IterationManifest;
  const metrics = JSON.parse(fs.readFileSync(path.join(d, 'metrics.json'), 'utf8')) as IterationSummary;
  const answered = judgments.filter((j) => !j.error);
  return {
    promptsKept: prompts.filter((p) => p.kept).length,
    candidates: candidates.length,
    candidatesJudged: new Set(judgments.map((j) => j.candidateId)).size,
    judgments: judgments.length,
    parseFailures: answered.filter((j) => !j.parseOk).length,
    parseFailureRate: answered.length ? answered.filter((j) => !j.parseOk).length / answered.length : 0,
    pairs: pairs.length,
    ties: manifest.stages.pairs?.counts['dropped.tie'] ?? 0,
    trained,
    excluded: pairs.length - trained,
    manifest,
    metrics,
  };
}

const manifestStatus = (runDir: string, t: number): string | undefined => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(runDir, 'iterations', String(t), 'manifest.json'), 'utf8')) as IterationManifest).status;
  } catch {
    return undefined;
  }
};

const text = async (f: Frame, sel: string): Promise<string> => ((await f.locator(sel).first().textContent().catch(() => '')) ?? '').trim();

test('five iterations in real VS Code: every count shown equals the files, M1…M5, a partial review asks first, Stop says stopping at once, trends drawn', { skip: !fs.existsSync(e2eEntry) && `code-server not installed in ${cache} (node test/e2e/setup.mjs)`, timeout: 14 * 60_000 }, async () => {
  const dir = tmpDir('selfreward-e2e-five-');
  const workspace = path.join(dir, 'ws');
  const runsDir = path.join(dir, 'runs');
  fs.mkdirSync(workspace, { recursive: true });
  let cs: CodeServer | undefined;
  try {
    cs = await startCodeServer({ node: e2eNode, entry: e2eEntry, extensionDir: stageExtension(dir), workspace, home: path.join(dir, 'home'), stateDir: path.join(dir, 'state'), settings: { 'selfreward.local.runsDir': runsDir } });
    const { page } = cs;
    const runDir = (): string => {
      const ids = fs.existsSync(runsDir) ? fs.readdirSync(runsDir).filter((n) => fs.existsSync(path.join(runsDir, n, 'run.json'))) : [];
      return ids.length === 1 ? path.join(runsDir, ids[0]) : '';
    };
    const done = (t: number, ms = 240_000) => waitFor(`iteration ${t} done`, () => !!runDir() && manifestStatus(runDir(), t) === 'done', ms, 500);
    const startNext = async (t: number, edit?: () => Promise<void>): Promise<void> => {
      await runCommand(page, 'Self-Rewarding: Start Next Iteration');
      await edit?.();
      await pickQuickItem(page, `Start iteration ${t}`);
      await confirmModal(page, 'Start');
    };

    // 1. Start Demo Run: the local agent, the demo run, iteration 1, the dashboard.
    await runCommand(page, 'Self-Rewarding: Start Demo Run (simulated model, local)');
    await done(1);
    // 2. Iteration 2 as the run config says.
    await startNext(2);
    await done(2);

    // 3. Iteration 3 with the review gate on: review a few pairs, leave the rest, Complete review asks first.
    await startNext(3, async () => {
      await pickQuickItem(page, 'Review gate');
      await pickQuickItem(page, 'On');
    });
    await waitFor('iteration 3 waiting for the review', () => manifestStatus(runDir(), 3) === 'waiting', 240_000, 500);
    await runCommand(page, 'Self-Rewarding: Review Preference Pairs');
    await pickQuickItem(page, 'demo');
    await pickQuickItem(page, 'Iteration 3');
    const pf = await webviewFrame(page, '#detail[data-id]', 90_000);
    await waitFor('the pairs tab named for the run and iteration', async () => (await page.locator('.tab', { hasText: 'pairs · iteration 3 · demo' }).count()) > 0, 30_000);
    const progress = async (): Promise<[number, number]> => {
      const m = /Reviewed (\d+) of (\d+)/.exec(await text(pf, '#progress-text'));
      return m ? [Number(m[1]), Number(m[2])] : [-1, -1];
    };
    const [, total3] = await waitFor('the pair count', async () => ((await progress())[1] > 0 ? progress() : undefined), 30_000);
    assert.ok(total3 >= 6, `enough pairs (${total3})`);
    await pf.locator('#detail .prompt').click();
    for (const key of ['a', 'a', 'a', 'r']) {
      const before = (await progress())[0];
      await page.keyboard.press(key);
      await waitFor(`decision ${key}`, async () => (await progress())[0] > before, 15_000);
    }
    await pf.locator('#complete-review').click();
    await pf.waitForSelector('#confirm', { timeout: 30_000 });
    assert.equal(await text(pf, '#confirm-text'), `4 of ${total3} pairs are reviewed. With the review gate on only reviewed pairs train: completing now trains on 3 pairs and leaves ${total3 - 3} out (${total3 - 4} unreviewed, 1 rejected).`);
    // the decisions not saved yet are saved first (VS Code may have saved some already)
    const unsaved = /(\d+) unsaved decisions? (?:is|are) saved first/.exec(await text(pf, '#confirm'));
    assert.ok(!unsaved || Number(unsaved[1]) <= 4, `unsaved decisions: ${unsaved?.[1]}`);
    await shot(page, 'five-1-confirm-partial-review.png');
    await pf.locator('#confirm-complete').click();
    await waitFor('the review gate complete', async () => /complete/i.test(await text(pf, '#gate-state')), 30_000);
    assert.match(await text(pf, '#notice'), new RegExp(`Review complete: 3 pairs will train, ${total3 - 3} left out`));
    await done(3);
    const f3 = filesOf(runDir(), 3);
    assert.deepEqual([f3.trained, f3.excluded], [3, total3 - 3], 'train.jsonl holds exactly the reviewed, kept pairs');

    // 4. Iteration 4 with more prompts, stopped from the dashboard: "stopping…" at once, then resumed. The
    // dashboard is open (and caught up) before the iteration starts, so Stop is clicked while it runs.
    await runCommand(page, 'Self-Rewarding: Open Run Dashboard');
    const dashStop = await webviewFrame(page, '#trends', 60_000);
    await waitFor('the dashboard caught up', async () => (await text(dashStop, '#iteration-3 .status')) === 'done', 60_000);
    await startNext(4, async () => {
      await pickQuickItem(page, 'Prompts per iteration');
      await answerInput(page, '400');
    });
    await waitFor('iteration 4 running in the dashboard', async () => (await text(dashStop, '#iteration-4 .status')) === 'running' && (await dashStop.locator('#iteration-4 .stage.status-running').count()) > 0, 120_000, 50);
    await dashStop.evaluate(() => void ((window as unknown as { __marker: number }).__marker = 1));
    // Record every change of the run status in the page, then click Stop from inside it (times from one clock).
    const seen = await dashStop.evaluate(() => {
      const el = document.querySelector('.run-status')!;
      const log: { t: number; text: string }[] = [{ t: performance.now(), text: el.textContent ?? '' }];
      new MutationObserver(() => log.push({ t: performance.now(), text: el.textContent ?? '' })).observe(el, { childList: true, characterData: true, subtree: true });
      (window as unknown as { __statusLog: unknown }).__statusLog = log;
      const t0 = performance.now();
      (document.getElementById('btn-stop') as HTMLElement).click();
      return { t0, now: el.textContent };
    });
    // The page says it in the click's own task (before any message could reach the agent), and keeps saying it
    // until the agent reports the iteration stopped.
    assert.equal(seen.now, 'stopping…', '"stopping…" in the same task as the click');
    await waitFor('iteration 4 stopped', () => manifestStatus(runDir(), 4) === 'stopped', 60_000, 200);
    await waitFor('the dashboard to leave stopping', async () => (await text(dashStop, '.run-status')) !== 'stopping…', 30_000);
    const log = (await dashStop.evaluate(() => (window as unknown as { __statusLog: { t: number; text: string }[] }).__statusLog)) as { t: number; text: string }[];
    const stoppingAt = log.find((e) => e.text === 'stopping…');
    assert.ok(seen.now === 'stopping…' || stoppingAt, `"stopping…" shown; status changes: ${JSON.stringify(log)}`);
    const shownAfterMs = seen.now === 'stopping…' ? 0 : stoppingAt!.t - seen.t0;
    assert.ok(shownAfterMs <= 500, `"stopping…" ${shownAfterMs.toFixed(0)} ms after Stop`);
    const stoppingIdx = seen.now === 'stopping…' ? 0 : log.indexOf(stoppingAt!);
    assert.ok(log.slice(stoppingIdx + 1).some((e) => e.text !== 'stopping…'), 'then the stop completed and the status moved on');
    // Resume: the pick shows the parameters frozen in the manifest (400 prompts, not the config's 40) and offers no edits.
    await runCommand(page, 'Self-Rewarding: Start Next Iteration');
    const frozen = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Prompts per iteration' }).first();
    await frozen.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await frozen.innerText(), /400/);
    assert.equal(await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Start iteration' }).count(), 0, 'nothing to edit when resuming');
    await pickQuickItem(page, 'Resume iteration 4');
    await done(4, 400_000);

    // 5. Iteration 5.
    await startNext(5);
    await done(5);
    const rd = runDir();
    const files = [1, 2, 3, 4, 5].map((t) => filesOf(rd, t));
    // The last notification: its counts are the files'.
    const f5 = files[4];
    await waitFor('the iteration 5 notification', async () => (await page.locator('.notification-list-item-message', { hasText: 'iteration 5 finished' }).count()) > 0, 60_000);
    const note = await page.locator('.notification-list-item-message', { hasText: 'iteration 5 finished' }).first().innerText();
    assert.ok(note.includes(`${fmtCount(f5.pairs)} pairs · ${fmtCount(f5.trained)} trained · ${fmtCount(f5.excluded)} excluded, ${fmtCount(f5.ties)} tie`), note);

    // The dashboard after five iterations: table, stage cards, models, trends.
    await page.keyboard.press('Escape');
    await runCommand(page, 'Self-Rewarding: Open Run Dashboard');
    // the dashboard was hidden behind other editors: its page was loaded again
    const dash = await webviewFrame(page, '#trends', 60_000);
    await waitFor('five finished rows', async () => (await dash.locator('.iteration-table tbody tr.final').count()) === 5, 60_000);
    for (const [i, f] of files.entries()) {
      const t = i + 1;
      const cell = (key: string) => text(dash, `.iteration-table tr[data-iteration="${t}"] td[data-count="${key}"]`);
      assert.equal(await cell('promptsKept'), fmtCount(f.promptsKept), `it ${t} prompts kept`);
      assert.equal(await cell('candidates'), fmtCount(f.candidates), `it ${t} candidates`);
      assert.equal(await cell('judgments'), fmtCount(f.judgments), `it ${t} judge samples`);
      assert.equal(await cell('parseFailures'), `${fmtCount(f.parseFailures)} (${(f.parseFailureRate * 100).toFixed(1)} %)`, `it ${t} parse failures`);
      assert.equal(await cell('pairs'), fmtCount(f.pairs), `it ${t} pairs`);
      assert.equal(await cell('ties'), fmtCount(f.ties), `it ${t} ties`);
      assert.equal(await cell('trainedPairs'), fmtCount(f.trained), `it ${t} trained`);
      assert.equal(await cell('excludedPairs'), fmtCount(f.excluded), `it ${t} excluded`);
      assert.equal(await text(dash, `.iteration-table tr[data-iteration="${t}"] td.models`), `M${t} → M${t + 1}`);
      assert.equal(f.metrics.modelOut, `M${t + 1}`, 'metrics.json names the model');
      const stage = (s: string) => text(dash, `#iteration-${t} .stage[data-stage="${s}"] .stage-counts`);
      assert.equal(await stage('judgments'), `${fmtCount(f.candidatesJudged)} candidates judged · ${fmtCount(f.judgments)} judge samples${f.parseFailures ? ` · ${fmtCount(f.parseFailures)} unparsed` : ''}`);
      assert.equal(await stage('training'), `${fmtCount(f.trained)} trained · ${fmtCount(f.excluded)} excluded`);
      assert.ok((await stage('pairs')).startsWith(`${fmtCount(f.pairs)} pair`), `it ${t} pairs card`);
      assert.equal(await dash.locator(`#iteration-${t} .stage[data-stage="review"]`).count(), t === 3 ? 1 : 0, 'a review stage only where the gate was on');
    }
    assert.equal(await dash.getAttribute('[data-trend="score"]', 'data-points'), '10', 'chosen and rejected score for five iterations');
    assert.equal(await dash.getAttribute('[data-trend="pairs"]', 'data-points'), '15');
    for (const key of ['length', 'parse', 'loss', 'margin']) assert.equal(await dash.getAttribute(`[data-trend="${key}"]`, 'data-points'), '5', key);
    // the distribution charts hold every iteration, each in its colour
    await waitFor('the histogram with all five iterations', async () => {
      const series = await dash.locator('[data-chart=histogram] rect.bar').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-series')))].sort());
      return series.join(',') === 'iteration 1,iteration 2,iteration 3,iteration 4,iteration 5';
    }, 30_000).catch(async (e) => {
      const diag = await dash.evaluate(() => ({
        reloaded: !(window as unknown as { __marker?: number }).__marker,
        message: document.querySelector('.message')?.textContent,
        count: document.querySelector('.feed-count')?.textContent,
        iteration: (document.getElementById('filter-iteration') as HTMLElement & { value?: string } | null)?.value,
        kind: (document.getElementById('filter-kind') as HTMLElement & { value?: string } | null)?.value,
        series: [...new Set([...document.querySelectorAll('[data-chart=histogram] rect.bar')].map((el) => el.getAttribute('data-series')))],
      }));
      throw new Error(`${(e as Error).message}: ${JSON.stringify(diag)}`);
    });

    // The runs tree says the same.
    await runCommand(page, 'Self-Rewarding: Focus on Runs View');
    for (const [i, f] of files.entries()) {
      const row = page.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^Iteration ${i + 1}$`) }) }).first();
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await row.locator('.label-description').innerText(), `done · ${fmtCount(f.pairs)} pairs · ${fmtCount(f.trained)} trained · ${fmtCount(f.excluded)} excluded`);
    }
    await shot(page, 'five-2-workbench.png');

    // Screenshots of the dashboard after five iterations, light and dark.
    await page.keyboard.press('Control+b'); // the side bar off: the dashboard gets the width
    const frameEl = await dash.frameElement();
    for (const [theme, label] of [['light', 'Light Modern'], ['dark', 'Dark Modern']] as const) {
      await runCommand(page, 'Preferences: Color Theme');
      await pickQuickItem(page, label);
      await waitFor(`the ${theme} theme in the dashboard`, async () => {
        const bg = await dash.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
        return theme === 'light' ? r + g + b > 600 : r + g + b < 150;
      }, 30_000);
      await dash.evaluate(() => window.scrollTo(0, 0));
      await frameEl.screenshot({ path: path.join(shots, `dashboard-${theme}.png`) });
    }
    assert.equal(await statusBarText(page).then((s) => /it \d/.test(s)), false, 'nothing running at the end');
  } catch (e) {
    if (cs) await shot(cs.page, 'five-failure.png').catch(() => undefined);
    throw e;
  } finally {
    await cs?.stop();
    // the local agent the extension started for this run folder
    for (const { pid } of processesMentioning(runsDir)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await waitFor('the local agent to exit', () => processesMentioning(runsDir).length === 0, 20_000).catch(() => undefined);
    assert.deepEqual(processesMentioning(dir).map((p) => `${p.pid}: ${p.cmd}`), [], 'no process of this test left running');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
