/** Injected faults happen at about the configured rates (bounded request count, loopback only), and look real. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import OpenAI, { APIError } from 'openai';
import { startSimServer } from '../../../remote/backends/sim/server';

type Outcome = 'ok' | '429' | '500' | 'hang' | 'cut' | 'malformed';

/** Requests still waiting for an answer: a hung one never settles by itself (see `settleHangs`). */
const open = new Set<{ req: http.ClientRequest; resolve: (o: Outcome) => void }>();

/**
 * One raw request over its own connection (node:http, no pooling, so a hung request cannot delay others). No
 * timeout: telling a hung request from a slow one by the clock fails on a loaded machine.
 */
function one(url: string, stream: boolean): Promise<Outcome> {
  return new Promise((resolveOutcome, reject) => {
    const entry = { req: undefined as unknown as http.ClientRequest, resolve: (o: Outcome) => resolveOutcome(o) };
    const resolve = (o: Outcome): void => {
      open.delete(entry);
      resolveOutcome(o);
    };
    const body = JSON.stringify({ model: 'sim-base', messages: [{ role: 'user', content: 'How do I repot a cactus?' }], seed: 1, stream });
    const req = http.request(`${url}/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('error', () => resolve('cut'));
      res.on('aborted', () => resolve('cut'));
      res.on('end', () => {
        if (res.statusCode === 429) {
          if (!(Number(res.headers['retry-after']) >= 1)) reject(new Error('a 429 must carry retry-after'));
          return resolve('429');
        }
        if (res.statusCode === 500) return resolve('500');
        if (stream) {
          if (!text.includes('data: [DONE]')) return resolve('cut');
          try {
            for (const line of text.split('\n')) if (line.startsWith('data: {')) JSON.parse(line.slice(6));
            return resolve('ok');
          } catch {
            return resolve('malformed');
          }
        }
        try {
          JSON.parse(text);
          resolve('ok');
        } catch {
          resolve(res.complete ? 'malformed' : 'cut');
        }
      });
    });
    req.on('error', () => resolve('cut'));
    entry.req = req;
    open.add(entry);
    req.end(body);
  });
}

/**
 * Once every other request has settled, the ones still open are the hung ones (a hang never answers, everything
 * else does — however slowly). The server counts the hangs it decided; a request it has not decided on yet is still
 * open, so "as many open as decided hangs" holds exactly when all the rest have settled. Then call them hangs.
 */
async function settleHangs(total: number, hangs: () => number): Promise<void> {
  const deadline = Date.now() + 120_000; // a guard against a real hang of the test, not a margin it relies on
  while (open.size !== hangs() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(open.size, hangs(), `${open.size} of ${total} requests still open, the server hung ${hangs()}`);
  for (const e of [...open]) {
    open.delete(e);
    e.req.destroy();
    e.resolve('hang');
  }
}

test('each fault kind occurs at about its configured rate', async () => {
  const rates = { rate429: 0.1, rate500: 0.1, rateHang: 0.05, rateCut: 0.1, rateMalformed: 0.1 };
  const server = await startSimServer({ zeroLatency: true, faults: rates, faultSeed: 3 });
  try {
    const total = 400;
    const outcomes: Outcome[] = [];
    const all = Promise.all(Array.from({ length: total }, (_, j) => one(server.baseUrl, j % 2 === 0)));
    await settleHangs(total, () => server.stats().faults.hang ?? 0);
    outcomes.push(...(await all));
    const count = (k: Outcome) => outcomes.filter((o) => o === k).length;
    const expect = { '429': rates.rate429, '500': rates.rate500, hang: rates.rateHang, cut: rates.rateCut, malformed: rates.rateMalformed } as const;
    for (const [k, p] of Object.entries(expect)) {
      const n = count(k as Outcome);
      const sd = Math.sqrt(total * p * (1 - p));
      assert.ok(Math.abs(n - total * p) <= 4 * sd, `${k}: ${n} of ${total}, expected about ${total * p}`);
    }
    // the client saw exactly what the server says it injected
    const injected = server.stats().faults;
    for (const k of ['429', '500', 'hang', 'cut', 'malformed'] as const) assert.equal(injected[k] ?? 0, count(k), k);
    assert.equal(count('ok'), total - Object.values(injected).reduce((a, b) => a + b, 0));
  } finally {
    await server.close();
  }
});

test('faults are off by default, and deterministic for a fault seed', async () => {
  const clean = await startSimServer({ zeroLatency: true });
  try {
    const outs = await Promise.all(Array.from({ length: 50 }, () => one(clean.baseUrl, false)));
    assert.deepEqual(new Set(outs), new Set(['ok']));
  } finally {
    await clean.close();
  }
  const seq = async () => {
    const s = await startSimServer({ zeroLatency: true, faults: { rate500: 0.3, rate429: 0.2 }, faultSeed: 11 });
    try {
      const out: Outcome[] = [];
      for (let i = 0; i < 30; i++) out.push(await one(s.baseUrl, false));
      return out;
    } finally {
      await s.close();
    }
  };
  const a = await seq();
  assert.deepEqual(a, await seq());
  assert.ok(a.includes('500') && a.includes('429') && a.includes('ok'));
});

test('through the openai client: a 429 is an APIError with status 429, a cut stream throws mid-iteration', async () => {
  const s429 = await startSimServer({ zeroLatency: true, faults: { rate429: 1 }, retryAfterMs: 1500 });
  try {
    const client = new OpenAI({ baseURL: s429.baseUrl, apiKey: 'sim', maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof APIError);
      assert.equal(e.status, 429);
      assert.equal(e.headers?.get('retry-after'), '2');
      assert.equal(e.headers?.get('retry-after-ms'), '1500');
      return true;
    });
  } finally {
    await s429.close();
  }
  const cut = await startSimServer({ ttftMs: 1, tokensPerSecond: 5000, faults: { rateCut: 1 } });
  try {
    const client = new OpenAI({ baseURL: cut.baseUrl, apiKey: 'sim', maxRetries: 0 });
    let received = '';
    await assert.rejects(async () => {
      const stream = await client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: 'Explain how tides work.' }], seed: 2, stream: true });
      for await (const c of stream) received += c.choices[0]?.delta.content ?? '';
    });
    assert.ok(received.length > 0, 'some content arrived before the cut');
  } finally {
    await cut.close();
  }
});
