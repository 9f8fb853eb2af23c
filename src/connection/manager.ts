/**
 * The ConnectionManager: which agent the window talks to (one at a time), its link state, and the switch between
 * them. `connectLocal` starts or reuses the daemon on this machine; `attach(linkFactory, label)` is the extension
 * point the SSH transport uses for a remote agent. No vscode import (only types): events are plain emitters with
 * vscode.Event's shape, so the manager runs in tests without VS Code.
 */
import type * as vscode from 'vscode';
import type { ConnectionManager } from '../services';
import type { AgentApi, LinkState } from './agentApi';
import { AgentClient, type AgentClientOptions, type ClientLog, type LinkFactory } from './agentClient';
import { localLinkFactory, type LocalAgentOptions } from './localAgent';

/** A minimal event emitter whose `event` is assignable to vscode.Event<T>. */
export class Emitter<T> {
  private listeners = new Set<(e: T) => unknown>();
  readonly event: vscode.Event<T> = (listener, thisArgs?, disposables?) => {
    const l = (e: T): unknown => listener.call(thisArgs, e);
    this.listeners.add(l);
    const d = { dispose: () => this.listeners.delete(l) };
    disposables?.push(d);
    return d;
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export interface ManagerOptions {
  /** where the local agent lives (paths resolved by the extension from its storage and settings) */
  local: () => LocalAgentOptions;
  log: ClientLog;
}

export class AgentConnectionManager implements ConnectionManager {
  private current: AgentClient | undefined;
  private currentKind: 'local' | 'attached' | undefined;
  private _state: LinkState = 'offline';
  private stateSub: { dispose(): void } | undefined;
  private readonly agentEmitter = new Emitter<AgentApi | undefined>();
  private readonly stateEmitter = new Emitter<LinkState>();
  readonly onDidChange = this.agentEmitter.event;
  readonly onDidChangeState = this.stateEmitter.event;
  /** one switch at a time (a second connect waits for the first) */
  private switching: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ManagerOptions) {}

  get agent(): AgentApi | undefined {
    return this.current;
  }
  get state(): LinkState {
    return this._state;
  }

  async connectLocal(): Promise<AgentApi> {
    return this.serialize(async () => {
      if (this.current && this.currentKind === 'local' && this.current.state !== 'offline') return this.current;
      const local = this.opts.local();
      return this.use('local', { label: 'local', connect: localLinkFactory({ ...local, log: local.log ?? this.opts.log }), log: this.opts.log });
    });
  }

  /**
   * Extension point for other transports (SSH): make `linkFactory`'s agent the current one. The factory is called
   * again after every drop; `isFatal` says which errors end the reconnecting (e.g. authentication refused).
   */
  async attach(linkFactory: LinkFactory, label: string, opts: Pick<AgentClientOptions, 'isFatal' | 'backoff'> = {}): Promise<AgentApi> {
    return this.serialize(() => this.use('attached', { label, connect: linkFactory, log: this.opts.log, ...opts }));
  }

  async disconnect(): Promise<void> {
    await this.serialize(async () => this.drop());
  }

  dispose(): void {
    this.drop();
    this.agentEmitter.dispose();
    this.stateEmitter.dispose();
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.switching.then(work, work);
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async use(kind: 'local' | 'attached', clientOpts: AgentClientOptions): Promise<AgentApi> {
    this.drop();
    this.setState('connecting');
    this.opts.log.info(`connecting to the agent (${clientOpts.label})`);
    let client: AgentClient;
    try {
      client = await AgentClient.connect(clientOpts);
    } catch (e) {
      this.setState('offline');
      this.opts.log.warn(`could not connect to the agent (${clientOpts.label}): ${(e as Error).message}`);
      throw e;
    }
    const h = client.hello;
    this.opts.log.info(`connected to the agent (${clientOpts.label}): version ${h?.agentVersion}, pid ${h?.pid}, runs in ${h?.runsDir}`);
    this.current = client;
    this.currentKind = kind;
    this.stateSub = client.onDidChangeState((s) => this.setState(s));
    this.setState(client.state);
    this.agentEmitter.fire(client);
    return client;
  }

  private drop(): void {
    const old = this.current;
    if (!old) return;
    this.stateSub?.dispose();
    this.current = undefined;
    this.currentKind = undefined;
    old.dispose();
    this.opts.log.info(`disconnected from the agent (${old.label})`);
    this.setState('offline');
    this.agentEmitter.fire(undefined);
  }

  private setState(s: LinkState): void {
    if (this._state === s) return;
    this._state = s;
    this.stateEmitter.fire(s);
  }
}
