/**
 * Webview bundles in real headless Chromium (Debian's /usr/bin/chromium via playwright-core), served from loopback
 * under the same CSP as in VS Code, with a fixture transport in place of acquireVsCodeApi:
 *   - messages the UI posts are collected in `window.__posted`
 *   - the test delivers host messages with `deliver(page, msg)`
 *   - `window.__state` backs getState/setState (pass `state` to restore)
 * Theme variables for light / dark / high contrast come from test/helpers/themes.ts.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { contentSecurityPolicy } from '../../src/panels/csp';
import { themeCss, type ThemeName } from './themes';
import { repoRoot } from './tmp';

export const screenshotDir = path.join(repoRoot, 'test', 'output', 'screenshots');

let browserP: Promise<Browser> | undefined;
let serverP: Promise<{ url: string; server: http.Server }> | undefined;
const pages = new Map<string, string>();

export function launchBrowser(): Promise<Browser> {
  browserP ??= chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browserP;
}

function startServer(): Promise<{ url: string; server: http.Server }> {
  serverP ??= new Promise((resolve) => {
    const distWebview = path.join(repoRoot, 'dist', 'webview');
    const server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const page = pages.get(u.pathname);
      if (page !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page);
        return;
      }
      const file = path.join(distWebview, path.normalize(u.pathname.replace(/^\/webview\//, '/')));
      if (!file.startsWith(distWebview) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        res.writeHead(404);
        res.end();
        return;
      }
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type });
      fs.createReadStream(file).pipe(res);
    });
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
  });
  return serverP;
}

after(async () => {
  if (browserP) await (await browserP).close();
  if (serverP) (await serverP).server.close();
});

export interface OpenOptions {
  theme?: ThemeName;
  /** initial webview state (getState) — to test restore */
  state?: unknown;
  width?: number;
  height?: number;
  /** globals set before the bundle loads (JSON values), e.g. a benchmark's settings */
  globals?: Record<string, unknown>;
  /**
   * Called with the page before it loads (to expose bindings or add init scripts). A `window.__onPost(json)` it
   * defines is called with every message the UI posts, as it posts it.
   */
  beforeLoad?: (page: Page) => Promise<unknown>;
}

let pageCounter = 0;

/** Open `dist/webview/<bundle>.js` in a fresh page with the fixture transport. */
export async function openWebview(bundle: string, opts: OpenOptions = {}): Promise<Page> {
  const { url } = await startServer();
  const nonce = `n${Date.now()}${pageCounter}`;
  const route = `/page-${pageCounter++}.html`;
  const csp = contentSecurityPolicy(url, nonce);
  pages.set(route, `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style nonce="${nonce}">${themeCss(opts.theme ?? 'dark')}</style>
<link rel="stylesheet" href="${url}/webview/webview.css">
<link rel="stylesheet" href="${url}/webview/${bundle}.css">
</head><body class="vscode-${opts.theme === 'light' ? 'light' : opts.theme === 'hc' ? 'high-contrast' : 'dark'}"><div id="root"></div>
<script nonce="${nonce}">
  window.__posted = [];
  window.__state = ${JSON.stringify(opts.state ?? null)};
  Object.assign(window, ${JSON.stringify(opts.globals ?? {}).replace(/</g, "\\u003c")});
  const handlers = new Set();
  window.__deliver = (m) => { for (const h of handlers) h(m); };
  window.__selfrewardTransport = {
    post: (m) => { window.__posted.push(JSON.parse(JSON.stringify(m))); window.__onPost?.(JSON.stringify(m)); },
    onMessage: (h) => { handlers.add(h); return () => handlers.delete(h); },
    getState: () => window.__state ?? undefined,
    setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
  };
</script>
<script nonce="${nonce}" src="${url}/webview/${bundle}.js"></script>
</body></html>`);
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  (page as Page & { __errors?: string[] }).__errors = errors;
  await opts.beforeLoad?.(page);
  await page.goto(url + route);
  return page;
}

/** Deliver one host → webview message. */
export async function deliver(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => (window as unknown as { __deliver: (m: unknown) => void }).__deliver(m), message);
}

/** Messages the webview has posted so far. */
export async function posted<T = unknown>(page: Page): Promise<T[]> {
  return page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted) as Promise<T[]>;
}

export async function webviewState<T = unknown>(page: Page): Promise<T> {
  return page.evaluate(() => (window as unknown as { __state: unknown }).__state) as Promise<T>;
}

/** Uncaught page errors so far (assert none at the end of a test). */
export function pageErrors(page: Page): string[] {
  return (page as Page & { __errors?: string[] }).__errors ?? [];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * Close the browser and the page server now. Tests need not call it (an `after` hook does); scripts outside the
 * test runner (benchmarks) must, or the open browser and server keep the process alive.
 */
export async function closeBrowserHarness(): Promise<void> {
  const b = browserP;
  const s = serverP;
  browserP = undefined;
  serverP = undefined;
  if (b) await (await b).close();
  if (s) {
    const { server } = await s;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
