/**
 * AgentApi on top of the JSON-RPC client, over a link that can be re-established (a local socket, an SSH channel).
 * When the link drops, the client reconnects with backoff, re-subscribes every run it streams with afterSeq = the
 * last seq it delivered, and reads what it missed, so consumers see one gap-free, duplicate-free `events/push`
 * stream per run. No vscode import (tests run it in plain Node against a real daemon).
 */
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult, RunEvent } from '../../remote/protocol';
import { EVENTS_READ_PAGE, RpcErrors } from '../../remote/protocol';
import { isRpcError, type AgentRpc } from '../../remote/rpc/client';
import type { AgentApi, Disposable, LinkState } from './agentApi';

/** Makes a new authenticated connection to the agent (called again after every drop). */
export type LinkFactory = () => Promise<AgentRpc>;

export interface ClientLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface AgentClientOptions {
  label: string;
  connect: LinkFactory;
  log?: ClientLog;
  /** Reconnect backoff: first delay, cap (ms). */
  backoff?: { initialMs: number; maxMs: number };
  /** Errors after which reconnecting is pointless (authentication refused…): the client goes offline. */
  isFatal?(e: unknown): boolean;
}

const silent: ClientLog = { info: () => undefined, warn: () => undefined };

interface RunStream {
  /** seq of the last event delivered to consumers */
  last: number;
  /** set while a subscribe is in flight: pushes wait here so none is delivered twice or out of order */
  held?: RunEvent[];
  /** deliveries of this run, one after another */
  chain: Promise<void>;
}

const defaultFatal = (e: unknown): boolean => isRpcError(e, RpcErrors.Unauthorized);

export class AgentClient implements AgentApi {
  private rpc: AgentRpc | undefined;
  private _state: LinkState = 'connecting';
  private stateListeners = new Set<(s: LinkState) => void>();
  private handlers = new Map<string, Set<(p: unknown) => void>>();
  private streams = new Map<string, RunStream>();
  private disposed = false;
  private agentExiting = false;
  private linkSubs: { dispose(): void }[] = [];
  private waiters = new Set<() => void>();
  private readonly log: ClientLog;

  private constructor(private readonly opts: AgentClientOptions) {
    this.log = opts.log ?? silent;
  }

  /** Connect (the first connection must succeed; later drops reconnect on their own). */
  static async connect(opts: AgentClientOptions): Promise<AgentClient> {
    const c = new AgentClient(opts);
    await c.attach(await opts.connect());
    c.setState('connected');
    return c;
  }

  get label(): string {
    return this.opts.label;
  }
  get state(): LinkState {
    return this._state;
  }
  /** The agent's hello of the current link (pid, version, bundle hash, runs folder). */
  get hello(): AgentRpc['hello'] | undefined {
    return this.rpc?.hello;
  }

  onDidChangeState(listener: (state: LinkState) => void): Disposable {
    this.stateListeners.add(listener);
    return { dispose: () => this.stateListeners.delete(listener) };
  }

  onNotification<N extends NotificationMethod>(method: N, handler: (params: Notifications[N]) => void): Disposable {
    let set = this.handlers.get(method);
    if (!set) this.handlers.set(method, (set = new Set()));
    const h = handler as (p: unknown) => void;
    set.add(h);
    return { dispose: () => set.delete(h) };
  }

  async request<M extends RequestMethod>(method: M, params: RequestParams<M>, signal?: AbortSignal): Promise<RequestResult<M>> {
    const rpc = await this.link(signal);
    if (method === 'events/subscribe') return this.subscribe(rpc, params as RequestParams<'events/subscribe'>, signal) as Promise<RequestResult<M>>;
    if (method === 'events/unsubscribe') this.streams.delete((params as RequestParams<'events/unsubscribe'>).runId);
    // The agent was asked to exit: its link closing is then the end, not a drop to repair (reconnecting a local
    // link would start a new daemon).
    if (method === 'agent/shutdown') this.agentExiting = true;
    return rpc.request(method, params, signal);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.dropLink();
    this.setState('offline');
    for (const w of this.waiters) w();
  }

  // --- link -----------------------------------------------------------------------------------------------------

  private setState(s: LinkState): void {
    if (this._state === s) return;
    this._state = s;
    for (const l of this.stateListeners) l(s);
    for (const w of this.waiters) w();
  }

  /** The live connection; while reconnecting, wait for it (or fail when the client goes offline). */
  private async link(signal?: AbortSignal): Promise<AgentRpc> {
    for (;;) {
      if (this.disposed || this._state === 'offline') throw new Error(`the agent (${this.label}) is disconnected`);
      if (this.rpc && !this.rpc.closed && this._state === 'connected') return this.rpc;
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private async attach(rpc: AgentRpc): Promise<void> {
    this.rpc = rpc;
    this.linkSubs = [
      rpc.onNotification('events/push', (p) => this.onPush(p.runId, p.events)),
      ...(['preview/result', 'preview/done', 'agent/log', 'events/unrecorded'] as const).map((m) => rpc.onNotification(m, (p) => this.emit(m, p))),
    ];
    rpc.onClose(() => {
      if (this.rpc !== rpc || this.disposed) return;
      if (this.agentExiting) {
        this.log.info(`the agent (${this.label}) exited on request`);
        this.dispose();
      } else void this.reconnect();
    });
    // Streams of the previous link continue from where consumers are.
    await Promise.all([...this.streams.entries()].map(([runId, s]) => this.resubscribe(rpc, runId, s)));
  }

  private dropLink(): void {
    for (const s of this.linkSubs) s.dispose();
    this.linkSubs = [];
    const rpc = this.rpc;
    this.rpc = undefined;
    rpc?.dispose();
  }

  private async reconnect(): Promise<void> {
    this.dropLink();
    this.setState('reconnecting');
    this.log.warn(`agent link to ${this.label} lost; reconnecting`);
    const { initialMs, maxMs } = this.opts.backoff ?? { initialMs: 250, maxMs: 10_000 };
    const fatal = this.opts.isFatal ?? defaultFatal;
    for (let attempt = 1, delay = initialMs; !this.disposed; attempt++, delay = Math.min(maxMs, delay * 2)) {
      try {
        const rpc = await this.opts.connect();
        if (this.disposed) {
          rpc.dispose();
          return;
        }
        await this.attach(rpc);
        this.setState('connected');
        this.log.info(`agent link to ${this.label} re-established (attempt ${attempt})`);
        return;
      } catch (e) {
        this.dropLink();
        if (fatal(e)) {
          this.log.warn(`agent link to ${this.label}: giving up: ${(e as Error).message}`);
          this.setState('offline');
          return;
        }
        this.log.warn(`agent link to ${this.label}: attempt ${attempt} failed (${(e as Error).message}); next in ${delay} ms`);
        // Jitter keeps many windows from hammering one agent in step.
        await new Promise((r) => setTimeout(r, delay * (0.75 + Math.random() * 0.5)));
      }
    }
  }

  // --- gap-free event streams ------------------------------------------------------------------------------------

  private emit(method: string, params: unknown): void {
    for (const h of this.handlers.get(method) ?? []) h(params);
  }

  private async subscribe(rpc: AgentRpc, params: RequestParams<'events/subscribe'>, signal?: AbortSignal): Promise<RequestResult<'events/subscribe'>> {
    const known = this.streams.get(params.runId);
    // A second subscriber of a streamed run: the stream goes on from where it is (consumers skip events at or
    // below their snapshot's seq), never restarted, so the first subscriber loses nothing.
    if (known) return rpc.request('events/subscribe', params, signal);
    const s: RunStream = { last: -1, held: [], chain: Promise.resolve() };
    this.streams.set(params.runId, s);
    try {
      const res = await rpc.request('events/subscribe', params, signal);
      // Pushes carry events after the snapshot; the backlog (if asked for) is the caller's to page.
      s.last = res.snapshot.seq;
      this.release(params.runId, s);
      return res;
    } catch (e) {
      if (this.streams.get(params.runId) === s) this.streams.delete(params.runId);
      throw e;
    }
  }

  private async resubscribe(rpc: AgentRpc, runId: string, s: RunStream): Promise<void> {
    s.held ??= [];
    let res: RequestResult<'events/subscribe'>;
    try {
      res = await rpc.request('events/subscribe', { runId, afterSeq: s.last, limit: 0 });
    } catch (e) {
      // The agent answered but refuses this run (gone, unreadable): end its stream, keep the link.
      if (!isRpcError(e) || isRpcError(e, RpcErrors.Unauthorized)) throw e;
      this.log.warn(`events of run ${runId}: cannot resume after reconnecting: ${(e as Error).message}`);
      this.streams.delete(runId);
      return;
    }
    // Read what was missed up to the snapshot, in order, before anything pushed on the new link.
    await this.enqueue(runId, s, () => this.fill(rpc, runId, s, res.snapshot.seq));
    this.release(runId, s);
  }

  private release(runId: string, s: RunStream): void {
    const held = s.held ?? [];
    s.held = undefined;
    if (held.length) this.onPush(runId, held);
  }

  private onPush(runId: string, events: RunEvent[]): void {
    const s = this.streams.get(runId);
    if (!s) return this.emit('events/push', { runId, events });
    if (s.held) {
      s.held.push(...events);
      return;
    }
    const rpc = this.rpc;
    void this.enqueue(runId, s, async () => {
      const fresh = events.filter((e) => e.seq > s.last);
      if (!fresh.length) return;
      // A hole before this batch (should not happen on one link, but costs nothing to close): read it first.
      if (fresh[0].seq > s.last + 1 && rpc) await this.fill(rpc, runId, s, fresh[0].seq - 1);
      this.deliver(runId, s, fresh);
    });
  }

  private enqueue(runId: string, s: RunStream, step: () => Promise<void>): Promise<void> {
    s.chain = s.chain.then(step).catch((e: unknown) => this.log.warn(`events of run ${runId}: ${(e as Error).message}`));
    return s.chain;
  }

  private async fill(rpc: AgentRpc, runId: string, s: RunStream, upTo: number): Promise<void> {
    while (s.last < upTo) {
      const page = await rpc.request('events/read', { runId, afterSeq: s.last, limit: EVENTS_READ_PAGE });
      const got = page.events.filter((e) => e.seq <= upTo);
      const before = s.last;
      this.deliver(runId, s, got);
      if (s.last === before) break; // nothing more to read (or the stream ended): never spin
    }
  }

  /** Hand consumers the events that continue the stream exactly; anything else waits for the next fill. */
  private deliver(runId: string, s: RunStream, events: RunEvent[]): void {
    if (this.streams.get(runId) !== s) return;
    const next = events.filter((e) => e.seq > s.last);
    if (!next.length) return;
    // A hole that could not be read (the link died meanwhile) is never papered over: these events come again
    // with the fill after the next push or reconnect.
    if (next[0].seq !== s.last + 1 || next.some((e, i) => i > 0 && e.seq !== next[i - 1].seq + 1)) return;
    s.last = next[next.length - 1].seq;
    this.emit('events/push', { runId, events: next });
  }
}
