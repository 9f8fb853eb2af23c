import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { StreamMessageReader } from 'vscode-jsonrpc/node';
import { messageReader } from '../../../remote/rpc/reader';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a link cut in the middle of a message leaves no timer behind (the process can exit, the daemon does not leak)', async () => {
  const before = timers();
  // vscode-jsonrpc's own reader: a re-arming 10 s timer outlives the closed, disposed stream
  const raw = new PassThrough();
  const stock = new StreamMessageReader(raw);
  stock.listen(() => undefined);
  raw.write('Content-Length: 100\r\n\r\n{"jsonrpc"');
  raw.end();
  await new Promise((r) => setImmediate(r));
  stock.dispose();
  assert.equal(timers(), before + 1, 'the stock reader keeps its partial-message timer');
  (stock as unknown as { clearPartialMessageTimer(): void }).clearPartialMessageTimer();
  // ours does not
  const cut = new PassThrough();
  const reader = messageReader(cut);
  const got: unknown[] = [];
  reader.listen((m) => got.push(m));
  cut.write('Content-Length: 7\r\n\r\n{"a":1}Content-Length: 100\r\n\r\n{"jsonrpc"');
  cut.end();
  await new Promise((r) => setImmediate(r));
  reader.dispose();
  assert.deepEqual(got, [{ a: 1 }], 'whole messages still arrive');
  assert.equal(timers(), before);
});
