import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { answerInput, confirmModal, pickQuickItem, runCommand, startCodeServer, waitFor, webviewFrame } from './codeServer';
import { e2eEntry, e2eNode, stageExtension } from './stage';
import { tmpDir } from '../helpers/tmp';

test('debug catch-up', { timeout: 10 * 60_000 }, async () => {
  const dir = tmpDir('selfreward-e2e-dbg-');
  const workspace = path.join(dir, 'ws');
  const runsDir = path.join(dir, 'runs');
  fs.mkdirSync(workspace, { recursive: true });
  const cs = await startCodeServer({ node: e2eNode, entry: e2eEntry, extensionDir: stageExtension(dir), workspace, home: path.join(dir, 'home'), stateDir: path.join(dir, 'state'), settings: { 'selfreward.local.runsDir': runsDir } });
  const { page } = cs;
  const runDir = () => { const ids = fs.existsSync(runsDir) ? fs.readdirSync(runsDir).filter((n) => fs.existsSync(path.join(runsDir, n, 'run.json'))) : []; return ids.length ? path.join(runsDir, ids[0]) : ''; };
  const st = (t: number) => { try { return JSON.parse(fs.readFileSync(path.join(runDir(), 'iterations', String(t), 'manifest.json'), 'utf8')).status; } catch { return undefined; } };
  try {
    await runCommand(page, 'Self-Rewarding: Start Demo Run (simulated model, local)');
    await waitFor('1 done', () => st(1) === 'done', 240_000, 500);
    await runCommand(page, 'Self-Rewarding: Start Next Iteration');
    await pickQuickItem(page, 'Prompts per iteration');
    await answerInput(page, '400');
    await pickQuickItem(page, 'Start iteration 2');
    await confirmModal(page, 'Start');
    await runCommand(page, 'Self-Rewarding: Open Run Dashboard');
    let g = await webviewFrame(page, '#trends', 60_000);
    await waitFor('2 running', async () => (await g.locator('#iteration-2 .stage').count()) > 0, 120_000);
    console.log('before stop:', JSON.stringify(await g.evaluate(() => ({ dis: document.getElementById('btn-stop')?.getAttribute('disabled'), title: document.getElementById('btn-stop')?.getAttribute('title'), status: document.querySelector('.run-status')?.textContent, it2: document.querySelector('#iteration-2 .status')?.textContent }))));
    await g.evaluate(() => (document.getElementById('btn-stop') as HTMLElement).click());
    await new Promise((r) => setTimeout(r, 1500));
    console.log('after click:', JSON.stringify(await g.evaluate(() => ({ dis: document.getElementById('btn-stop')?.getAttribute('disabled'), status: document.querySelector('.run-status')?.textContent }))));
    await waitFor('2 stopped', () => st(2) === 'stopped', 20_000, 200).catch((e) => { console.log('MANIFEST', st(2), runDir(), fs.readdirSync(path.join(runDir(), 'iterations'))); console.log(fs.readFileSync(path.join(runDir(), 'events.jsonl'), 'utf8').split('\n').filter((l) => /iteration\.|stage\.(started|finished)/.test(l)).map((l) => l.slice(0, 160)).join('\n')); throw e; });
    await new Promise((r) => setTimeout(r, 2000));
    console.log('after stop:', await g.evaluate(() => document.querySelector('.feed-count')?.textContent));
    await runCommand(page, 'Self-Rewarding: Start Next Iteration');
    await pickQuickItem(page, 'Resume iteration 2');
    await waitFor('2 done', () => st(2) === 'done', 400_000, 500);
    const lines = fs.readFileSync(path.join(runDir(), 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const rows = lines.filter((e) => ['prompt', 'candidate', 'pair'].includes(e.type)).length;
    let f = await webviewFrame(page, '#trends', 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    console.log('visible all along:', await f.evaluate(() => document.querySelector('.feed-count')?.textContent), 'expected rows', rows, 'events', lines.length);
    await page.keyboard.press('Control+n');
    await new Promise((r) => setTimeout(r, 3000));
    await runCommand(page, 'Self-Rewarding: Open Run Dashboard');
    f = await webviewFrame(page, '#trends', 60_000);
    await new Promise((r) => setTimeout(r, 8000));
    console.log('after reload:', await f.evaluate(() => document.querySelector('.feed-count')?.textContent));
  } finally {
    await cs.stop();
    const logs = path.join(dir, 'state', 'user-data', 'logs');
    const walk = (d: string): string[] => fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]) : [];
    for (const f of walk(logs).filter((x) => /Self-Rewarding|exthost/.test(x))) console.log('LOG', f, fs.readFileSync(f, 'utf8').split('\n').filter((l) => /dashboard|error|warn/i.test(l)).slice(-20).join('\n'));
    for (const name of fs.readdirSync('/proc')) { if (!/^\d+$/.test(name)) continue; try { if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(runsDir)) process.kill(Number(name), 'SIGTERM'); } catch { /* */ } }
  }
});
