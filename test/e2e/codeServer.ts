/**
 * Real VS Code for the end-to-end test: code-server (VS Code 1.139 in the browser) with the packed extension
 * installed into a fresh extensions folder, driven by Playwright in Debian's Chromium. Waits are on conditions,
 * never fixed sleeps; every process started is killed by pid in stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { freePort } from '../../remote/freePort';
import { waitFor as waitUntil } from '../helpers/wait';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';

export interface CodeServerOptions {
  node: string;
  entry: string;
  /** unpacked extension folder to install (contains package.json and dist/) */
  extensionDir: string;
  workspace: string;
  /** HOME for code-server and everything it starts (ssh config, known_hosts, agent runs) */
  home: string;
  stateDir: string;
  env?: Record<string, string>;
  /** more user settings (e.g. selfreward.local.runsDir) */
  settings?: Record<string, unknown>;
}

export interface CodeServer {
  url: string;
  page: Page;
  browser: Browser;
  logFile: string;
  stop(): Promise<void>;
}

/** Poll until `probe` holds; the browser may throw while it is still settling, so errors are retried. */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  return waitUntil(what, probe, timeoutMs, { everyMs, retryErrors: true });
}

export async function startCodeServer(o: CodeServerOptions): Promise<CodeServer> {
  const pkg = JSON.parse(fs.readFileSync(path.join(o.extensionDir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const extensionsDir = path.join(o.stateDir, 'extensions');
  const userDataDir = path.join(o.stateDir, 'user-data');
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.cpSync(o.extensionDir, path.join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'window.commandCenter': false,
    'chat.disableAIFeatures': true,
    ...o.settings,
  }, null, 2));
  const port = await freePort();
  const logFile = path.join(o.stateDir, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(o.node, [
    o.entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir, '--disable-telemetry', '--disable-workspace-trust', '--disable-update-check', o.workspace,
  ], { env: { ...process.env, HOME: o.home, ...o.env }, stdio: ['ignore', log, log], detached: true });
  const url = `http://127.0.0.1:${port}/`;
  await waitFor('code-server to listen', async () => (await fetch(url, { redirect: 'manual' }).catch(() => undefined))?.status !== undefined, 60_000);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${url}?folder=${encodeURIComponent(o.workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  return {
    url,
    page,
    browser,
    logFile,
    async stop() {
      await browser.close().catch(() => undefined);
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        await waitFor('code-server to exit', () => child.exitCode !== null || child.signalCode !== null, 10_000).catch(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        });
      }
      fs.closeSync(log);
    },
  };
}

/**
 * Run a command from the palette by its full title ("Self-Rewarding: Start Demo Run…"). The palette's list is
 * computed when it opens, so while the extension host is still starting the command may be missing: close and
 * reopen until it shows.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await waitFor(`command "${title}" in the palette`, async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+P');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill('');
    await page.keyboard.type('>' + title, { delay: 5 });
    return row.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
  }, timeoutMs, 500);
  await row.click();
}

/** Pick an item in an open QuickPick by its label text. */
export async function pickQuickItem(page: Page, label: string, timeoutMs = 30_000): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
}

/** Answer an open InputBox (or accept its prefilled value when text is undefined). */
export async function answerInput(page: Page, text?: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible' });
  if (text !== undefined) await input.fill(text);
  await page.keyboard.press('Enter');
}

export async function statusBarText(page: Page): Promise<string> {
  return (await page.locator('.statusbar').innerText().catch(() => '')) ?? '';
}

export async function notificationTexts(page: Page): Promise<string[]> {
  return page.locator('.notification-list-item-message').allInnerTexts();
}

/** The innermost frame of a webview whose document contains `selector`. */
export async function webviewFrame(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
  return waitFor(`a webview frame with ${selector}`, async () => {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      const found = await f.$(selector).catch(() => null);
      if (found) return f;
    }
    return undefined;
  }, timeoutMs);
}

/** Answer the modal dialog VS Code shows for `showInformationMessage(…, { modal: true }, label)`. */
export async function confirmModal(page: Page, label: string): Promise<void> {
  const btn = page.locator('.monaco-dialog-box .dialog-buttons a, .monaco-dialog-box .dialog-buttons .monaco-button', { hasText: label }).first();
  await btn.waitFor({ state: 'visible', timeout: 30_000 });
  await btn.click();
}

/** Processes (other than this test) whose command line mentions `needle`: what a test left running. */
export function processesMentioning(needle: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) out.push({ pid: Number(name), cmd });
    } catch {
      /* gone */
    }
  }
  return out;
}
