/**
 * Run dashboard webview: stage progress per iteration, charts, iteration table and the live feed. Talks to the host
 * only through the transport; keeps view settings (not data) in getState so a reload restores the same view, and asks
 * the host for snapshot + events after its last seq on load and whenever it becomes visible.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import type { RunEvent, RunSnapshot } from '../../remote/protocol';
import { applyEvents } from '../../remote/snapshot/reducer';
import { h, replaceChildren } from '../components/dom';
import { runUntil, SliceQueue } from '../components/slices';
import { SlicedSvg } from '../components/charts/renderSvg';
import { defaultTransport } from '../transport';
import { ChartData, chartsView, iterationChips } from './chartsView';
import { FeedStore } from './feed';
import { FeedView } from './feedView';
import { iterationTable } from './iterationTable';
import { evaluationView } from './evaluationView';
import type { DashboardCommand, DashboardState, HostMessage, WebviewMessage } from './protocol';
import { iterationBlock } from './stages';
import { onTrendSourcesChanged, trendRow } from './trends';
import './metaTrends';

provideVSCodeDesignSystem().register(vsCodeBadge(), vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());

/**
 * Frame budgets. A benchmark page may set `window.__selfrewardDashboardBudget` before the bundle loads to measure
 * this page without them, side by side (test/bench/dashboard.bench.ts); nothing else sets it.
 */
const BUDGET = {
  /** charts redraw at most this often (the scatter is the costliest part of a frame) */
  chartIntervalMs: 400,
  /** script time one frame may spend applying queued events ... */
  ingestMs: 6,
  /** ... and in all (events, then drawing) before it yields; layout and paint come after */
  frameMs: 12,
  /** while events stream in, the header, trends, iteration blocks and table redraw at most this often */
  sectionIntervalMs: 200,
  ...(globalThis as { __selfrewardDashboardBudget?: object }).__selfrewardDashboardBudget,
};

const transport = defaultTransport<HostMessage, WebviewMessage, DashboardState>();
const saved = transport.getState();
const state: DashboardState = { filters: {}, scrollTop: 0, ...saved };

const store = new FeedStore();
/** events received and not yet applied: applied in slices, frame by frame (see onFrame) */
const queue = new SliceQueue<RunEvent>();
/** highest seq received, applied or queued: what `ready` reports, so a catch-up never repeats queued events */
let receivedSeq = 0;
/** the last catch-up page (an `events` message without `more`) has been received */
let caughtUp = false;
let snapshot: RunSnapshot | undefined;
let runId: string | undefined = state.runId;
let label = '';
let focusIteration: number | undefined = state.iteration;
/** the iteration a stop was asked for, until it ends (shown as "stopping…" at once, not when the agent confirms) */
let stopping: number | undefined;
let link: { connected: boolean; label: string } = { connected: true, label: '' };
const hidden = new Set<number>(state.hiddenIterations ?? []);

const root = document.getElementById('root') ?? document.body.appendChild(h('div', { id: 'root' }));
const titleEl = h('h1', { class: 'run-title' }, 'Run dashboard');
const statusEl = h('vscode-badge', { class: 'run-status' }, '…');
const messageEl = h('div', { class: 'message', role: 'status' });
const button = (id: string, text: string, command: DashboardCommand, appearance = 'secondary'): HTMLElement => {
  const b = h('vscode-button', { id, appearance }, text);
  b.addEventListener('click', () => {
    if (b.hasAttribute('disabled')) return;
    if (command === 'stopIteration') {
      stopping = activeIteration()?.iteration;
      render();
    }
    transport.post({ type: 'command', command, iteration: focusIteration });
  });
  return b;
};
const activeIteration = () => snapshot?.iterations.find((it) => it.status === 'running' || it.status === 'waiting');
const startBtn = button('btn-start', 'Start Next Iteration', 'startIteration', 'primary');
const stopBtn = button('btn-stop', 'Stop', 'stopIteration');
const reviewBtn = button('btn-review', 'Review Pairs', 'reviewPairs');
const trendsEl = h('section', { class: 'trends-section', id: 'trends' });
const iterationsEl = h('section', { class: 'iterations', id: 'iterations' });
const chartsEl = h('section', { class: 'charts-section', id: 'charts' });
const tableEl = h('section', { class: 'table-section', id: 'table' });
const evaluationEl = h('section', { class: 'evaluation-section', id: 'evaluation' });
let shownEvals: RunSnapshot['evals'] | null = null;

let scrollSave = 0;
const feed = new FeedView(store, state.filters, (what) => {
  if (what === 'filter') {
    state.filters = feed.filter;
    chartsDirty = true;
    schedule();
  }
  if (what === 'select') state.selectedId = feed.selectedId;
  if (what === 'scroll') {
    state.scrollTop = feed.scrollTop;
    // Scrolling fires often; the state is saved at most every 200 ms.
    if (!scrollSave) scrollSave = window.setTimeout(() => ((scrollSave = 0), save()), 200);
    return;
  }
  save();
});

replaceChildren(
  root,
  h(
    'header',
    { class: 'dash-header' },
    titleEl,
    statusEl,
    h('div', { class: 'actions' }, startBtn, stopBtn, reviewBtn, button('btn-rubric', 'Edit Rubric', 'editRubric'), button('btn-log', 'Agent Log', 'showAgentLog')),
  ),
  messageEl,
  trendsEl,
  iterationsEl,
  chartsEl,
  tableEl,
  evaluationEl,
  feed.el,
);

function save(): void {
  transport.setState({ ...state, runId, iteration: focusIteration, hiddenIterations: [...hidden] });
}

function toggleIteration(t: number): void {
  if (hidden.has(t)) hidden.delete(t);
  else hidden.add(t);
  save();
  chartsDirty = true;
  lastCharts = 0;
  schedule();
}

onTrendSourcesChanged(() => {
  sectionsDirty = true;
  schedule();
});

// ------------------------------------------------------------------------------------------------ rendering
let frame = 0;
let chartsDirty = true;
let lastCharts = 0;
let chartTimer = 0;
let feedDirty = false;
let feedRefresh = false;
let sectionsDirty = true;
let lastSections = -Infinity;
let sectionTimer = 0;
/** charts being drawn off screen, a slice per frame; attached when complete */
let chartJob: Generator<void, HTMLElement[]> | undefined;
const clock = (): number => performance.now();

function schedule(): void {
  if (frame) return;
  frame = requestAnimationFrame(onFrame);
}

/**
 * One frame: apply queued events for at most BUDGET.ingestMs, then draw what changed within BUDGET.frameMs. While
 * a backlog or a chart drawing remains, the next frame goes on with it: 100k events streaming in never hold a frame
 * for longer than a slice of them and a redraw.
 */
function onFrame(): void {
  frame = 0;
  const start = clock();
  if (queue.pending) queue.drain(applySlice, start + BUDGET.ingestMs, clock);
  render(false, start + BUDGET.frameMs);
  if (queue.pending || chartJob) schedule();
  else restoreView?.();
}

function applySlice(events: readonly RunEvent[]): void {
  if (snapshot) snapshot = applyEvents(snapshot, events);
  // Failures and agent errors are shown in the message line (the latest wins).
  for (const e of events) {
    if (e.type === 'iteration.failed') showMessage(`Iteration ${e.iteration} failed${e.stage ? ` in ${e.stage}` : ''}: ${e.error}`, true);
    else if (e.type === 'error') showMessage(`${e.iteration !== undefined ? `Iteration ${e.iteration}: ` : ''}${e.message}`, true);
  }
  // Training curves come from the snapshot, scores from the feed: any batch may change a chart (redraws are throttled).
  chartsDirty = sectionsDirty = true;
  // Judgments change rows already there (their scores): the feed rebuilds those of them on screen.
  if (store.ingest(events)) feedDirty = true;
}

/**
 * Draw what changed. `force` (a user action, a host message about this view): all of it now. From a frame: the feed
 * every time; the header, trends, iteration blocks and table (one consistent picture) at most every
 * BUDGET.sectionIntervalMs, the first change after a quiet spell at once; the charts in slices (drawCharts).
 */
function render(force = true, deadline = clock() + BUDGET.frameMs): void {
  if (feedDirty) {
    feed.update(feedRefresh);
    feedDirty = feedRefresh = false;
  }
  const now = clock();
  if (snapshot && (force || (sectionsDirty && now - lastSections >= BUDGET.sectionIntervalMs))) {
    sectionsDirty = false;
    lastSections = now;
    drawSections(snapshot);
  } else if (sectionsDirty && !sectionTimer) {
    sectionTimer = window.setTimeout(() => ((sectionTimer = 0), schedule()), BUDGET.sectionIntervalMs - (now - lastSections));
  }
  drawCharts(now, deadline);
}

function drawSections(snapshot: RunSnapshot): void {
  titleEl.textContent = `${snapshot.run.name}${label ? ` — ${label}` : ''}`;
  const active = activeIteration();
  if (stopping !== undefined && active?.iteration !== stopping) stopping = undefined;
  statusEl.textContent = stopping !== undefined ? 'stopping…' : link.connected ? snapshot.run.status : `${snapshot.run.status} · offline`;
  statusEl.classList.toggle('stopping', stopping !== undefined);
  const offline = link.connected ? undefined : 'Not connected to the agent';
  startBtn.toggleAttribute('disabled', !!active || !!offline);
  stopBtn.toggleAttribute('disabled', !active || stopping !== undefined || !!offline);
  reviewBtn.toggleAttribute('disabled', !!offline);
  for (const b of [startBtn, stopBtn, reviewBtn]) b.title = offline ?? '';
  stopBtn.textContent = stopping !== undefined ? 'Stopping…' : 'Stop';
  const its = [...snapshot.iterations].reverse();
  replaceChildren(trendsEl, h('h2', null, 'Trends across iterations'), trendRow(snapshot));
  replaceChildren(iterationsEl, h('h2', null, 'Iterations'), ...its.map((it) => iterationBlock(it, snapshot, it.iteration === focusIteration, it.iteration === stopping)));
  replaceChildren(tableEl, h('h2', null, 'Iteration table'), iterationTable(snapshot, store.rows));
  // redrawn only when an evaluation result arrives (the reducer keeps `evals` identical otherwise)
  if (snapshot.evals !== shownEvals) replaceChildren(evaluationEl, h('h2', null, 'Evaluation'), evaluationView((shownEvals = snapshot.evals)));
}

/** Charts: at most every BUDGET.chartIntervalMs, drawn off screen in slices within the frame's budget, swapped in whole. */
function drawCharts(now: number, deadline: number): void {
  if (chartsDirty && !chartJob) {
    if (now - lastCharts >= BUDGET.chartIntervalMs) {
      lastCharts = now;
      chartsDirty = false;
      chartJob = chartsJob();
    } else if (!chartTimer) {
      chartTimer = window.setTimeout(() => ((chartTimer = 0), schedule()), BUDGET.chartIntervalMs - (now - lastCharts));
    }
  }
  if (!chartJob) return;
  const done = runUntil(chartJob, deadline, clock);
  if (done) {
    chartJob = undefined;
    replaceChildren(chartsEl, ...done.value);
  } else schedule();
}

/** The rows that pass the feed filter as they are now, read a few hundred per step; then the charts, element by element. */
function* chartsJob(): Generator<void, HTMLElement[]> {
  const off = new Set(hidden);
  const data = new ChartData(off);
  const rows = feed.filtered.slice();
  for (let i = 0; i < rows.length; i++) {
    data.add(store.rows[rows[i]]);
    if (i % 256 === 255) yield;
  }
  const svg = new SlicedSvg();
  const its = (snapshot?.iterations ?? []).map((it) => it.iteration);
  const parts = [h('div', { class: 'section-head' }, h('h2', null, 'Scores and training'), iterationChips(its, off, toggleIteration)), chartsView(snapshot, data, off, svg.draw)];
  yield* svg.fill();
  return parts;
}

function showMessage(text: string, isError = false): void {
  messageEl.textContent = text;
  messageEl.className = isError ? 'message error' : 'message';
}

// Restore the view: scroll position and selection come back once the catch-up is received and applied.
let restoreView: (() => void) | undefined =
  saved?.scrollTop || saved?.selectedId
    ? () => {
        if (!caughtUp || !store.rows.length) return;
        restoreView = undefined;
        feed.scrollTop = saved.scrollTop ?? 0;
        if (saved.selectedId) feed.select(saved.selectedId);
      }
    : undefined;
// ------------------------------------------------------------------------------------------------ messages
transport.onMessage((m) => {
  switch (m.type) {
    case 'init':
      if (m.runId !== runId || (snapshot && m.snapshot.run.id !== snapshot.run.id)) {
        store.clear();
        queue.clear();
        receivedSeq = 0;
        chartJob = undefined;
        feedRefresh = true;
      }
      runId = m.runId;
      label = m.label;
      if (m.connected !== undefined) link = { connected: m.connected, label: m.label };
      // Keep our snapshot if it is ahead of the host's (events already applied), else take the host's.
      if (!snapshot || snapshot.run.id !== m.snapshot.run.id || m.snapshot.seq >= snapshot.seq) snapshot = m.snapshot;
      showMessage('');
      feedDirty = chartsDirty = sectionsDirty = true;
      save();
      schedule();
      break;
    case 'events': {
      // Before `init` the page has no snapshot: events now would move its seq past a catch-up it has not had.
      if (m.runId !== runId || !snapshot) break;
      queue.push(m.events);
      receivedSeq = Math.max(receivedSeq, m.events[m.events.length - 1]?.seq ?? 0);
      if (!m.more) caughtUp = true;
      schedule();
      break;
    }
    case 'reveal':
      focusIteration = m.iteration;
      save();
      render();
      document.getElementById(`iteration-${m.iteration}`)?.scrollIntoView({ block: 'start' });
      chartsDirty = true;
      schedule();
      break;
    case 'link':
      link = { connected: m.connected, label: m.label };
      sectionsDirty = true;
      schedule();
      break;
    case 'stopping':
      stopping = m.iteration;
      render();
      break;
    case 'empty':
      showMessage(m.reason);
      break;
    case 'error':
      showMessage(m.message, true);
      break;
  }
});

function ready(): void {
  transport.post({ type: 'ready', runId, afterSeq: Math.max(store.seq, receivedSeq) });
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') ready();
});

ready();
