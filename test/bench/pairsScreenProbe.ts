/**
 * First page of a pairs file on screen in Chromium: the editor webview loads, says `ready` and asks for its first
 * page, the host builds the index and answers, the page renders pair p0. Prints JSON and exits (used by
 * pairs.bench.ts).
 *
 * The clock starts when the webview's document is asked for (what the editor controls begins there); the harness's
 * own fresh browser context and page before it (a profile VS Code does not create per editor) are reported apart.
 *
 * Messages travel as they do between VS Code and a webview, without DevTools round trips in the path: what the page
 * posts reaches the host at once (an exposed binding), the host's answers go in as JSON (one call per turn of the
 * host), and the page itself says when p0 is on screen (a mutation observer, then the next frame).
 */
import { launchBrowser, openWebview } from '../helpers/browser';
import { LocalPairsBackend } from '../../src/pairs/backend';
import { PairsEditModel } from '../../src/pairs/model';
import { PairsSession } from '../../src/pairs/session';
import type { PairsToHost, PairsToWebview } from '../../webview/pairs/messages';
import { setQuiet } from '../../remote/log';
import type { Page } from 'playwright-core';

setQuiet(true);

async function main(): Promise<void> {
  const file = process.argv[2];
  // Warm-up: the browser process and one page already up, as VS Code's webview host is when an editor opens.
  await launchBrowser();
  const warm = await openWebview('pairs');
  await warm.context().close();

  const now = (): number => Number(process.hrtime.bigint()) / 1e6;
  const model = new PairsEditModel(new LocalPairsBackend(file));
  let page: Page | undefined;
  let out: PairsToWebview[] = [];
  const flush = (): void => {
    const batch = out;
    out = [];
    void page?.evaluate((s) => {
      for (const m of JSON.parse(s) as unknown[]) (window as unknown as { __deliver: (m: unknown) => void }).__deliver(m);
    }, JSON.stringify(batch));
  };
  const session = new PairsSession(model, (m) => (out.push(m), out.length === 1 && setImmediate(flush)), { edited: () => undefined, undo: () => undefined, redo: () => undefined }, { title: 'bench', hostHandlesUndoKeys: false });
  let readyAt = 0;
  let onScreen!: (t: number) => void;
  const shown = new Promise<number>((r) => (onScreen = r));
  const tPage = now();
  let t0 = 0;
  await openWebview('pairs', {
    beforeLoad: async (p) => {
      page = p;
      await p.exposeFunction('__toHost', (json: string) => {
        const m = JSON.parse(json) as PairsToHost;
        if (m.type === 'ready') readyAt ||= now();
        void session.handle(m);
      });
      await p.exposeFunction('__shown', () => onScreen(now()));
      await p.addInitScript(() => {
        const w = window as unknown as { __onPost: (json: string) => void; __toHost: (json: string) => void; __shown: () => void };
        w.__onPost = (json) => void w.__toHost(json);
        new MutationObserver((_, obs) => {
          if (!document.querySelector('#detail[data-id="p0"]')) return;
          obs.disconnect();
          requestAnimationFrame(() => setTimeout(() => w.__shown()));
        }).observe(document, { subtree: true, childList: true, attributes: true });
      });
      t0 = now();
    },
  });
  const t2 = await Promise.race([shown, new Promise<number>((_, rej) => setTimeout(() => rej(new Error('p0 not on screen within 30 s')), 30_000))]);
  process.stdout.write(JSON.stringify({ totalMs: t2 - t0, pageLoadMs: readyAt - t0, hostAndRenderMs: t2 - readyAt, harnessNewPageMs: t0 - tPage }) + '\n');
  model.backend.dispose();
  await page!.context().close();
  await (await launchBrowser()).close();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
  process.exit(1);
});
