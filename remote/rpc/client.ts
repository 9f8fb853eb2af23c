/**
 * The typed JSON-RPC client of the agent, over any pair of streams: a net.Socket (local Unix socket), a child's
 * stdio, an ssh2 channel. `connectAgent` authenticates with `agent/hello` before it resolves. No vscode import:
 * the extension, the SSH transport and the tests all use it.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import { CancellationTokenSource, createMessageConnection, StreamMessageWriter, type Message } from 'vscode-jsonrpc/node';
import { messageReader } from './reader';
import { PROTOCOL_VERSION } from '../protocol';
import type { Notifications, NotificationMethod, RequestMethod, RequestParams, RequestResult } from '../protocol';

export interface AgentStream {
  readable: NodeJS.ReadableStream;
  writable: NodeJS.WritableStream;
}

export interface RpcDisposable {
  dispose(): void;
}

export interface AgentRpc {
  /** The agent's answer to agent/hello (version, pid, bundle hash, runs folder). */
  readonly hello: RequestResult<'agent/hello'>;
  readonly closed: boolean;
  request<M extends RequestMethod>(method: M, params: RequestParams<M>, signal?: AbortSignal): Promise<RequestResult<M>>;
  onNotification<N extends NotificationMethod>(method: N, handler: (params: Notifications[N]) => void): RpcDisposable;
  /** Called once when the link ends (the agent exited, the socket or channel closed, or dispose()). */
  onClose(cb: () => void): RpcDisposable;
  dispose(): void;
}

/** A JSON-RPC error answer: `code` is one of RpcErrors (or a JSON-RPC standard code). */
export interface RpcErrorLike {
  code: number;
  message: string;
}

export function isRpcError(e: unknown, code?: number): e is RpcErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as RpcErrorLike).code === 'number' && (code === undefined || (e as RpcErrorLike).code === code);
}

/**
 * A writer whose failed write (EPIPE: the agent died mid-write) ends the link instead of rejecting: vscode-jsonrpc's
 * sendRequest rethrows a write error from inside a promise executor it has already rejected, an unhandled rejection
 * in the caller's process. Closing the connection rejects every request in flight instead (and the client reconnects).
 */
class LinkWriter extends StreamMessageWriter {
  constructor(
    writable: NodeJS.WritableStream,
    private readonly onFail: () => void,
  ) {
    super(writable);
  }

  override async write(msg: Message): Promise<void> {
    try {
      await super.write(msg);
    } catch {
      this.onFail();
    }
  }
}

export async function connectAgent(stream: AgentStream, token: string, opts: { client?: string } = {}): Promise<AgentRpc> {
  const connection = createMessageConnection(messageReader(stream.readable), new LinkWriter(stream.writable, () => close()));
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const closeCbs = new Set<() => void>();
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const cb of [...closeCbs]) cb();
    closeCbs.clear();
    connection.dispose();
  };
  connection.onNotification((method, params) => {
    for (const h of handlers.get(method) ?? []) h(params);
  });
  connection.onClose(close);
  connection.onError(() => undefined); // a broken pipe shows as onClose; requests in flight reject on their own
  connection.listen();

  const request = async <M extends RequestMethod>(method: M, params: RequestParams<M>, signal?: AbortSignal): Promise<RequestResult<M>> => {
    if (closed) throw new Error(`${method}: the connection to the agent is closed`);
    signal?.throwIfAborted();
    const cts = new CancellationTokenSource();
    const onAbort = (): void => cts.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return (await connection.sendRequest(method, params, cts.token)) as RequestResult<M>;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  };

  let hello: RequestResult<'agent/hello'>;
  try {
    hello = await request('agent/hello', { token, client: opts.client ?? 'selfreward', protocolVersion: PROTOCOL_VERSION });
  } catch (e) {
    close();
    throw e;
  }
  return {
    hello,
    get closed() {
      return closed;
    },
    request,
    onNotification(method, handler) {
      let set = handlers.get(method);
      if (!set) handlers.set(method, (set = new Set()));
      const h = handler as (p: unknown) => void;
      set.add(h);
      return { dispose: () => set.delete(h) };
    },
    onClose(cb) {
      if (closed) {
        cb();
        return { dispose: () => undefined };
      }
      closeCbs.add(cb);
      return { dispose: () => closeCbs.delete(cb) };
    },
    dispose: close,
  };
}

/** Connect to a daemon's Unix socket and authenticate with the token read from its token file. */
export function connectSocket(socketPath: string, tokenFile: string, opts: { client?: string } = {}): Promise<AgentRpc> {
  const token = fs.readFileSync(tokenFile, 'utf8').trim();
  return new Promise<AgentRpc>((resolve, reject) => {
    const sock = net.connect(socketPath);
    sock.once('error', reject);
    sock.once('connect', () => {
      sock.off('error', reject);
      sock.on('error', () => undefined); // surfaced as close
      const rpc = connectAgent({ readable: sock, writable: sock }, token, opts);
      rpc.then((r) => r.onClose(() => sock.destroy()), () => sock.destroy());
      resolve(rpc);
    });
  });
}

/** Default token file of a socket: beside it. */
export function defaultTokenFile(socketPath: string): string {
  return `${socketPath}.token`;
}
