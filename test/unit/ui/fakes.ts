/**
 * Test doubles for extension-host UI tests: an in-memory agent speaking the protocol's request/notification shapes
 * (runs, snapshot, event log, iteration start/stop, files) and Services wired to the vscode stub.
 */
import * as vscode from 'vscode';
import { fakeContext, fakeLog, stub } from '../../helpers/vscodeStub';
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult, RunEvent, RunEventBody, RunSnapshot } from '../../../remote/protocol';
import { applyEvent } from '../../../remote/snapshot/reducer';
import type { AgentApi, Disposable, LinkState } from '../../../src/connection/agentApi';
import type { ConnectionManager, Services } from '../../../src/services';
import { baseSnapshot } from '../../fixtures/dashboardEvents';

type Handler = (params: unknown) => unknown;

export class FakeAgent implements AgentApi {
  label = 'local';
  state: LinkState = 'connected';
  readonly requests: { method: string; params: unknown }[] = [];
  readonly handlers = new Map<string, Handler>();
  private listeners = new Map<string, Set<(p: unknown) => void>>();
  /** per run: base snapshot + event log */
  readonly runs = new Map<string, { base: RunSnapshot; events: RunEvent[] }>();
  files = new Map<string, string>();

  constructor() {
    this.handlers.set('runs/list', () => ({ runs: [...this.runs.values()].map((r) => this.snapshotOf(r.base.run.id).run) }));
    this.handlers.set('events/subscribe', (p) => {
      const { runId } = p as { runId: string };
      return { snapshot: this.snapshotOf(runId), events: [], more: false };
    });
    this.handlers.set('events/read', (p) => {
      const { runId, afterSeq, limit } = p as { runId: string; afterSeq: number; limit: number };
      const evs = this.run(runId).events.filter((e) => e.seq > afterSeq);
      return { events: evs.slice(0, limit), lastSeq: evs.at(-1)?.seq ?? afterSeq, more: evs.length > limit };
    });
    this.handlers.set('events/unsubscribe', () => ({ ok: true }));
    this.handlers.set('iteration/stop', () => ({ stopped: true }));
    this.handlers.set('files/list', (p) => {
      const { runId, iteration } = p as { runId: string; iteration: number };
      const prefix = `iterations/${iteration}/`;
      return { files: [...this.files.entries()].filter(([k]) => k.startsWith(`${runId}:${prefix}`)).map(([k, v]) => ({ path: k.slice(runId.length + 1), size: Buffer.byteLength(v) })) };
    });
    this.handlers.set('files/read', (p) => {
      const { runId, path, offset, length } = p as { runId: string; path: string; offset: number; length: number };
      const buf = Buffer.from(this.files.get(`${runId}:${path}`) ?? '');
      const part = buf.subarray(offset, offset + Math.min(length, 10));
      return { data: part.toString('utf8'), size: buf.length, eof: offset + part.length >= buf.length };
    });
  }

  addRun(runId: string, name: string, bodies: RunEventBody[] = [], config: Partial<RunSnapshot['config']> = {}): void {
    const base = baseSnapshot(runId, name);
    base.config = { ...base.config, prompts: { perIteration: 200, temperature: 0.6 }, candidates: { n: 4, temperature: 0.7 }, judge: { k: 3, temperature: 0.7, scoreMin: 0, scoreMax: 5 }, pairs: { rho: 0 }, review: { gate: false }, ...config } as unknown as RunSnapshot['config'];
    this.runs.set(runId, { base, events: [] });
    this.emit(runId, bodies, false);
  }

  run(runId: string): { base: RunSnapshot; events: RunEvent[] } {
    const r = this.runs.get(runId);
    if (!r) throw Object.assign(new Error(`run ${runId} not found`), { code: -32002 });
    return r;
  }

  snapshotOf(runId: string): RunSnapshot {
    const r = this.run(runId);
    return r.events.reduce(applyEvent, r.base);
  }

  /** Append events to a run's log and (by default) push them to subscribers. */
  emit(runId: string, bodies: RunEventBody[], push = true): RunEvent[] {
    const r = this.run(runId);
    const out: RunEvent[] = [];
    for (const b of bodies) {
      const e = { seq: (r.events.at(-1)?.seq ?? 0) + 1, ts: new Date().toISOString(), ...b } as RunEvent;
      r.events.push(e);
      out.push(e);
    }
    if (push) this.notify('events/push', { runId, events: out });
    return out;
  }

  notify<N extends NotificationMethod>(method: N, params: Notifications[N]): void {
    for (const l of this.listeners.get(method) ?? []) l(params);
  }

  async request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    this.requests.push({ method, params });
    const h = this.handlers.get(method);
    if (!h) throw Object.assign(new Error(`no handler for ${method}`), { code: -32601 });
    await new Promise((r) => setImmediate(r));
    return (await h(params)) as RequestResult<M>;
  }

  onNotification<N extends NotificationMethod>(method: N, handler: (params: Notifications[N]) => void): Disposable {
    const set = this.listeners.get(method) ?? new Set();
    set.add(handler as (p: unknown) => void);
    this.listeners.set(method, set);
    return { dispose: () => set.delete(handler as (p: unknown) => void) };
  }

  onDidChangeState(): Disposable {
    return { dispose: () => undefined };
  }

  dispose(): void {
    this.state = 'offline';
  }

  calls(method: string): unknown[] {
    return this.requests.filter((r) => r.method === method).map((r) => r.params);
  }
}

export class FakeConnection implements ConnectionManager {
  agent: AgentApi | undefined;
  state: LinkState = 'offline';
  private agentE = new vscode.EventEmitter<AgentApi | undefined>();
  private stateE = new vscode.EventEmitter<LinkState>();
  readonly onDidChange = this.agentE.event;
  readonly onDidChangeState = this.stateE.event;
  constructor(private readonly make: () => AgentApi) {}
  async connectLocal(): Promise<AgentApi> {
    if (this.agent) return this.agent;
    this.state = 'connecting';
    this.stateE.fire(this.state);
    this.agent = this.make();
    this.state = 'connected';
    this.agentE.fire(this.agent);
    this.stateE.fire(this.state);
    return this.agent;
  }
  /** The UI treats an attached (SSH) agent like the local one. */
  attach(): Promise<AgentApi> {
    return this.connectLocal();
  }
  async disconnect(): Promise<void> {
    this.agent = undefined;
    this.state = 'offline';
    this.agentE.fire(undefined);
    this.stateE.fire(this.state);
  }
}

export function fakeServices(connection: ConnectionManager): Services & { dispose(): void } {
  const context = fakeContext();
  const runE = new vscode.EventEmitter<string | undefined>();
  const services = {
    context: context as unknown as vscode.ExtensionContext,
    log: fakeLog() as unknown as vscode.LogOutputChannel,
    connection,
    currentRunId: undefined as string | undefined,
    onDidChangeCurrentRun: runE.event,
    setCurrentRun(runId: string | undefined) {
      services.currentRunId = runId;
      void vscode.commands.executeCommand('setContext', 'selfreward.hasRun', runId !== undefined);
      runE.fire(runId);
    },
    dispose: () => context.dispose(),
  };
  return services;
}

/** Wait until `cond` holds (bounded). */
export async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A fresh stub state, agent, connection and services (call in beforeEach). */
export function fakeWorld(): { agent: FakeAgent; connection: FakeConnection; services: ReturnType<typeof fakeServices> } {
  stub.reset();
  const agent = new FakeAgent();
  const connection = new FakeConnection(() => agent);
  return { agent, connection, services: fakeServices(connection) };
}
