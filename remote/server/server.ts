/**
 * The JSON-RPC side of the daemon: one vscode-jsonrpc connection per client (Unix socket or stdio), token
 * authentication by `agent/hello` before anything else, dispatch to the handler groups, and errors mapped to the
 * RpcErrors codes with messages that say what went wrong.
 *
 * An unauthenticated client gets little: its messages are bounded in size before they are parsed (FrameGuard:
 * a small header and body until hello, larger after), it must say hello within `helloDeadlineMs`, anything else
 * before hello (a request, a notification, a malformed message) is answered — when it is a request — and the
 * connection closed, and at most `maxUnauthenticated` connections wait for their hello at once (a new one
 * pushes out the oldest). Every client-given id, number and path is checked (validate.ts) before a handler runs.
 */
import * as crypto from 'node:crypto';
import { pipeline } from 'node:stream';
import { createMessageConnection, ResponseError, ErrorCodes, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { Message, MessageConnection } from 'vscode-jsonrpc/node';
import { PROTOCOL_VERSION, RpcErrors } from '../protocol';
import type { Notifications, NotificationMethod, RequestMethod, RequestResult } from '../protocol';
import { ConfigError } from '../config/config';
import { LockedError } from '../store/lock';
import { addLogSink, info, warn } from '../log';
import { AgentError } from './types';
import type { ConnectionContext, HandlerMap } from './types';
import type { Daemon, DaemonHandlerMap } from './daemon';
import { AUTHENTICATED_LIMITS, FrameGuard, PRE_HELLO_LIMITS, type FrameLimits } from './frameGuard';
import { checkParams } from './validate';
import { messageReader } from '../rpc/reader';
import { rawAwareJsonEncoder } from '../rpc/rawJson';

export interface Duplex {
  readable: NodeJS.ReadableStream;
  writable: NodeJS.WritableStream;
}

export interface ServerLimits {
  /** a connection that has not said hello by then is closed (default 10 s) */
  helloDeadlineMs?: number;
  /** connections waiting for their hello at once; a new one closes the oldest (default 16) */
  maxUnauthenticated?: number;
  preHello?: FrameLimits;
  authenticated?: FrameLimits;
}

export const HELLO_DEADLINE_MS = 10_000;
export const MAX_UNAUTHENTICATED = 16;

/**
 * A writer that closes the connection once the next answer has gone out: a refused client gets its refusal before
 * the close. (Before hello a client may send one request, so "the next answer" is the refusal.)
 */
class ReplyThenClose extends StreamMessageWriter {
  private closing = false;
  onSent: () => void = () => undefined;

  closeAfterNextReply(): void {
    this.closing = true;
  }

  override write(msg: Message): Promise<void> {
    const p = super.write(msg);
    if (this.closing && ('result' in msg || 'error' in msg)) {
      this.closing = false;
      void p.then(this.onSent, this.onSent);
    }
    return p;
  }
}

/** The error a client sees for anything a handler throws. */
export function toResponseError(e: unknown): ResponseError<undefined> {
  if (e instanceof ResponseError) return e;
  if (e instanceof AgentError) return new ResponseError(e.code, e.message);
  if (e instanceof ConfigError) return new ResponseError(RpcErrors.InvalidConfig, e.message);
  if (e instanceof LockedError) return new ResponseError(RpcErrors.Locked, e.message);
  return new ResponseError(ErrorCodes.InternalError, e instanceof Error ? e.message : String(e));
}

function sameToken(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export class AgentServer {
  private handlers: DaemonHandlerMap = {};
  private nextId = 1;
  /** connection → its end(): disposes the connection and closes its transport */
  private connections = new Map<MessageConnection, () => void>();

  private contexts = new Set<ConnectionContext>();
  /** connections that have not said hello yet, oldest first, with how to refuse them */
  private unauthenticated = new Map<number, () => void>();
  private unsink: () => void;
  private readonly limits: Required<ServerLimits>;
  /** connections closed for breaking the limits (for tests and the log) */
  refused = 0;

  constructor(readonly daemon: Daemon, private readonly token: string, groups: (DaemonHandlerMap | HandlerMap)[], limits: ServerLimits = {}) {
    this.limits = {
      helloDeadlineMs: limits.helloDeadlineMs ?? HELLO_DEADLINE_MS,
      maxUnauthenticated: limits.maxUnauthenticated ?? MAX_UNAUTHENTICATED,
      preHello: limits.preHello ?? PRE_HELLO_LIMITS,
      authenticated: limits.authenticated ?? AUTHENTICATED_LIMITS,
    };
    // Warnings and errors reach every client as `agent/log` (lines about a client's own link stay local: sending
    // them down a failing link would only fail again).
    this.unsink = addLogSink((level, message) => {
      if (level === 'info' || message.startsWith('client #')) return;
      for (const c of this.contexts) c.notify('agent/log', { level, message });
    });
    for (const g of groups) {
      for (const m of Object.keys(g) as RequestMethod[]) {
        if (this.handlers[m]) throw new Error(`two handler groups answer ${m}`);
        (this.handlers as Record<string, unknown>)[m] = (g as Record<string, unknown>)[m];
      }
    }
  }

  get clientCount(): number {
    return this.connections.size;
  }

  /** Connections that have not authenticated yet. */
  get unauthenticatedCount(): number {
    return this.unauthenticated.size;
  }

  /** Serve one client over a pair of streams. Resolves when the connection closes. */
  serve(stream: Duplex, label: string, onEnd?: () => void): Promise<void> {
    const id = this.nextId++;
    const guard = new FrameGuard(this.limits.preHello, (reason) => refuse(reason));
    // The guard ends (and the reader with it) when the transport does; a refused client's transport is destroyed.
    pipeline(stream.readable, guard, () => undefined);
    // Event log lines go to the wire as written (rpc/rawJson.ts): no parse and re-stringify per event.
    const writer = new ReplyThenClose(stream.writable, { charset: 'utf-8', contentTypeEncoder: rawAwareJsonEncoder });
    const connection = createMessageConnection(messageReader(guard), writer);
    const closeCbs: (() => void)[] = [];
    let closed = false;
    let authed = false;
    const ctx: ConnectionContext = {
      id,
      notify<N extends NotificationMethod>(method: N, params: Notifications[N]): Promise<void> {
        if (closed || !authed) return Promise.resolve();
        return connection.sendNotification(method, params).catch(() => undefined);
      },
      onClose(cb) {
        closeCbs.push(cb);
      },
      close: () => end(),
    };
    const end = (): void => {
      if (closed) return;
      closed = true;
      clearTimeout(deadline);
      this.unauthenticated.delete(id);
      this.connections.delete(connection);
      this.contexts.delete(ctx);
      for (const cb of closeCbs) cb();
      connection.dispose();
      info(`client #${id} (${label}) disconnected`);
      onEnd?.();
    };
    /** Close at once, without reading another byte (the transport is destroyed). */
    const refuse = (reason: string): void => {
      if (closed) return;
      this.refused++;
      warn(`client #${id} (${label}): ${reason}; closing`);
      guard.destroy();
      (stream.readable as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      end();
    };
    writer.onSent = end;
    // Before hello: a deadline, and a cap on how many wait at once (the oldest goes first).
    const deadline = setTimeout(() => refuse(`no agent/hello within ${this.limits.helloDeadlineMs} ms`), this.limits.helloDeadlineMs);
    deadline.unref();
    if (this.unauthenticated.size >= this.limits.maxUnauthenticated) {
      const [oldest, refuseOldest] = this.unauthenticated.entries().next().value as [number, () => void];
      this.unauthenticated.delete(oldest);
      refuseOldest();
    }
    this.unauthenticated.set(id, () => refuse(`pushed out: ${this.limits.maxUnauthenticated} newer connections are waiting for agent/hello`));
    connection.onRequest(async (method, params, token) => {
      if (method === 'agent/hello') {
        const p = (params ?? {}) as { token?: unknown; client?: unknown; protocolVersion?: unknown };
        if (typeof p.token !== 'string' || !sameToken(p.token, this.token)) {
          warn(`client #${id} (${label}): agent/hello with a wrong token; closing`);
          writer.closeAfterNextReply();
          throw new ResponseError(RpcErrors.Unauthorized, 'agent/hello: wrong token');
        }
        if (p.protocolVersion !== PROTOCOL_VERSION) {
          if (!authed) writer.closeAfterNextReply();
          throw new ResponseError(RpcErrors.Unauthorized, `agent/hello: protocol version ${String(p.protocolVersion)} not supported; this agent speaks ${PROTOCOL_VERSION}`);
        }
        authed = true;
        clearTimeout(deadline);
        this.unauthenticated.delete(id);
        guard.limits = this.limits.authenticated;
        info(`client #${id} (${label}) connected: ${String(p.client ?? 'unnamed')}`);
        const result: RequestResult<'agent/hello'> = {
          agentVersion: this.daemon.agentVersion,
          protocolVersion: PROTOCOL_VERSION,
          pid: process.pid,
          bundleHash: this.daemon.bundleHash,
          runsDir: this.daemon.runsDir,
        };
        return result;
      }
      if (!authed) {
        warn(`client #${id} (${label}): ${method} before agent/hello; closing`);
        writer.closeAfterNextReply();
        throw new ResponseError(RpcErrors.Unauthorized, `${method}: refused, call agent/hello with the token first`);
      }
      const handler = (this.handlers as Record<string, DaemonHandlerMap[RequestMethod]>)[method];
      if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method ${method}`);
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort(new Error(`${method} cancelled by the client`)));
      try {
        checkParams(method, params);
        return await (handler as (p: unknown, d: Daemon, c: ConnectionContext, s: AbortSignal) => Promise<unknown>)(params ?? {}, this.daemon, ctx, ac.signal);
      } catch (e) {
        throw toResponseError(e);
      } finally {
        sub.dispose();
      }
    });
    connection.onNotification((method) => {
      if (!authed) refuse(`notification ${method} before agent/hello`);
    });
    connection.onError(([e]) => {
      if (!authed) refuse(`unreadable message before agent/hello (${e.message})`);
      else warn(`client #${id} (${label}): ${e.message}`);
    });
    this.connections.set(connection, end);
    this.contexts.add(ctx);
    const done = new Promise<void>((resolve) => {
      connection.onClose(() => {
        end();
        resolve();
      });
    });
    connection.listen();
    return done;
  }

  /** Close every client connection (their transports too). */
  close(): void {
    this.unsink();
    for (const end of [...this.connections.values()]) end();
  }
}
