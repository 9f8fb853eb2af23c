import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  answerPrompts, fillPairwisePrompt, headToHead, openAiPairwiseJudge, outcomeOf, parseVerdict, wilson,
  type HeadToHeadItem, type PairwiseJudge,
} from '../../../remote/eval/headToHead';

const items: HeadToHeadItem[] = Array.from({ length: 12 }, (_, i) => ({
  promptId: `p${i}`,
  prompt: `question ${i}`,
  answerNew: i < 7 ? 'a long and careful answer' : 'short',
  answerOld: i < 7 ? 'short' : i < 10 ? 'a long and careful answer' : 'short',
}));

test('a judge that always prefers position A comes out all ties', async () => {
  const alwaysA: PairwiseJudge = { compare: async () => ({ verdict: 'A', text: 'Verdict: A' }) };
  const r = await headToHead(items, alwaysA);
  assert.equal(r.n, 12);
  assert.deepEqual([r.wins, r.ties, r.losses], [0, 12, 0]);
  assert.equal(r.orderDisagreements, 12);
  assert.equal(r.winRate, 0);
  assert.ok(r.comparisons.every((c) => c.newFirst === 'A' && c.oldFirst === 'A'));
});

test('a consistent judge gives wins and losses; equal answers are ties', async () => {
  const asked: [string, string][] = [];
  // prefers the longer answer; equal lengths → position A (a position bias that must not count)
  const longer: PairwiseJudge = {
    compare: async (_p, a, b) => {
      asked.push([a, b]);
      return { verdict: b.length > a.length ? 'B' : 'A', text: '' };
    },
  };
  const r = await headToHead(items, longer, { concurrency: 3 });
  assert.deepEqual([r.wins, r.ties, r.losses], [7, 2, 3]);
  assert.equal(asked.length, 24, 'every item judged in both orders');
  assert.deepEqual(r.comparisons.map((c) => c.outcome), [...Array(7).fill('win'), 'loss', 'loss', 'loss', 'tie', 'tie']);
  assert.equal(r.orderDisagreements, 2);
  assert.ok(r.winRateCi && r.winRateCi[0] < 7 / 12 && r.winRateCi[1] > 7 / 12);
});

test('an unreadable verdict or an error makes a tie, never a win', async () => {
  let n = 0;
  const flaky: PairwiseJudge = {
    compare: async (_p, a) => (n++ % 2 === 0 ? { verdict: a === 'short' ? 'B' : 'A', text: '' } : { verdict: null, text: 'no idea', error: 'timeout' }),
  };
  const r = await headToHead(items.slice(0, 4), flaky, { concurrency: 2 });
  assert.equal(r.wins + r.losses, 0);
  assert.equal(r.unreadable, 4);
  assert.ok(r.comparisons.every((c) => c.texts.some((t) => t.startsWith('error: timeout'))));
});

test('outcome table, verdict parsing, Wilson interval', () => {
  assert.equal(outcomeOf('A', 'B'), 'win');
  assert.equal(outcomeOf('B', 'A'), 'loss');
  assert.equal(outcomeOf('A', 'A'), 'tie');
  assert.equal(outcomeOf('B', 'B'), 'tie');
  assert.equal(outcomeOf(null, 'B'), 'tie');
  assert.equal(parseVerdict('I prefer A at first… Verdict: B'), 'B');
  assert.equal(parseVerdict('**Verdict:** [A]'), 'A');
  assert.equal(parseVerdict('verdict = answer b'), 'B');
  assert.equal(parseVerdict('Both are fine.'), null);
  const [lo, hi] = wilson(5, 10)!;
  assert.ok(Math.abs(lo - 0.236593) < 1e-5 && Math.abs(hi - 0.763407) < 1e-5, `${lo} ${hi}`);
  const [lo0, hi0] = wilson(0, 10)!;
  assert.equal(lo0, 0);
  assert.ok(Math.abs(hi0 - 0.277532) < 1e-5, `${hi0}`);
  assert.equal(wilson(0, 0), null);
  const filled = fillPairwisePrompt('Q {{answerA}}', 'first', 'second');
  assert.match(filled, /<instruction>\nQ \{\{answerA\}\}\n<\/instruction>/, 'text inside the instruction is never re-substituted');
  assert.ok(filled.indexOf('first') < filled.indexOf('second'));
});

test('openAiPairwiseJudge talks to an OpenAI-compatible endpoint at temperature 0', async () => {
  const bodies: { model: string; temperature: number; messages: { content: string }[] }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const b = JSON.parse(body);
      bodies.push(b);
      const content: string = b.messages[0].content;
      const a = /<answer_a>\n([\s\S]*?)\n<\/answer_a>/.exec(content)![1];
      const bb = /<answer_b>\n([\s\S]*?)\n<\/answer_b>/.exec(content)![1];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: b.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Reasoning.\nVerdict: ${bb.length > a.length ? 'B' : 'A'}` } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const judge = openAiPairwiseJudge({ baseUrls: [url], model: 'external-judge' });
    const r = await headToHead(items.slice(0, 8), judge);
    assert.deepEqual([r.wins, r.ties, r.losses], [7, 0, 1]);
    assert.equal(bodies.length, 16);
    assert.ok(bodies.every((b) => b.model === 'external-judge' && b.temperature === 0));
  } finally {
    server.close();
  }
});

test('answerPrompts leaves out a prompt whose request keeps failing, and says why', async () => {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const b = JSON.parse(body);
      const content: string = b.messages[0].content;
      if (content.includes('broken')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: b.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `answer to ${content}` } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const errors: string[] = [];
    const out = await answerPrompts({ baseUrls: [url], model: 'm' }, [{ id: 'a', text: 'fine' }, { id: 'b', text: 'broken' }], {
      client: { maxRetries: 1, timeoutMs: 5000, baseDelayMs: 1 },
      onError: (id, e) => errors.push(`${id}: ${e}`),
    });
    assert.deepEqual([...out], [['a', 'answer to fine']]);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^b: .*500/);
  } finally {
    server.close();
  }
});
