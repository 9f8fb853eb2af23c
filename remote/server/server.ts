/**
 * The JSON-RPC side of the daemon: one vscode-jsonrpc connection per client (Unix socket or stdio), token
 * authentication by `agent/hello` before anything else, dispatch to the handler groups, and errors mapped to the
 * RpcErrors codes with messages that say what went wrong.
 */
import * as crypto from 'node:crypto';
import { createMessageConnection, ResponseError, ErrorCodes, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { PROTOCOL_VERSION, RpcErrors } from '../protocol';
import type { Notifications, NotificationMethod, RequestMethod, RequestResult } from '../protocol';
import { ConfigError } from '../config/config';
import { LockedError } from '../store/lock';
import { addLogSink, info, warn } from '../log';
import { AgentError } from './types';
import type { ConnectionContext, HandlerMap } from './types';
import type { Daemon, DaemonHandlerMap } from './daemon';

export interface Duplex {
  readable: NodeJS.ReadableStream;
  writable: NodeJS.WritableStream;
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
  private unsink: () => void;

  constructor(readonly daemon: Daemon, private readonly token: string, groups: (DaemonHandlerMap | HandlerMap)[]) {
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

  /** Serve one client over a pair of streams. Resolves when the connection closes. */
  serve(stream: Duplex, label: string, onEnd?: () => void): Promise<void> {
    const connection = createMessageConnection(new StreamMessageReader(stream.readable), new StreamMessageWriter(stream.writable));
    const id = this.nextId++;
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
      this.connections.delete(connection);
      this.contexts.delete(ctx);
      for (const cb of closeCbs) cb();
      connection.dispose();
      info(`client #${id} (${label}) disconnected`);
      onEnd?.();
    };
    connection.onRequest(async (method, params, token) => {
      if (method === 'agent/hello') {
        const p = (params ?? {}) as { token?: unknown; client?: unknown; protocolVersion?: unknown };
        if (typeof p.token !== 'string' || !sameToken(p.token, this.token)) {
          warn(`client #${id} (${label}): agent/hello with a wrong token; closing`);
          setTimeout(end, 20);
          throw new ResponseError(RpcErrors.Unauthorized, 'agent/hello: wrong token');
        }
        if (p.protocolVersion !== PROTOCOL_VERSION) {
          throw new ResponseError(RpcErrors.Unauthorized, `agent/hello: protocol version ${String(p.protocolVersion)} not supported; this agent speaks ${PROTOCOL_VERSION}`);
        }
        authed = true;
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
      if (!authed) throw new ResponseError(RpcErrors.Unauthorized, `${method}: refused, call agent/hello with the token first`);
      const handler = (this.handlers as Record<string, DaemonHandlerMap[RequestMethod]>)[method];
      if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown method ${method}`);
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort(new Error(`${method} cancelled by the client`)));
      try {
        return await (handler as (p: unknown, d: Daemon, c: ConnectionContext, s: AbortSignal) => Promise<unknown>)(params ?? {}, this.daemon, ctx, ac.signal);
      } catch (e) {
        throw toResponseError(e);
      } finally {
        sub.dispose();
      }
    });
    connection.onError(([e]) => warn(`client #${id} (${label}): ${e.message}`));
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
