import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawJsonArray, rawAwareJsonEncoder, stringifyMessage } from '../../../remote/rpc/rawJson';

test('raw JSON items are spliced into the message as written; the text parses to what JSON.stringify of parsed items gives', async () => {
  const items = ['{"seq":1,"type":"log","message":"a \\"quoted\\" é \\u2028"}', '{"seq":2,"nested":{"x":[1,2,{"y":null}]}}'];
  const msg = { jsonrpc: '2.0', id: 7, result: { events: new RawJsonArray(items), lastSeq: 2, more: false, none: new RawJsonArray([]) } };
  const text = stringifyMessage(msg);
  assert.ok(text.includes(`[${items.join(',')}]`), 'the items verbatim');
  const parsed = { jsonrpc: '2.0', id: 7, result: { events: items.map((s) => JSON.parse(s)), lastSeq: 2, more: false, none: [] } };
  assert.deepEqual(JSON.parse(text), parsed);
  // the encoder vscode-jsonrpc calls gives the same bytes
  assert.equal(Buffer.from(await rawAwareJsonEncoder.encode(msg as never, { charset: 'utf-8' })).toString('utf8'), text);
  // outside the encoder (a log line, a test) the array reads as its parsed items
  assert.equal(JSON.stringify(msg), JSON.stringify(parsed));
});

test('strings that look like a splice marker are left alone (the marker carries a per-process nonce)', () => {
  const probe = JSON.stringify(new RawJsonArray(['1']));
  assert.equal(probe, '[1]');
  const lookalike = '\u0000raw-json-0000000000000000:0';
  const msg = { a: lookalike, b: new RawJsonArray(['{"k":1}']) };
  assert.deepEqual(JSON.parse(stringifyMessage(msg)), { a: lookalike, b: [{ k: 1 }] });
});
