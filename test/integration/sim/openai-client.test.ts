/** The official `openai` client (v6) works against the sim server unchanged: plain, n, streaming, seeds, errors. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, { APIError } from 'openai';
import { type SimServer, startSimServer } from '../../../remote/backends/sim/server';

let server: SimServer;
let client: OpenAI;
const instruction = 'How should I prepare for a job interview at a small design studio?';
const ask = (extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) =>
  client.chat.completions.create({ model: 'sim-base', messages: [{ role: 'user', content: instruction }], ...extra });

before(async () => {
  server = await startSimServer({ zeroLatency: true });
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'sim', maxRetries: 0 });
});
after(() => server.close());

test('plain completion: one answer about the instruction, usage counts by the 4-chars-per-token rule', async () => {
  const r = await ask({ seed: 1 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'sim-base');
  assert.equal(r.choices.length, 1);
  const text = r.choices[0].message.content!;
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.ok(text.length > 40, text);
  assert.equal(r.usage!.completion_tokens, Math.ceil(text.length / 4));
  assert.equal(r.usage!.prompt_tokens, Math.ceil(instruction.length / 4));
  assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);
});

test('n: 4 gives four distinct samples; the same seed reproduces them, another seed does not', async () => {
  const a = await ask({ n: 4, seed: 42, temperature: 0.7, top_p: 0.9 });
  const b = await ask({ n: 4, seed: 42, temperature: 0.7, top_p: 0.9 });
  const c = await ask({ n: 4, seed: 43, temperature: 0.7, top_p: 0.9 });
  const texts = (r: OpenAI.Chat.ChatCompletion) => r.choices.map((x) => x.message.content);
  assert.deepEqual(a.choices.map((x) => x.index), [0, 1, 2, 3]);
  assert.equal(new Set(texts(a)).size, 4);
  assert.deepEqual(texts(a), texts(b));
  assert.notDeepEqual(texts(a), texts(c));
});

test('temperature 0 gives one fixed answer whatever the seed', async () => {
  const a = await ask({ temperature: 0, seed: 1, n: 2 });
  const b = await ask({ temperature: 0, seed: 999 });
  assert.equal(a.choices[0].message.content, a.choices[1].message.content);
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
});

test('streaming: SSE chunks in OpenAI format reassemble to the non-streamed text, with usage when asked', async () => {
  const whole = await ask({ n: 2, seed: 7 });
  const stream = await client.chat.completions.create({
    model: 'sim-base', messages: [{ role: 'user', content: instruction }], n: 2, seed: 7, stream: true, stream_options: { include_usage: true },
  });
  const out = ['', ''];
  const finish: (string | null)[] = [null, null];
  let chunks = 0;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    for (const ch of chunk.choices) {
      out[ch.index] += ch.delta.content ?? '';
      if (ch.finish_reason) finish[ch.index] = ch.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(chunks > 4);
  assert.deepEqual(out, whole.choices.map((c) => c.message.content));
  assert.deepEqual(finish, ['stop', 'stop']);
  assert.deepEqual(usage, whole.usage);
});

test('max_tokens truncates with finish_reason length; stop cuts at the stop string', async () => {
  const full = (await ask({ seed: 3 })).choices[0].message.content!;
  const short = await ask({ seed: 3, max_tokens: 5 });
  assert.equal(short.choices[0].finish_reason, 'length');
  assert.equal(short.choices[0].message.content, full.slice(0, 20));
  assert.equal(short.usage!.completion_tokens, 5);
  const word = full.split(' ')[3];
  const cut = await ask({ seed: 3, stop: [word] });
  assert.equal(cut.choices[0].message.content, full.slice(0, full.indexOf(word)));
  assert.equal(cut.choices[0].finish_reason, 'stop');
});

test('errors surface through the client with the right status and OpenAI error body', async () => {
  const status = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof APIError, String(e));
      return { status: e.status, type: e.type, param: e.param, code: e.code };
    }
    assert.fail('expected an error');
  };
  assert.deepEqual(await status(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })), {
    status: 404, type: 'invalid_request_error', param: 'model', code: 'model_not_found',
  });
  const bad = await status(ask({ temperature: 5 }));
  assert.equal(bad.status, 400);
  assert.equal(bad.param, 'temperature');
  assert.equal((await status(client.chat.completions.create({ model: 'sim-base', messages: [] }))).status, 400);
  assert.equal((await status(ask({ n: 0 }))).status, 400);
});

test('GET /v1/models lists sim-base and /health answers', async () => {
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === 'sim-base'));
  const health = await fetch(server.baseUrl.replace(/\/v1$/, '/health'));
  assert.equal(health.status, 200);
  const raw = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
  assert.equal(raw.status, 400);
  const body = (await raw.json()) as { error: { message: string; type: string } };
  assert.match(body.error.message, /not valid JSON/);
});
