/**
 * How the agent daemon's request handlers are organised: one module per group (runs, iteration, events, preview,
 * pairs, rubric, files, preflight, eval…) exporting a partial HandlerMap; the server merges them. Handlers get an
 * AgentContext with what the daemon owns (the run store, the open writable runs, per-connection state).
 */
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult } from '../protocol';
import type { Run, RunStore } from '../store/runStore';

export interface ConnectionContext {
  /** id of the client connection (for per-client subscriptions and preview cancellation) */
  readonly id: number;
  notify<N extends NotificationMethod>(method: N, params: Notifications[N]): void;
  /** called when the connection closes */
  onClose(cb: () => void): void;
}

export interface AgentContext {
  readonly store: RunStore;
  /** The daemon's single writable handle of a run (opened on first use, kept while the daemon lives). */
  openRun(runId: string): Run;
  readonly agentVersion: string;
  readonly bundleHash: string;
}

/** `C`: the context the handler needs; the daemon's own groups take the Daemon (an AgentContext with more). */
export type Handler<M extends RequestMethod, C extends AgentContext = AgentContext> = (
  params: RequestParams<M>,
  agent: C,
  conn: ConnectionContext,
  signal: AbortSignal,
) => Promise<RequestResult<M>>;

export type HandlerMap<C extends AgentContext = AgentContext> = { [M in RequestMethod]?: Handler<M, C> };

/** An error carrying a JSON-RPC code from RpcErrors, for handlers to throw. */
export class AgentError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}
