/**
 * First page of a pairs file on screen in Chromium: the editor webview loads, says `ready`, the host builds the
 * index and answers with the first page, the page renders pair p0. Prints JSON and exits (used by pairs.bench.ts).
 */
import { deliver, launchBrowser, openWebview, posted } from '../helpers/browser';
import { LocalPairsBackend } from '../../src/pairs/backend';
import { PairsEditModel } from '../../src/pairs/model';
import { PairsSession } from '../../src/pairs/session';
import type { PairsToHost, PairsToWebview } from '../../webview/pairs/messages';
import { setQuiet } from '../../remote/log';

setQuiet(true);

async function main(): Promise<void> {
  const file = process.argv[2];
  // Warm-up: the browser process and one page already up, as VS Code's webview host is when an editor opens.
  await launchBrowser();
  const warm = await openWebview('pairs');
  await warm.context().close();
  const t0 = process.hrtime.bigint();
  const page = await openWebview('pairs');
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0, undefined, { timeout: 20_000, polling: 1 });
  const t1 = process.hrtime.bigint();
  // The host side starts when the webview asks: index build + first page + render.
  const model = new PairsEditModel(new LocalPairsBackend(file));
  const out: PairsToWebview[] = [];
  const session = new PairsSession(model, (m) => out.push(m), { edited: () => undefined, undo: () => undefined, redo: () => undefined }, { title: 'bench', hostHandlesUndoKeys: false });
  let seen = 0;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const msgs = await posted<PairsToHost>(page);
    for (const m of msgs.slice(seen)) await session.handle(m);
    seen = msgs.length;
    for (const m of out.splice(0)) await deliver(page, m);
    if ((await page.locator('#detail[data-id="p0"]').count()) > 0) break;
  }
  const t2 = process.hrtime.bigint();
  const ms = (a: bigint, b: bigint): number => Number(b - a) / 1e6;
  process.stdout.write(JSON.stringify({ totalMs: ms(t0, t2), pageLoadMs: ms(t0, t1), hostAndRenderMs: ms(t1, t2) }) + '\n');
  model.backend.dispose();
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
  process.exit(1);
});
