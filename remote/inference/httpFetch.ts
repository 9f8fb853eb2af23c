/**
 * A `fetch` for the openai package built on node:http/https with keep-alive agents. The global fetch (undici) costs
 * several times more CPU per request than node:http, and at a few hundred requests per second that CPU is what
 * limits the pipeline (see test/bench/pipeline.bench.ts). Only what the package uses is implemented: method,
 * headers, a string/Buffer body, the abort signal (and the caller's stop signal, STOP_SIGNAL); the answer is read
 * whole into a small Response-shaped object (status, ok, headers, url, json(), text(); `body` is null — the pipeline
 * never streams), so a timeout on the fetch covers the body too.
 * A connection that ends before the body does (a cut response) rejects with TypeError('terminated'), like undici.
 */
import * as http from 'node:http';
import * as https from 'node:https';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 }),
};

function headersOf(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k.toLowerCase()] = v;
  else for (const [k, v] of Object.entries(h)) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  return out;
}

/**
 * The response headers as the package reads them (get, has, entries, iteration), over node's parsed header object:
 * no Headers object is built and filled per response.
 */
class NodeHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}
  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  forEach(fn: (value: string, name: string) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }
  *entries(): IterableIterator<[string, string]> {
    for (const k of Object.keys(this.raw)) {
      const v = this.get(k);
      if (v !== null) yield [k, v];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** The part of `Response` the openai package reads from a non-streaming answer. */
class BufferedResponse {
  readonly body = null;
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly type = 'basic';
  constructor(readonly url: string, readonly status: number, readonly statusText: string, readonly headers: NodeHeaders, private data: Buffer) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  async text(): Promise<string> {
    return this.data.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.data.toString('utf8'));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return new Uint8Array(this.data).buffer;
  }
}

/**
 * A second signal a caller can pass through the package's `fetchOptions` under this key: the pipeline's stop
 * signal, shared by every request, listened to here only while the request runs.
 */
export const STOP_SIGNAL = 'selfrewardStop';

const aborted = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('aborted', 'AbortError');

export const httpFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!mod) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const signal = init.signal ?? undefined;
    const stop = (init as { [STOP_SIGNAL]?: AbortSignal })[STOP_SIGNAL];
    if (signal?.aborted) return reject(aborted(signal));
    if (stop?.aborted) return reject(aborted(stop));
    const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' || Buffer.isBuffer(init.body) ? init.body : undefined;
    if (init.body && body === undefined) return reject(new TypeError('httpFetch: only string or Buffer bodies are supported'));
    const headers = headersOf(init.headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = mod.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (!res.complete) return fail(new TypeError('terminated', { cause: new Error('the connection closed before the response ended') }));
        cleanup();
        const data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        resolve(new BufferedResponse(url.href, res.statusCode ?? 0, res.statusMessage ?? '', new NodeHeaders(res.headers), data) as unknown as Response);
      });
      res.on('aborted', () => fail(new TypeError('terminated', { cause: new Error('other side closed') })));
      res.on('error', (e) => fail(new TypeError('terminated', { cause: e })));
    });
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      cleanup();
      reject(e);
    };
    const onAbort = (): void => {
      req.destroy();
      fail(stop?.aborted ? aborted(stop) : signal ? aborted(signal) : new DOMException('aborted', 'AbortError'));
    };
    const cleanup = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      stop?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stop?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
    req.end(body);
  });
