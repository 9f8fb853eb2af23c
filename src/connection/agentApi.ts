/**
 * What the rest of the extension sees of the agent, whatever carries it (local child process, SSH channel).
 * Typed by the protocol module. The connection layer implements it; panels, commands and tests use it (tests may
 * hand in an implementation backed by an in-process agent).
 */
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult } from '../../remote/protocol';

export interface Disposable {
  dispose(): void;
}

export type LinkState = 'offline' | 'connecting' | 'connected' | 'reconnecting';

export interface AgentApi {
  /** Human label of where the agent runs ("local", "user@gpu-box"). */
  readonly label: string;
  readonly state: LinkState;
  onDidChangeState(listener: (state: LinkState) => void): Disposable;
  request<M extends RequestMethod>(method: M, params: RequestParams<M>, signal?: AbortSignal): Promise<RequestResult<M>>;
  onNotification<N extends NotificationMethod>(method: N, handler: (params: Notifications[N]) => void): Disposable;
  dispose(): void;
}
