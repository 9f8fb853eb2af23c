/**
 * Dashboard under 100k streamed events.
 *  1. Host: the real DashboardPanel (vscode stub, in-memory agent) receives 100k events in small pushes at a high
 *     rate; we count the messages it posts to the webview per second (target ≤ 20) against the pushes per second.
 *  2. Webview: the posted messages are replayed into the dashboard bundle in headless Chromium; we record
 *     requestAnimationFrame deltas while they stream in and while the feed is scrolled end to end, and the JS heap.
 */
import { stub } from '../helpers/vscodeStub';
import * as vscode from 'vscode';
import type { RunEvent } from '../../remote/protocol';
import { DashboardPanel } from '../../src/dashboard/dashboardPanel';
import { dashboardFeature } from '../../src/dashboard/feature';
import { closeBrowserHarness, openWebview } from '../helpers/browser';
import { eventStream } from '../fixtures/dashboardEvents';
import { deliverJson } from '../fixtures/dashboardPage';
import type { HostMessage } from '../../webview/dashboard/protocol';
import { fakeWorld } from '../unit/ui/fakes';
import type { BenchResult } from './run';

const TOTAL = 100_000;
const PUSH_SIZE = 20;
/** input rate the agent side produces (events/s) */
const INPUT_RATE = 40_000;

function stats(xs: number[]): { p50: number; p95: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { p50: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? 0, mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) };
}
const r2 = (x: number): number => Math.round(x * 100) / 100;
const phase = (m: string): void => void process.stderr.write(`  dashboard bench: ${m}\n`);

async function hostSide(events: RunEvent[]): Promise<{ posted: HostMessage[]; durationSec: number; pushes: number }> {
  const { agent, connection, services } = fakeWorld();
  services.context.subscriptions.push(vscode.commands.registerCommand('selfreward.openDashboard', dashboardFeature.commands!.openDashboard(services)));
  await connection.connectLocal();
  agent.addRun('run-1', 'bench');
  await stub.run('selfreward.openDashboard', 'run-1');
  const panel = stub.panels[0];
  panel.webview.receive({ type: 'ready', afterSeq: 0 });
  await new Promise((r) => setTimeout(r, 50));
  panel.webview.posted.length = 0;
  const bodies = events.map(({ seq: _s, ts: _t, ...b }) => b);
  const t0 = performance.now();
  let pushes = 0;
  for (let i = 0; i < bodies.length; i += PUSH_SIZE) {
    agent.emit('run-1', bodies.slice(i, i + PUSH_SIZE) as never);
    pushes++;
    // pace the input at INPUT_RATE events/s
    const due = t0 + ((i + PUSH_SIZE) / INPUT_RATE) * 1000;
    while (performance.now() < due) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 120)); // the last flush
  const durationSec = (performance.now() - t0) / 1000;
  const posted = panel.webview.posted as HostMessage[];
  DashboardPanel.current?.dispose();
  services.dispose();
  return { posted, durationSec, pushes };
}

export async function run(): Promise<BenchResult> {
  const events = eventStream({ iterations: 1, promptsPerIteration: 2300, n: 8, k: 4, trainSteps: 50 }).slice(0, TOTAL);
  phase(`${events.length} events generated`);
  const host = await hostSide(events);
  phase(`host side done in ${host.durationSec.toFixed(1)} s`);
  const liveMessages = host.posted.filter((m) => m.type === 'events');
  const delivered = liveMessages.reduce((a, m) => a + (m.type === 'events' ? m.events.length : 0), 0);
  const messagesPerSec = liveMessages.length / host.durationSec;
  const pushesPerSec = host.pushes / host.durationSec;

  const page = await openWebview('dashboard', { height: 1000 });
  // tsx keeps function names with a `__name` helper that does not exist inside the page.
  await page.evaluate('window.__name = (f) => f');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
  };
  const heapBefore = await heap();
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __rec: boolean };
    w.__frames = [];
    w.__rec = true;
    let last = performance.now();
    const tick = (t: number): void => {
      w.__frames.push(t - last);
      last = t;
      if (w.__rec) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const tStream = performance.now();
  await deliverJson(page, { type: 'init', runId: 'run-1', label: 'bench', snapshot: (await import('../fixtures/dashboardEvents')).baseSnapshot() });
  for (const m of liveMessages) await deliverJson(page, m);
  await page.waitForFunction((n) => document.querySelector('.feed-count')?.textContent?.endsWith(`of ${n}`), events.filter((e) => e.type === 'prompt' || e.type === 'candidate' || e.type === 'pair').length, { timeout: 60_000 });
  const streamMs = performance.now() - tStream;
  phase(`webview ingested in ${Math.round(streamMs)} ms`);
  const streamFrames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __rec: boolean };
    w.__rec = false;
    return w.__frames.slice(1);
  });
  const rows = await page.evaluate(() => Number(document.querySelector('.feed-count')!.textContent!.split(' ')[0]));
  // Scroll the feed from top to bottom in steps, one step per frame, recording frame deltas.
  const scroll = await page.evaluate(async () => {
    const list = document.querySelector('.feed-list') as HTMLElement;
    const frames: number[] = [];
    const step = Math.ceil(list.scrollHeight / 600);
    let maxRows = 0;
    await new Promise<void>((resolve) => {
      let last = performance.now();
      const tick = (t: number): void => {
        frames.push(t - last);
        last = t;
        maxRows = Math.max(maxRows, list.querySelectorAll('.feed-row').length);
        if (list.scrollTop + list.clientHeight >= list.scrollHeight - 1) return resolve();
        list.scrollTop += step;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    return { frames: frames.slice(1), maxRows, lastIndex: Number((list.querySelector('.feed-row:last-child') as HTMLElement | null)?.dataset.index ?? -1) };
  });
  phase('scrolled');
  const heapAfter = await heap();
  await page.context().close();
  await closeBrowserHarness();

  const sf = stats(scroll.frames);
  const lf = stats(streamFrames);
  return {
    name: 'dashboard',
    metrics: {
      events: events.length,
      eventsDelivered: delivered,
      hostInputEventsPerSec: Math.round(events.length / host.durationSec),
      hostInputPushesPerSec: Math.round(pushesPerSec),
      hostMessagesToWebview: liveMessages.length,
      hostMessagesPerSec: r2(messagesPerSec),
      pushesPerMessage: r2(host.pushes / liveMessages.length),
      webviewIngestMs: Math.round(streamMs),
      webviewRows: rows,
      streamingFrameP50Ms: r2(lf.p50),
      streamingFrameP95Ms: r2(lf.p95),
      streamingFrameMaxMs: r2(lf.max),
      scrollFrames: scroll.frames.length,
      scrollFrameP50Ms: r2(sf.p50),
      scrollFrameP95Ms: r2(sf.p95),
      scrollFrameMaxMs: r2(sf.max),
      scrollMaxRowsInDom: scroll.maxRows,
      jsHeapBeforeMB: r2(heapBefore / 1e6),
      jsHeapAfterMB: r2(heapAfter / 1e6),
    },
    targets: {
      messagesPerSecToWebview: { value: messagesPerSec, target: '<= 20', met: messagesPerSec <= 20 },
      batchingReduction: { value: pushesPerSec / messagesPerSec, target: '>= 10x fewer messages than pushes', met: pushesPerSec / messagesPerSec >= 10 },
      allEventsDelivered: { value: delivered / events.length, target: '= 1', met: delivered === events.length },
      scrollFrameP95: { value: sf.p95, target: '<= 50 ms', met: sf.p95 <= 50 },
      domRowsWhileScrolling: { value: scroll.maxRows, target: '<= 100 of 100k', met: scroll.maxRows <= 100 },
    },
  };
}
