/**
 * Dashboard under 100k streamed events.
 *  1. Host: the real DashboardPanel (vscode stub, in-memory agent) receives 100k events in small pushes at a high
 *     rate; we count the messages it posts to the webview per second (target ≤ 20) against the pushes per second,
 *     and note when each was posted.
 *  2. Webview: the posted messages are replayed into the dashboard bundle in headless Chromium at the times the host
 *     posted them, from inside the page (each one JSON-parsed as it is delivered, as a webview deserialises a
 *     message; not through a DevTools call per message, which costs the page more than the message itself). We
 *     record requestAnimationFrame deltas from the first message until the last event is applied, with the page's
 *     frame budgets (sliced ingest) and without them (`unsliced`: every queued event applied and everything drawn in
 *     the next frame, as before the budgets), alternately, and the idle page's frames as the machine's floor; then
 *     while the feed is scrolled end to end, and the JS heap.
 */
import { stub } from '../helpers/vscodeStub';
import * as vscode from 'vscode';
import type { RunEvent } from '../../remote/protocol';
import { DashboardPanel } from '../../src/dashboard/dashboardPanel';
import { dashboardFeature } from '../../src/dashboard/feature';
import { closeBrowserHarness, openWebview } from '../helpers/browser';
import * as os from 'node:os';
import type { Page } from 'playwright-core';
import { baseSnapshot, eventStream } from '../fixtures/dashboardEvents';
import { deliverJson } from '../fixtures/dashboardPage';
import type { HostMessage } from '../../webview/dashboard/protocol';
import { fakeWorld } from '../unit/ui/fakes';
import type { BenchResult } from './run';

/** at least this many events */
const TOTAL = 100_000;
/** rounds of (sliced, unsliced) streaming; each variant's figure is the median over its rounds */
const ROUNDS = 2;
/** the page without its frame budgets (webview/dashboard/main.ts BUDGET) */
const UNSLICED = { ingestMs: 1e9, frameMs: 1e9, sectionIntervalMs: 0 };
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

async function hostSide(events: RunEvent[]): Promise<{ posted: HostMessage[]; postedAtMs: number[]; durationSec: number; pushes: number }> {
  const { agent, connection, services } = fakeWorld();
  services.context.subscriptions.push(vscode.commands.registerCommand('selfreward.openDashboard', dashboardFeature.commands!.openDashboard(services)));
  await connection.connectLocal();
  agent.addRun('run-1', 'bench');
  await stub.run('selfreward.openDashboard', 'run-1');
  const panel = stub.panels[0];
  panel.webview.receive({ type: 'ready', afterSeq: 0 });
  await new Promise((r) => setTimeout(r, 50));
  panel.webview.posted.length = 0;
  const postedAt: number[] = [];
  const post = panel.webview.postMessage.bind(panel.webview);
  panel.webview.postMessage = (m: unknown) => (postedAt.push(performance.now()), post(m));
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
  return { posted, postedAtMs: postedAt.map((t) => t - t0), durationSec, pushes };
}

interface Streamed {
  frames: number[];
  ingestMs: number;
}

/** Frame deltas (ms) of an open page over `ms` with nothing arriving: what this machine allows at best. */
async function idleFrames(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(
    (ms) =>
      new Promise<number[]>((resolve) => {
        const frames: number[] = [];
        const t0 = performance.now();
        let last = t0;
        const tick = (t: number): void => {
          frames.push(t - last);
          last = t;
          if (t - t0 < ms) requestAnimationFrame(tick);
          else resolve(frames.slice(1));
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
}

/**
 * One page streaming the host's messages at the host's pace (see the module comment); frames are recorded from the
 * first message until the last event is applied (the iteration's row in the table turns final: iteration.finished
 * is the stream's last event) and the feed shows every row.
 */
async function stream(live: HostMessage[], atMs: number[], rows: number, globals: Record<string, unknown>): Promise<Streamed & { page: Page }> {
  const page = await openWebview('dashboard', { height: 1000, globals });
  // tsx keeps function names with a `__name` helper that does not exist inside the page.
  await page.evaluate('window.__name = (f) => f');
  await deliverJson(page, { type: 'init', runId: 'run-1', label: 'bench', snapshot: baseSnapshot() });
  await page.evaluate(([msgs, at]) => Object.assign(window, { __replay: { msgs, at } }), [live.map((m) => JSON.stringify(m)), atMs] as const);
  const t0 = performance.now();
  await page.evaluate(() => {
    const w = window as unknown as { __replay: { msgs: string[]; at: number[] }; __frames: number[]; __rec: boolean; __deliver: (m: unknown) => void };
    const { msgs, at } = w.__replay;
    w.__frames = [];
    w.__rec = true;
    let last = performance.now();
    const tick = (t: number): void => {
      w.__frames.push(t - last);
      last = t;
      if (w.__rec) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const start = performance.now();
    let i = 0;
    const next = (): void => {
      w.__deliver(JSON.parse(msgs[i++]));
      if (i < msgs.length) setTimeout(next, Math.max(0, at[i] - at[0] - (performance.now() - start)));
    };
    setTimeout(next, 0);
  });
  await page.waitForFunction((n) => document.querySelector('.feed-count')?.textContent === `${n} of ${n}` && !!document.querySelector('.iteration-table tr.final'), rows, { timeout: 300_000, polling: 20 });
  const ingestMs = performance.now() - t0;
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __rec: boolean };
    w.__rec = false;
    return w.__frames.slice(1);
  });
  return { page, frames, ingestMs };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

export async function run(): Promise<BenchResult> {
  // One whole iteration (it must end with iteration.finished) of at least TOTAL events.
  const events = eventStream({ iterations: 1, promptsPerIteration: Math.ceil(TOTAL / 39.5), n: 8, k: 4, trainSteps: 50 });
  if (events.length < TOTAL) throw new Error(`${events.length} events, fewer than ${TOTAL}`);
  phase(`${events.length} events generated`);
  const host = await hostSide(events);
  phase(`host side done in ${host.durationSec.toFixed(1)} s`);
  const live = host.posted.map((m, i) => ({ m, at: host.postedAtMs[i] })).filter((x) => x.m.type === 'events');
  const liveMessages = live.map((x) => x.m);
  const delivered = liveMessages.reduce((a, m) => a + (m.type === 'events' ? m.events.length : 0), 0);
  const messagesPerSec = liveMessages.length / host.durationSec;
  const pushesPerSec = host.pushes / host.durationSec;
  const rows = events.filter((e) => e.type === 'prompt' || e.type === 'candidate' || e.type === 'pair').length;

  const runs: { sliced: Streamed[]; unsliced: Streamed[] } = { sliced: [], unsliced: [] };
  let idle: number[] = [];
  let page: Page | undefined;
  for (let r = 0; r < ROUNDS; r++) {
    for (const variant of ['sliced', 'unsliced'] as const) {
      const res = await stream(liveMessages, live.map((x) => x.at), rows, variant === 'unsliced' ? { __selfrewardDashboardBudget: UNSLICED } : {});
      runs[variant].push(res);
      phase(`${variant} round ${r + 1}: ingested in ${Math.round(res.ingestMs)} ms, frame p95 ${stats(res.frames).p95.toFixed(0)} ms`);
      if (variant === 'sliced' && r === ROUNDS - 1) page = res.page;
      else await res.page.context().close();
    }
  }
  // The last sliced page: idle frames, then scrolling and the heap.
  page = page!;
  idle = await idleFrames(page, 2000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heap = async (): Promise<number> => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
  };
  const shown = await page.evaluate(() => Number(document.querySelector('.feed-count')!.textContent!.split(' ')[0]));
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
    return { frames: frames.slice(1), maxRows };
  });
  phase('scrolled');
  const heapAfter = await heap();
  await page.context().close();
  await closeBrowserHarness();

  const sf = stats(scroll.frames);
  const per = (v: 'sliced' | 'unsliced') => {
    const st = runs[v].map((x) => stats(x.frames));
    return { p50: median(st.map((x) => x.p50)), p95: median(st.map((x) => x.p95)), max: median(st.map((x) => x.max)), frames: median(runs[v].map((x) => x.frames.length)), ingestMs: median(runs[v].map((x) => x.ingestMs)) };
  };
  const sl = per('sliced');
  const un = per('unsliced');
  const id = stats(idle);
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
      rounds: ROUNDS,
      webviewIngestMs: Math.round(sl.ingestMs),
      webviewRows: shown,
      streamingFrames: sl.frames,
      streamingFrameP50Ms: r2(sl.p50),
      streamingFrameP95Ms: r2(sl.p95),
      streamingFrameMaxMs: r2(sl.max),
      unslicedIngestMs: Math.round(un.ingestMs),
      unslicedFrames: un.frames,
      unslicedFrameP50Ms: r2(un.p50),
      unslicedFrameP95Ms: r2(un.p95),
      unslicedFrameMaxMs: r2(un.max),
      streamingFrameP95UnslicedVsSliced: r2(un.p95 / sl.p95),
      streamingFrameMaxUnslicedVsSliced: r2(un.max / sl.max),
      idleFrameP95Ms: r2(id.p95),
      idleFrameMaxMs: r2(id.max),
      scrollFrames: scroll.frames.length,
      scrollFrameP50Ms: r2(sf.p50),
      scrollFrameP95Ms: r2(sf.p95),
      scrollFrameMaxMs: r2(sf.max),
      scrollMaxRowsInDom: scroll.maxRows,
      jsHeapAfterMB: r2(heapAfter / 1e6),
      loadAverage1m: r2(os.loadavg()[0]),
      cpus: os.cpus().length,
    },
    targets: {
      messagesPerSecToWebview: { value: messagesPerSec, target: '<= 20', met: messagesPerSec <= 20 },
      batchingReduction: { value: pushesPerSec / messagesPerSec, target: '>= 10x fewer messages than pushes', met: pushesPerSec / messagesPerSec >= 10 },
      allEventsDelivered: { value: delivered / events.length, target: '= 1', met: delivered === events.length },
      streamingFrameP95: { value: sl.p95, target: '<= 50 ms (100k events streaming in; median of the rounds)', met: sl.p95 <= 50 },
      scrollFrameP95: { value: sf.p95, target: '<= 50 ms', met: sf.p95 <= 50 },
      domRowsWhileScrolling: { value: scroll.maxRows, target: '<= 100 of 100k', met: scroll.maxRows <= 100 },
    },
  };
}
