import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InferenceClient } from '../../../remote/inference/client';
import { runPool, arrayTasks } from '../../../remote/inference/pool';
import { backoffMs, retryAfterMs } from '../../../remote/inference/retry';
import { APIError } from 'openai';

// A scripted OpenAI-compatible server: each request takes the next behaviour from the script for its prompt.
type Behaviour = 'ok' | '429' | '500' | 'hang' | 'cut' | 'garbage' | '400' | 'one-choice';
const scripts = new Map<string, Behaviour[]>();
const seen: { prompt: string; at: number; n: number }[] = [];
let inFlight = 0;
let maxInFlight = 0;
/** Called with each request's prompt and behaviour as it arrives (tests hook in here). */
let onRequest: (prompt: string, b: Behaviour) => void = () => undefined;
/** 'ok' answers of prompts with this prefix wait until this many are in flight at once. */
let barrier: { prefix: string; size: number; waiting: (() => void)[] } | undefined;
const sockets = new Set<import('node:net').Socket>();

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const j = JSON.parse(body) as { messages: { content: string }[]; n: number; seed: number };
    const prompt = j.messages[0].content;
    seen.push({ prompt, at: Date.now(), n: j.n });
    const b = scripts.get(prompt)?.shift() ?? 'ok';
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    onRequest(prompt, b);
    const ok = (n: number) => JSON.stringify({
      id: 'x', object: 'chat.completion', created: 0, model: 'm',
      choices: Array.from({ length: n }, (_, i) => ({ index: i, message: { role: 'assistant', content: `${prompt}#${j.seed}#${i}` }, finish_reason: 'stop' })),
      usage: { prompt_tokens: 1, completion_tokens: 3 * n, total_tokens: 1 + 3 * n },
    });
    const json = { 'content-type': 'application/json' };
    switch (b) {
      case 'ok': {
        const answer = () => res.writeHead(200, json).end(ok(j.n));
        if (barrier && prompt.startsWith(barrier.prefix)) {
          // hold the answers until the pool has filled up once (so reaching `size` never depends on timing)
          barrier.waiting.push(answer);
          if (barrier.waiting.length >= barrier.size) {
            const go = barrier.waiting.splice(0);
            barrier = undefined;
            for (const g of go) g();
          }
        } else setImmediate(answer);
        break;
      }
      case 'one-choice': res.writeHead(200, json).end(ok(1)); break;
      case '429': res.writeHead(429, { ...json, 'retry-after-ms': '150' }).end('{"error":{"message":"slow down"}}'); break;
      case '500': res.writeHead(500, json).end('{"error":{"message":"boom"}}'); break;
      case '400': res.writeHead(400, json).end('{"error":{"message":"bad model"}}'); break;
      case 'hang': break; // never answers
      case 'cut': { const s = ok(j.n); res.writeHead(200, { ...json, 'content-length': String(s.length) }); res.write(s.slice(0, 20)); setTimeout(() => res.destroy(), 5); break; }
      case 'garbage': res.writeHead(200, json).end('{"choices": "not a list"}'); break;
    }
  });
});
server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
let base = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => { for (const s of sockets) s.destroy(); server.close(); });

// A long timeout by default: only the tests about hung requests (which hang for sure) use a short one.
const client = (o: Partial<{ maxRetries: number; timeoutMs: number }> = {}) =>
  new InferenceClient({ baseUrls: [base], model: 'm' }, { maxRetries: 4, timeoutMs: 60_000, baseDelayMs: 10, maxDelayMs: 40, ...o });
const req = (prompt: string, n = 2) => ({ prompt, n, temperature: 0.7, topP: 0.9, maxTokens: 16, seed: 7 });
const never = new AbortController().signal;

test('every fault kind is retried until an answer comes', async () => {
  scripts.set('faults', ['500', '429', 'hang', 'cut', 'garbage', 'ok']);
  // Only the hung attempt may time out, whatever the machine's load: the client reads its timeout when an attempt
  // starts, so the attempt before the hang sets a short one for it and the hang itself restores a long one.
  const c = client({ maxRetries: 5 });
  onRequest = (prompt, b) => {
    if (prompt !== 'faults') return;
    if (b === '429') c.opts.timeoutMs = 100; // the next attempt is the hang
    if (b === 'hang') c.opts.timeoutMs = 60_000;
  };
  const r = await c.chat(req('faults'), never).finally(() => (onRequest = () => undefined));
  assert.deepEqual(r.choices.map((x) => x.text), ['faults#7#0', 'faults#7#1']);
  assert.equal(r.completionTokens, 6);
  assert.equal(c.stats.retries, 5);
  assert.equal(seen.filter((s) => s.prompt === 'faults').length, 6);
});

test('retry-after is honoured on 429', async () => {
  scripts.set('limited', ['429', 'ok']);
  await client().chat(req('limited'), never);
  const times = seen.filter((s) => s.prompt === 'limited').map((s) => s.at);
  assert.ok(times[1] - times[0] >= 140, `waited ${times[1] - times[0]} ms, server asked for 150`);
});

test('after the last retry the error is thrown with its reason; 4xx is not retried', async () => {
  scripts.set('down', ['500', '500', '500']);
  await assert.rejects(client({ maxRetries: 2 }).chat(req('down'), never), /HTTP 500|500/);
  assert.equal(seen.filter((s) => s.prompt === 'down').length, 3);
  scripts.set('bad', ['400']);
  await assert.rejects(client().chat(req('bad'), never), /400/);
  assert.equal(seen.filter((s) => s.prompt === 'bad').length, 1);
  scripts.set('hung', ['hang', 'hang']);
  await assert.rejects(client({ maxRetries: 1, timeoutMs: 150 }).chat(req('hung'), never), /timed out after 150 ms/);
});

test('a server that ignores n gets follow-up requests for the missing choices', async () => {
  scripts.set('llamacpp', ['one-choice', 'one-choice', 'one-choice']);
  const r = await client().chat(req('llamacpp', 3), never);
  assert.equal(r.choices.length, 3);
  assert.deepEqual(seen.filter((s) => s.prompt === 'llamacpp').map((s) => s.n), [3, 2, 1]);
  // seeds differ per follow-up so the extra samples are not copies
  assert.equal(new Set(r.choices.map((c) => c.text)).size, 3);
});

test('abort cancels in-flight requests at once and is not retried', async () => {
  scripts.set('stuck', ['hang']);
  const ac = new AbortController();
  const t0 = Date.now();
  const p = client({ timeoutMs: 10_000 }).chat(req('stuck'), ac.signal);
  setTimeout(() => ac.abort(new Error('stop requested')), 50);
  await assert.rejects(p, /stop requested|abort/i);
  assert.ok(Date.now() - t0 < 10_000, 'the abort ended it, not the request timeout');
  assert.equal(seen.filter((s) => s.prompt === 'stuck').length, 1);
});

test('the pool keeps exactly `concurrency` requests in flight', async () => {
  maxInFlight = 0;
  barrier = { prefix: 'pool-', size: 8, waiting: [] };
  const c = client();
  const items = Array.from({ length: 40 }, (_, i) => `pool-${i}`);
  const out: string[] = [];
  await runPool(8, arrayTasks(items, async (p) => { out.push((await c.chat(req(p, 1), never)).choices[0].text); }), never);
  assert.equal(out.length, 40);
  assert.equal(maxInFlight, 8);
});

test('the pool stops pulling after a task throws and rethrows it', async () => {
  let started = 0;
  const tasks = arrayTasks(Array.from({ length: 100 }, (_, i) => i), async (i) => {
    started++;
    await new Promise((r) => setTimeout(r, 5));
    if (i === 3) throw new Error('disk full');
  });
  await assert.rejects(runPool(4, tasks, never), /disk full/);
  assert.ok(started < 20, `started ${started}`);
});

test('backoff grows exponentially with full jitter; retry-after parsing', () => {
  assert.equal(backoffMs(1, 500, 30_000, () => 1), 500);
  assert.equal(backoffMs(4, 500, 30_000, () => 1), 4000);
  assert.equal(backoffMs(10, 500, 30_000, () => 1), 30_000);
  assert.equal(backoffMs(3, 500, 30_000, () => 0), 0);
  const err = (h: Record<string, string>) => new APIError(429, undefined, 'x', new Headers(h));
  assert.equal(retryAfterMs(err({ 'retry-after': '2' })), 2000);
  assert.equal(retryAfterMs(err({ 'retry-after-ms': '120' })), 120);
  assert.equal(retryAfterMs(err({ 'retry-after': new Date(10_000).toUTCString() }), 7000), 3000);
  assert.equal(retryAfterMs(err({})), undefined);
});
