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
import type { RunSnapshot } from '../../remote/protocol';
import { applyEvents } from '../../remote/snapshot/reducer';
import { h, replaceChildren } from '../components/dom';
import { defaultTransport } from '../transport';
import { chartsView, iterationChips } from './chartsView';
import { FeedStore } from './feed';
import { FeedView } from './feedView';
import { iterationTable } from './iterationTable';
import { evaluationView } from './evaluationView';
import type { DashboardCommand, DashboardState, HostMessage, WebviewMessage } from './protocol';
import { iterationBlock } from './stages';
import { onTrendSourcesChanged, trendRow } from './trends';
import './metaTrends';

provideVSCodeDesignSystem().register(vsCodeBadge(), vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());

/** Charts redraw at most this often (the scatter is the costliest part of a frame). */
const CHART_INTERVAL_MS = 400;

const transport = defaultTransport<HostMessage, WebviewMessage, DashboardState>();
const saved = transport.getState();
const state: DashboardState = { filters: {}, scrollTop: 0, ...saved };

const store = new FeedStore();
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

onTrendSourcesChanged(() => schedule());

// ------------------------------------------------------------------------------------------------ rendering
let frame = 0;
let chartsDirty = true;
let lastCharts = 0;
let chartTimer = 0;
let feedDirty = false;
let feedRefresh = false;

function schedule(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

function render(): void {
  if (feedDirty) {
    const scroll = feed.scrollTop;
    feed.update(feedRefresh);
    feed.scrollTop = scroll;
    feedDirty = feedRefresh = false;
  }
  if (snapshot) {
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
    replaceChildren(iterationsEl, h('h2', null, 'Iterations'), ...its.map((it) => iterationBlock(it, snapshot as RunSnapshot, it.iteration === focusIteration, it.iteration === stopping)));
    replaceChildren(tableEl, h('h2', null, 'Iteration table'), iterationTable(snapshot, store.rows));
    // redrawn only when an evaluation result arrives (the reducer keeps `evals` identical otherwise)
    if (snapshot.evals !== shownEvals) replaceChildren(evaluationEl, h('h2', null, 'Evaluation'), evaluationView((shownEvals = snapshot.evals)));
  }
  const now = performance.now();
  if (chartsDirty) {
    if (now - lastCharts >= CHART_INTERVAL_MS) {
      lastCharts = now;
      chartsDirty = false;
      const its = (snapshot?.iterations ?? []).map((it) => it.iteration);
      replaceChildren(chartsEl, h('div', { class: 'section-head' }, h('h2', null, 'Scores and training'), iterationChips(its, hidden, toggleIteration)), chartsView(snapshot, feed.filteredRows(), hidden));
    } else if (!chartTimer) {
      chartTimer = window.setTimeout(() => ((chartTimer = 0), schedule()), CHART_INTERVAL_MS - (now - lastCharts));
    }
  }
}

function showMessage(text: string, isError = false): void {
  messageEl.textContent = text;
  messageEl.className = isError ? 'message error' : 'message';
}

// ------------------------------------------------------------------------------------------------ messages
transport.onMessage((m) => {
  switch (m.type) {
    case 'init':
      if (m.runId !== runId || (snapshot && m.snapshot.run.id !== snapshot.run.id)) {
        store.clear();
        feedRefresh = true;
      }
      runId = m.runId;
      label = m.label;
      if (m.connected !== undefined) link = { connected: m.connected, label: m.label };
      // Keep our snapshot if it is ahead of the host's (events already applied), else take the host's.
      if (!snapshot || snapshot.run.id !== m.snapshot.run.id || m.snapshot.seq >= snapshot.seq) snapshot = m.snapshot;
      showMessage('');
      feedDirty = chartsDirty = true;
      save();
      schedule();
      break;
    case 'events': {
      // Before `init` the page has no snapshot: events now would move its seq past a catch-up it has not had.
      if (m.runId !== runId || !snapshot) break;
      if (snapshot) snapshot = applyEvents(snapshot, m.events);
      // Failures and agent errors are shown in the message line (the latest wins).
      for (const e of m.events) {
        if (e.type === 'iteration.failed') showMessage(`Iteration ${e.iteration} failed${e.stage ? ` in ${e.stage}` : ''}: ${e.error}`, true);
        else if (e.type === 'error') showMessage(`${e.iteration !== undefined ? `Iteration ${e.iteration}: ` : ''}${e.message}`, true);
      }
      // Training curves come from the snapshot, scores from the feed: any batch may change a chart (redraws are throttled).
      chartsDirty = true;
      if (store.ingest(m.events)) {
        feedDirty = true;
        // Judgments change rows already on screen (their scores): rebuild the visible rows.
        if (m.events.some((e) => e.type === 'judgment')) feedRefresh = true;
      }
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
  transport.post({ type: 'ready', runId, afterSeq: store.seq });
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') ready();
});

// Restore the view: scroll position and selection come back once the rows are there again.
if (saved?.scrollTop || saved?.selectedId) {
  let restored = false;
  const restore = (): void => {
    if (restored || !store.rows.length) return;
    restored = true;
    feed.scrollTop = saved.scrollTop ?? 0;
    if (saved.selectedId) feed.select(saved.selectedId);
  };
  transport.onMessage((m) => {
    if (m.type === 'events' && !m.more) requestAnimationFrame(() => requestAnimationFrame(restore));
  });
}
ready();
