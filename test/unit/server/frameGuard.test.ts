import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameGuard } from '../../../remote/server/frameGuard';

function run(limits: { maxHeaderBytes: number; maxBodyBytes: number }, chunks: (string | Buffer)[]): { out: string; violation?: string; messages: number } {
  let violation: string | undefined;
  const g = new FrameGuard(limits, (r) => (violation = r));
  let out = '';
  g.on('data', (d: Buffer) => (out += d.toString('latin1')));
  for (const c of chunks) g.write(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return { out, violation, messages: g.messages };
}

const msg = (body: string, extra = '') => `Content-Length: ${body.length}\r\n${extra}\r\n${body}`;

test('whole messages pass unchanged, however the transport splits them', () => {
  const stream = msg('{"a":1}') + msg('{"b":22}', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n') + msg('');
  for (const size of [1, 2, 3, 7, 64, stream.length]) {
    const chunks: string[] = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
    const r = run({ maxHeaderBytes: 200, maxBodyBytes: 100 }, chunks);
    assert.equal(r.violation, undefined, `split ${size}`);
    assert.equal(r.out, stream, `split ${size}`);
    assert.equal(r.messages, 3);
  }
});

test('violations: a long header, no Content-Length, a bad or duplicate one, a body over the limit', () => {
  const lim = { maxHeaderBytes: 64, maxBodyBytes: 10 };
  assert.match(run(lim, ['x'.repeat(65)]).violation!, /header larger than 64 bytes/);
  assert.match(run(lim, ['x'.repeat(30), 'y'.repeat(30), 'z'.repeat(30)]).violation!, /header larger/);
  assert.match(run(lim, ['Content-Type: x\r\n\r\n{}']).violation!, /without Content-Length/);
  assert.match(run(lim, ['Content-Length: -1\r\n\r\n']).violation!, /bad Content-Length/);
  assert.match(run(lim, ['Content-Length: 1\r\nContent-Length: 1\r\n\r\nx']).violation!, /bad Content-Length/);
  assert.match(run(lim, ['garbage\r\n\r\n']).violation!, /malformed message header/);
  const big = run(lim, ['Content-Length: 11\r\n\r\n{"a":12345}']);
  assert.match(big.violation!, /11 bytes, more than the 10 allowed/);
  assert.equal(big.out, '', 'nothing of a refused message is passed on');
});

test('nothing after a violation is passed on; limits can be raised for later messages', () => {
  const r = run({ maxHeaderBytes: 64, maxBodyBytes: 10 }, [msg('{}') + 'x'.repeat(100) + msg('{}')]);
  assert.equal(r.out, msg('{}'));
  let violation: string | undefined;
  const g = new FrameGuard({ maxHeaderBytes: 64, maxBodyBytes: 10 }, (v) => (violation = v));
  let out = '';
  g.on('data', (d: Buffer) => (out += d));
  g.write(Buffer.from(msg('{"h":1}')));
  g.limits = { maxHeaderBytes: 64, maxBodyBytes: 1000 };
  const body = JSON.stringify({ x: 'y'.repeat(500) });
  g.write(Buffer.from(msg(body)));
  assert.equal(violation, undefined);
  assert.equal(out, msg('{"h":1}') + msg(body));
});
