/**
 * A scripted OpenAI-compatible chat server on loopback (free port): `respond` maps each request body to the
 * assistant's text (or an HTTP status to fail with). Every body is recorded, so a test can check what was asked.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  seed?: number;
  n?: number;
}

export interface ChatFixture {
  url: string;
  bodies: ChatBody[];
  close(): Promise<void>;
}

export async function startChatFixture(respond: (body: ChatBody) => string | { status: number }): Promise<ChatFixture> {
  const bodies: ChatBody[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatBody;
      bodies.push(body);
      const out = respond(body);
      if (typeof out !== 'string') {
        res.writeHead(out.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `scripted ${out.status}`, type: 'server_error' } }));
        return;
      }
      const n = body.n ?? 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'fx', object: 'chat.completion', created: 0, model: body.model,
        choices: Array.from({ length: n }, (_, index) => ({ index, finish_reason: 'stop', message: { role: 'assistant', content: out } })),
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
