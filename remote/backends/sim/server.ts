/**
 * The simulated OpenAI-compatible model server (HTTP on 127.0.0.1 only):
 *   GET  /health                 200 {"status":"ok"}
 *   GET  /v1/models              sim-base + checkpoint folders under modelDir
 *   GET  /v1/models/{id}
 *   POST /v1/chat/completions    n, seed, temperature, top_p, max_tokens (or max_completion_tokens), stop,
 *                                stream (+ stream_options.include_usage); OpenAI error bodies and status codes
 * The request's kind is recognised from the content alone: a judge prompt, a few-shot new-instruction request, or
 * (anything else) an instruction to answer. Token counts use a documented approximation: one token per 4
 * characters, rounded up, per message (prompt) and per choice (completion).
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SimServerOptions as ProtocolSimServerOptions } from '../../protocol';
import { CapacityModel } from './capacity';
import { FaultInjector, type FaultKind } from './faults';
import { generateAnswer } from './answers';
import { parseFewShot, writeInstruction } from './instructions';
import { judge, parseJudgePrompt } from './judge';
import { evalJudge, parseEvalJudgePrompt } from './evalJudge';
import { metaJudge, parseMetaPrompt } from './metaJudge';
import { BUILTIN_POLICIES, ModelNotFoundError, isBuiltinModel, judgeParamsOf, latentSpace, listCheckpoints, loadPolicy, type SimPolicy } from './policy';
import { Rng, hashSeed } from './rng';

/** The run config's sim options (maxConcurrency, tokensPerSecond, ttftMs, zeroLatency, malformedJudgmentRate,
 * faults) plus what only a standalone server needs. */
export interface SimServerOptions extends ProtocolSimServerOptions {
  port?: number;
  host?: '127.0.0.1';
  /** folder relative model ids resolve against, and whose checkpoints /v1/models lists */
  modelDir?: string;
  /** seed of the fault decisions (default 0) */
  faultSeed?: number;
  /** retry-after advertised with injected 429s (default 1000 ms) */
  retryAfterMs?: number;
}

export interface SimServer {
  baseUrl: string;
  port: number;
  close(): Promise<void>;
  stats(): { requests: number; sequences: number; faults: Record<string, number> };
}

export const SIM_DEFAULTS = { maxConcurrency: 64, tokensPerSecond: 400, ttftMs: 40, malformedJudgmentRate: 0.05, retryAfterMs: 1000 } as const;
export const CHARS_PER_TOKEN = 4;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export function approxTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly type: string, readonly param: string | null = null, readonly code: string | null = null) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

function sendError(res: http.ServerResponse, e: HttpError, headers: Record<string, string> = {}): void {
  sendJson(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } }, headers);
}

type RequestKind = 'judge' | 'instruction' | 'answer';

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  n: number;
  seed?: number;
  temperature: number;
  topP: number;
  maxTokens?: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
}

function messageText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: { type?: string; text?: unknown }, j) => {
        if (p && p.type === 'text' && typeof p.text === 'string') return p.text;
        throw new HttpError(400, `messages[${i}].content[${j}]: only text parts are supported`, 'invalid_request_error', `messages.${i}.content`);
      })
      .join('\n');
  }
  if (content === null || content === undefined) return '';
  throw new HttpError(400, `messages[${i}].content must be a string or a list of text parts`, 'invalid_request_error', `messages.${i}.content`);
}

function parseChatRequest(raw: unknown): ChatRequest {
  const bad = (param: string, message: string): never => {
    throw new HttpError(400, message, 'invalid_request_error', param);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) bad('body', 'the request body must be a JSON object');
  const r = raw as Record<string, unknown>;
  if (typeof r.model !== 'string' || !r.model) bad('model', 'you must provide a model parameter');
  if (!Array.isArray(r.messages) || r.messages.length === 0) bad('messages', "'messages' must be a non-empty array");
  const messages = (r.messages as unknown[]).map((m, i) => {
    const mm = m as { role?: unknown; content?: unknown } | null;
    if (!mm || typeof mm !== 'object' || typeof mm.role !== 'string') return bad(`messages.${i}.role`, `messages[${i}] must be an object with a string role`);
    if (!['system', 'user', 'assistant', 'developer', 'tool'].includes(mm.role)) bad(`messages.${i}.role`, `messages[${i}].role ${JSON.stringify(mm.role)} is not one of system, user, assistant, developer, tool`);
    return { role: mm.role, content: messageText(mm.content, i) };
  });
  const num = (name: string, lo: number, hi: number, integer: boolean): number | undefined => {
    const v = r[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < lo || v > hi) {
      bad(name, `${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}] (got ${JSON.stringify(v)})`);
    }
    return v as number;
  };
  const n = num('n', 1, 128, true) ?? 1;
  const temperature = num('temperature', 0, 2, false) ?? 1;
  const topP = num('top_p', 0, 1, false) ?? 1;
  if (topP === 0) bad('top_p', 'top_p must be greater than 0');
  const maxTokens = num('max_completion_tokens', 1, 1e6, true) ?? num('max_tokens', 1, 1e6, true);
  const seed = num('seed', -(2 ** 63), 2 ** 64, true);
  let stop: string[] = [];
  if (typeof r.stop === 'string') stop = [r.stop];
  else if (Array.isArray(r.stop)) {
    if (r.stop.length > 4 || r.stop.some((s) => typeof s !== 'string')) bad('stop', 'stop must be a string or a list of up to 4 strings');
    stop = r.stop as string[];
  } else if (r.stop !== undefined && r.stop !== null) bad('stop', 'stop must be a string or a list of up to 4 strings');
  if (r.stream !== undefined && r.stream !== null && typeof r.stream !== 'boolean') bad('stream', 'stream must be a boolean');
  const so = r.stream_options as { include_usage?: unknown } | undefined | null;
  return {
    model: r.model as string,
    messages,
    n,
    seed,
    temperature,
    topP,
    maxTokens,
    stop: stop.filter((s) => s.length > 0),
    stream: r.stream === true,
    includeUsage: !!(so && so.include_usage === true),
  };
}

/** Cut at the first stop string, then at max_tokens. */
function finish(text: string, stop: string[], maxTokens: number | undefined): { text: string; finishReason: 'stop' | 'length' } {
  let out = text;
  for (const s of stop) {
    const i = out.indexOf(s);
    if (i >= 0) out = out.slice(0, i);
  }
  if (maxTokens !== undefined && approxTokens(out) > maxTokens) return { text: out.slice(0, maxTokens * CHARS_PER_TOKEN), finishReason: 'length' };
  return { text: out, finishReason: 'stop' };
}

export function startSimServer(opts: SimServerOptions = {}): Promise<SimServer> {
  const host = '127.0.0.1';
  if (opts.host && opts.host !== host) return Promise.reject(new Error(`sim server: host must be 127.0.0.1 (loopback only), got ${opts.host}`));
  const capacity = new CapacityModel({
    maxConcurrency: opts.maxConcurrency ?? SIM_DEFAULTS.maxConcurrency,
    tokensPerSecond: opts.tokensPerSecond ?? SIM_DEFAULTS.tokensPerSecond,
    ttftMs: opts.ttftMs ?? SIM_DEFAULTS.ttftMs,
    zeroLatency: opts.zeroLatency ?? false,
  });
  if (!(capacity.opts.maxConcurrency >= 1) || !Number.isInteger(capacity.opts.maxConcurrency)) return Promise.reject(new Error('sim server: maxConcurrency must be an integer >= 1'));
  if (!(capacity.opts.tokensPerSecond > 0)) return Promise.reject(new Error('sim server: tokensPerSecond must be > 0'));
  if (!(capacity.opts.ttftMs >= 0)) return Promise.reject(new Error('sim server: ttftMs must be >= 0'));
  const malformedRate = opts.malformedJudgmentRate ?? SIM_DEFAULTS.malformedJudgmentRate;
  if (!(malformedRate >= 0 && malformedRate <= 1)) return Promise.reject(new Error('sim server: malformedJudgmentRate must be in [0, 1]'));
  let faults: FaultInjector;
  try {
    faults = new FaultInjector(opts.faults ?? {}, opts.faultSeed ?? 0);
  } catch (e) {
    return Promise.reject(e);
  }
  const retryAfterMs = opts.retryAfterMs ?? SIM_DEFAULTS.retryAfterMs;
  const inflight = new Set<AbortController>();
  const sockets = new Set<Socket>();
  let requests = 0;
  let sequences = 0;
  let unseeded = 0;

  /**
   * The model as the sampling seed knows it — a name, never where its files are (a checkpoint's id is an absolute
   * folder that holds the run's timestamp): a built-in model by its name, a checkpoint by its lineage and the
   * parameters it holds. So the same config and seed sample the same texts in any run folder, on any machine.
   */
  function seedName(model: string, policy: SimPolicy): string {
    return isBuiltinModel(model) ? model : `${policy.base}+${hashSeed(JSON.stringify([policy.priors, policy.weights, policy.judge ?? null])).toString(16)}`;
  }

  function policyFor(model: string): SimPolicy {
    try {
      return loadPolicy(model, opts.modelDir);
    } catch (e) {
      if (e instanceof ModelNotFoundError) throw new HttpError(404, e.message, 'invalid_request_error', 'model', 'model_not_found');
      throw new HttpError(500, `cannot load model ${model}: ${(e as Error).message}`, 'server_error');
    }
  }

  function generate(req: ChatRequest, policy: SimPolicy): { kind: RequestKind; texts: string[] } {
    const user = [...req.messages].reverse().find((m) => m.role === 'user');
    const prompt = user?.content ?? req.messages[req.messages.length - 1].content;
    // the task may be split between a system message and the user turn: look at the last user turn first, then at
    // the whole conversation
    const whole = req.messages.filter((m) => m.role !== 'assistant').map((m) => m.content).join('\n\n');
    // evaluation judges (pairwise, 1–10 grading: evalJudge.ts) are recognised first; then a meta-judge prompt, which
    // holds a judge's material too (instruction, response, scores)
    const ev = parseEvalJudgePrompt(prompt) ?? (whole !== prompt ? parseEvalJudgePrompt(whole) : undefined);
    const mj = ev ? undefined : parseMetaPrompt(prompt) ?? (whole !== prompt ? parseMetaPrompt(whole) : undefined);
    const j = mj ? undefined : parseJudgePrompt(prompt) ?? (whole !== prompt ? parseJudgePrompt(whole) : undefined);
    const examples = j || mj ? undefined : parseFewShot(prompt) ?? (whole !== prompt ? parseFewShot(whole) : undefined);
    const kind: RequestKind = j || mj ? 'judge' : examples ? 'instruction' : 'answer';
    const base = req.seed ?? hashSeed('unseeded', unseeded++, Date.now());
    const name = seedName(req.model, policy);
    const texts: string[] = [];
    for (let i = 0; i < req.n; i++) {
      // temperature 0: one fixed output, whatever the seed (greedy decoding)
      // A verdict's draws come from the request (seed, choice, prompt), not from which model judges: two judges asked
      // the same thing with the same seed differ only by what they are (common random numbers), so comparing judges
      // measures the judges, not the luck of their draws.
      const who = j || mj ? 'judge' : name;
      const seed = req.temperature <= 0 ? hashSeed('greedy', who, prompt) : hashSeed(base, i, who, prompt);
      const rng = new Rng(seed);
      if (ev) texts.push(evalJudge(ev, req.temperature, rng, malformedRate > 0 && new Rng(hashSeed('malformed', seed)).next() < malformedRate, policy.judge?.perception));
      else if (mj) {
        const malformed = malformedRate > 0 && new Rng(hashSeed('malformed', seed)).next() < malformedRate;
        texts.push(metaJudge(mj, req.temperature, rng, judgeParamsOf(policy), malformed).text);
      } else if (j) {
        const malformed = malformedRate > 0 && new Rng(hashSeed('malformed', seed)).next() < malformedRate;
        texts.push(judge(j, req.temperature, rng, malformed, policy.judge).text);
      } else if (examples) texts.push(writeInstruction(examples, rng));
      else texts.push(generateAnswer(policy, prompt, req.temperature, req.topP, rng));
    }
    return { kind, texts };
  }

  async function chat(res: http.ServerResponse, body: string, abort: AbortSignal): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch (e) {
      throw new HttpError(400, `the request body is not valid JSON: ${(e as Error).message}`, 'invalid_request_error', 'body');
    }
    const req = parseChatRequest(raw);
    const policy = policyFor(req.model);
    const fault: FaultKind | undefined = faults.next();
    if (fault === '429') {
      throw Object.assign(new HttpError(429, 'simulated rate limit: too many requests, retry later', 'rate_limit_error', null, 'rate_limit_exceeded'), { retryAfterMs });
    }
    if (fault === '500') throw new HttpError(500, 'simulated internal server error', 'server_error');

    const { texts } = generate(req, policy);
    const finished = texts.map((t) => finish(t, req.stop, req.maxTokens));
    const tokenized = finished.map((f) => Array.from({ length: approxTokens(f.text) }, (_, k) => f.text.slice(k * CHARS_PER_TOKEN, (k + 1) * CHARS_PER_TOKEN)));
    const promptTokens = req.messages.reduce((a, m) => a + approxTokens(m.content), 0);
    const completionTokens = tokenized.reduce((a, t) => a + t.length, 0);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const id = `chatcmpl-sim-${hashSeed(body, requests).toString(16)}`;
    const created = Math.floor(Date.now() / 1000);
    const fingerprint = `sim-${hashSeed(JSON.stringify(policy.weights)).toString(16)}`;

    const slots = await capacity.acquire(req.n, abort);
    let held = slots;
    const releaseOne = (): void => {
      if (held > 0) {
        held--;
        capacity.release(1);
      }
    };
    try {
      sequences += req.n;
      if (req.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        let cutting = false;
        const chunk = (choices: unknown[], extra: Record<string, unknown> = {}, flushed?: () => void): void => {
          if (!cutting && !res.writableEnded && !res.destroyed) {
            res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: req.model, system_fingerprint: fingerprint, choices, ...extra })}\n\n`, flushed);
          }
        };
        // a connection cut mid-stream: the socket is destroyed once about half the tokens went out
        const cutAfter = (): void => {
          cutting = true;
          const sock = res.socket;
          res.write('', () => sock?.destroy());
        };
        for (let i = 0; i < req.n; i++) chunk([{ index: i, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
        if (fault === 'hang') return await hang(abort);
        if (fault === 'malformed') {
          // a data line whose JSON is broken, then a normal end of stream
          res.write(`data: {"id":"${id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"unterminated\n\n`);
          res.end('data: [DONE]\n\n');
          return;
        }
        let emitted = 0;
        const total = tokenized.reduce((a, t) => a + t.length, 0);
        await runChoices(req.n, slots, async (i) => {
          await capacity.decode(tokenized[i].length, (from, to) => {
            chunk([{ index: i, delta: { content: tokenized[i].slice(from, to).join('') }, logprobs: null, finish_reason: null }]);
            emitted += to - from;
            if (fault === 'cut' && !cutting && emitted >= total / 2) cutAfter();
          }, abort);
          chunk([{ index: i, delta: {}, logprobs: null, finish_reason: finished[i].finishReason }]);
          releaseOne();
        });
        if (fault === 'cut') {
          if (!cutting) cutAfter();
          return;
        }
        if (req.includeUsage) chunk([], { usage });
        res.end('data: [DONE]\n\n');
        return;
      }
      await runChoices(req.n, slots, async (i) => {
        await capacity.decode(tokenized[i].length, () => undefined, abort);
        releaseOne();
      });
      if (fault === 'hang') return await hang(abort);
      const payload = JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model: req.model,
        system_fingerprint: fingerprint,
        choices: finished.map((f, i) => ({ index: i, message: { role: 'assistant', content: f.text, refusal: null }, logprobs: null, finish_reason: f.finishReason })),
        usage,
      });
      if (fault === 'malformed') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(payload.slice(0, Math.floor(payload.length / 2)));
        return;
      }
      if (fault === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        res.write(payload.slice(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    } finally {
      capacity.release(held);
      held = 0;
    }
  }

  /** Decode the n choices of one request on its `slots` slots (extra choices wait for a slot of this request). */
  async function runChoices(n: number, slots: number, run: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(n, slots) }, async () => {
        while (next < n) await run(next++);
      }),
    );
  }

  /** A hung response: the connection stays open and silent until the client gives up or the server closes. */
  function hang(abort: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (abort.aborted) return resolve();
      abort.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  function models(): unknown {
    const created = Math.floor(Date.now() / 1000);
    const ids = [...Object.keys(BUILTIN_POLICIES), ...(opts.modelDir ? listCheckpoints(opts.modelDir) : [])];
    return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'selfreward-sim', root: id, parent: null })) };
  }

  const server = http.createServer((req, res) => {
    requests++;
    // aborted when the client goes away or the server closes: frees the request's slots and timers
    const ctl = new AbortController();
    inflight.add(ctl);
    res.on('close', () => {
      inflight.delete(ctl);
      ctl.abort();
    });
    const url = new URL(req.url ?? '/', `http://${host}`);
    const route = url.pathname.replace(/\/+$/, '');
    const fail = (e: unknown): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) {
        const ra = (e as HttpError & { retryAfterMs?: number }).retryAfterMs;
        sendError(res, e, ra !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(ra / 1000))), 'retry-after-ms': String(ra) } : {});
      } else if ((e as Error)?.message === 'aborted') res.destroy();
      else sendError(res, new HttpError(500, `sim server error: ${(e as Error)?.message ?? String(e)}`, 'server_error'));
    };
    try {
      if (req.method === 'GET' && route === '/health') return sendJson(res, 200, { status: 'ok' });
      if (req.method === 'GET' && route === '/v1/models') return sendJson(res, 200, models());
      if (req.method === 'GET' && route.startsWith('/v1/models/')) {
        const id = decodeURIComponent(route.slice('/v1/models/'.length));
        policyFor(id);
        return sendJson(res, 200, { id, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'selfreward-sim' });
      }
      if (route === '/v1/chat/completions') {
        if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed on ${route}; use POST`, 'invalid_request_error');
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            fail(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`, 'invalid_request_error'));
            req.destroy();
          } else chunks.push(c);
        });
        req.on('end', () => {
          if (size > MAX_BODY_BYTES) return;
          chat(res, Buffer.concat(chunks).toString('utf8'), ctl.signal).catch(fail);
        });
        return;
      }
      throw new HttpError(404, `no route ${req.method} ${route}`, 'invalid_request_error', null, 'not_found');
    } catch (e) {
      fail(e);
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  // calibrate the policy's latent space now (about half a second, once per process), not on the first request
  latentSpace();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        baseUrl: `http://${host}:${port}/v1`,
        port,
        stats: () => ({ requests, sequences, faults: { ...faults.counts } }),
        close: () =>
          new Promise<void>((done) => {
            for (const c of inflight) c.abort();
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
