/**
 * Messages between the dashboard panel host (src/dashboard) and its webview (webview/dashboard), GitLens-style:
 * one typed union per direction. Events and snapshots are the agent's own types from remote/protocol.ts.
 */
import type { RunEvent, RunSnapshot } from '../../remote/protocol';

export const DASHBOARD_VIEW_TYPE = 'selfreward.dashboard';

export type DashboardCommand = 'startIteration' | 'stopIteration' | 'reviewPairs' | 'editRubric' | 'showAgentLog';

/** Host → webview. */
export type HostMessage =
  /** The run to show and its snapshot. Always answers `ready`; replaces everything the webview had for another run. */
  | { type: 'init'; runId: string; label: string; snapshot: RunSnapshot; connected?: boolean }
  /** Events in seq order (one batch per ~50 ms flush, or one page of a catch-up). `more`: further catch-up pages follow. */
  | { type: 'events'; runId: string; events: RunEvent[]; more?: boolean }
  /** Scroll to and select an iteration (from a notification action or the tree). */
  | { type: 'reveal'; iteration: number }
  /** The agent link: actions that need the agent are disabled while it is down. */
  | { type: 'link'; connected: boolean; label: string }
  /** A stop was asked for this run's running iteration (from any place): show "stopping…" until it ends. */
  | { type: 'stopping'; iteration: number }
  /** No run to show (not connected, or no run yet). */
  | { type: 'empty'; reason: string }
  | { type: 'error'; message: string };

/** Webview → host. */
export type WebviewMessage =
  /**
   * Sent on load and whenever the page becomes visible: `afterSeq` is the last event seq the page has drawn
   * (0 when it has nothing), `runId` the run it showed before a reload (from getState).
   */
  | { type: 'ready'; runId?: string; afterSeq: number }
  | { type: 'command'; command: DashboardCommand; iteration?: number };

/** What the webview keeps across reloads (getState/setState): view settings, not data — data comes back from the host. */
export interface DashboardState {
  runId?: string;
  filters: FeedFilter;
  /** iteration the header and charts focus on; undefined = all */
  iteration?: number;
  scrollTop: number;
  selectedId?: string;
  /** iterations switched off in the charts */
  hiddenIterations?: number[];
}

export type FeedKind = 'prompt' | 'candidate' | 'pair' | 'judge-pair';

export interface FeedFilter {
  iteration?: number;
  kind?: FeedKind;
  minScore?: number;
  maxScore?: number;
  parseFailuresOnly?: boolean;
  text?: string;
}
