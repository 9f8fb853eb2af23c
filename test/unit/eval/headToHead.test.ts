import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { headToHead, outcomeOf, wilson, type HeadToHeadItem, type PairwiseJudge } from '../../../remote/eval/headToHead';
import { fillPairwisePrompt, openAiPairwiseJudge } from '../../../remote/eval/judges';
import { parseVerdict } from '../../../remote/eval/verdicts';
import { answerItems } from '../../../remote/eval/answers';

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

test('an unreadable verdict or an error is its own count: never a tie, never a win, in no rate', async () => {
  let n = 0;
  const flaky: PairwiseJudge = {
    compare: async (_p, a) => (n++ % 2 === 0 ? { verdict: a === 'short' ? 'B' : 'A', text: '' } : { verdict: null, text: 'no idea', error: 'timeout' }),
  };
  const r = await headToHead(items.slice(0, 4), flaky, { concurrency: 2 });
  assert.deepEqual([r.wins, r.ties, r.losses, r.unreadable], [0, 0, 0, 4]);
  assert.equal(r.decided, 0);
  assert.equal(r.winRate, null, 'no rate from unreadable verdicts');
  assert.ok(r.comparisons.every((c) => c.outcome === 'unreadable' && c.texts.some((t) => t.startsWith('error: timeout'))));

  // mixed: 2 readable wins, 1 readable tie, 1 unreadable → rates over the 3 readable
  const scripted: Record<string, [('A' | 'B' | null), ('A' | 'B' | null)]> = { p0: ['A', 'B'], p1: ['A', 'B'], p2: ['A', 'A'], p3: [null, 'B'] };
  const judge: PairwiseJudge = { compare: async (p, a) => ({ verdict: scripted[`p${p.split(' ')[1]}`][a === items[Number(p.split(' ')[1])].answerNew ? 0 : 1], text: '' }) };
  const m = await headToHead(items.slice(0, 4), judge);
  assert.deepEqual([m.wins, m.ties, m.losses, m.unreadable, m.decided], [2, 1, 0, 1, 3]);
  assert.equal(m.winRate, 2 / 3);
});

test('outcome table, verdict parsing, Wilson interval', () => {
  assert.equal(outcomeOf('A', 'B'), 'win');
  assert.equal(outcomeOf('B', 'A'), 'loss');
  assert.equal(outcomeOf('A', 'A'), 'tie');
  assert.equal(outcomeOf('B', 'B'), 'tie');
  assert.equal(outcomeOf(null, 'B'), 'unreadable');
  assert.equal(outcomeOf('A', null), 'unreadable');
  assert.equal(parseVerdict('I prefer A at first… Verdict: B'), 'B', 'a verdict ending the last line');
  assert.equal(parseVerdict('Verdict: A\nThinking again.\n\nVerdict: B\n'), 'B', 'the last verdict line counts');
  assert.equal(parseVerdict('My verdict: A is shorter, but B covers more.\nBoth have merit.'), null, 'a verdict inside running text does not count');
  assert.equal(parseVerdict('Reasoning…\n[[B]]'), 'B');
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

test('answerItems leaves out a prompt whose request keeps failing, and says why', async () => {
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
    const out = await answerItems({ baseUrls: [url], model: 'm' }, [{ id: 'a', turns: ['fine'] }, { id: 'b', turns: ['broken'] }], {
      temperature: 0.7, topP: 0.9, maxTokens: 100, seed: 1, concurrency: 2, signal: new AbortController().signal,
      client: { maxRetries: 1, timeoutMs: 5000, baseDelayMs: 1 },
      onError: (id, e) => errors.push(`${id}: ${e}`),
    });
    assert.deepEqual([...out].map(([id, r]) => [id, r.replies]), [['a', ['answer to fine']]]);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^b: .*500/);
  } finally {
    server.close();
  }
});
