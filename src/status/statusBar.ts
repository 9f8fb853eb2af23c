/** The status bar item: link state, and the running stage of the current run with its progress. */
import * as vscode from 'vscode';
import type { RunSnapshot } from '../../remote/protocol';
import type { Services } from '../services';
import type { RunsModel } from '../runs/runsModel';

export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
}

/** What the item shows for a state (pure: unit-tested). */
export function statusView(state: string, label: string | undefined, snap: RunSnapshot | undefined, stopping?: number): StatusView {
  if (state === 'offline' || !label) return { text: '$(debug-disconnect) Self-Rewarding', tooltip: 'Not connected — click to connect to a GPU host', command: 'selfreward.connect' };
  if (state === 'connecting') return { text: '$(sync~spin) Self-Rewarding: connecting…', tooltip: 'Connecting to the agent', command: 'selfreward.showAgentLog' };
  if (state === 'reconnecting') return { text: '$(warning) Self-Rewarding: reconnecting…', tooltip: `Link to ${label} lost; reconnecting`, command: 'selfreward.showAgentLog' };
  const it = snap?.iterations.find((i) => i.status === 'running' || i.status === 'waiting');
  if (!snap || !it) return { text: `$(remote) ${label}`, tooltip: `Connected to ${label}${snap ? ` — run ${snap.run.name}` : ''}`, command: snap ? 'selfreward.openDashboard' : 'selfreward.newRun' };
  if (stopping === it.iteration) return { text: `$(loading~spin) ${label} · it ${it.iteration} · stopping…`, tooltip: `${snap.run.name}: iteration ${it.iteration} is stopping (requests in flight are aborted; it can be resumed)`, command: 'selfreward.openDashboard' };
  if (it.status === 'waiting') return { text: `$(eye) ${label} · it ${it.iteration} · review`, tooltip: `${snap.run.name}: iteration ${it.iteration} waits for the pair review`, command: 'selfreward.reviewPairs' };
  const st = it.stages.find((s) => s.status === 'running');
  const pct = st && st.total > 0 ? ` ${Math.floor((100 * st.done) / st.total)}%` : '';
  return {
    text: `$(sync~spin) ${label} · it ${it.iteration} · ${st?.stage ?? 'starting'}${pct}`,
    tooltip: `${snap.run.name}: iteration ${it.iteration}${st ? `, ${st.stage} ${st.done}/${st.total}` : ''} — click for the dashboard`,
    command: 'selfreward.openDashboard',
  };
}

export function createStatusBar(services: Services, model: RunsModel): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('selfreward.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Self-Rewarding';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const update = (): void => {
    timer = undefined;
    const snap = services.currentRunId ? model.snapshot(services.currentRunId) : undefined;
    const v = statusView(services.connection.state, services.connection.agent?.label, snap, services.currentRunId ? model.stoppingIteration(services.currentRunId) : undefined);
    item.text = v.text;
    item.tooltip = v.tooltip;
    item.command = v.command;
    item.show();
  };
  // Progress events come in bursts: redraw at most every 250 ms.
  const soon = (): void => void (timer ??= setTimeout(update, 250));
  update();
  return vscode.Disposable.from(
    item,
    services.connection.onDidChangeState(update),
    services.connection.onDidChange(update),
    services.onDidChangeCurrentRun(update),
    model.onDidChange(soon),
    model.onDidStartStopping(update),
    model.onEvents((id) => id === services.currentRunId && soon()),
    new vscode.Disposable(() => timer && clearTimeout(timer)),
  );
}
