/**
 * A `fetch` for the openai package built on node:http/https with keep-alive agents. The global fetch (undici) costs
 * several times more CPU per request than node:http, and at a few hundred requests per second that CPU is what
 * limits the pipeline (see test/bench/pipeline.bench.ts). Only what the package uses is implemented: method,
 * headers, a string/Buffer body, the abort signal; the answer is read whole into a small Response-shaped object
 * (status, ok, headers, url, json(), text(); `body` is null — the pipeline never streams).
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

/** The part of `Response` the openai package reads from a non-streaming answer. */
class BufferedResponse {
  readonly body = null;
  readonly bodyUsed = false;
  readonly redirected = false;
  readonly type = 'basic';
  constructor(readonly url: string, readonly status: number, readonly statusText: string, readonly headers: Headers, private data: Buffer) {}
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

export const httpFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!mod) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
    const body = init.body === undefined || init.body === null ? undefined : typeof init.body === 'string' || Buffer.isBuffer(init.body) ? init.body : undefined;
    if (init.body && body === undefined) return reject(new TypeError('httpFetch: only string or Buffer bodies are supported'));
    const headers = headersOf(init.headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = mod.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (!res.complete) return fail(new TypeError('terminated', { cause: new Error('the connection closed before the response ended') }));
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
          else if (v !== undefined) h.set(k, v);
        }
        cleanup();
        resolve(new BufferedResponse(url.href, res.statusCode ?? 0, res.statusMessage ?? '', h, Buffer.concat(chunks)) as unknown as Response);
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
      fail(signal?.reason ?? new DOMException('aborted', 'AbortError'));
    };
    const cleanup = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
    req.end(body);
  });
