/**
 * A write that fails because the agent died (EPIPE) ends the link: the request in flight rejects, the link says
 * closed, and nothing is left as an unhandled rejection in the client's process (vscode-jsonrpc alone leaves one:
 * its sendRequest rethrows the write error from a promise executor it has already rejected).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { connectAgent } from '../../../remote/rpc/client';

/** An agent that answers hello, then whose pipe breaks: every later write fails with EPIPE. */
function brokenAfterHello(): { readable: PassThrough; writable: Writable } {
  const readable = new PassThrough();
  let buffered = '';
  let helloAnswered = false;
  const writable = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (helloAnswered) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        return;
      }
      buffered += chunk.toString('utf8');
      const body = buffered.split('\r\n\r\n')[1];
      if (body) {
        try {
          const msg = JSON.parse(body) as { id: number };
          helloAnswered = true;
          const result = { agentVersion: 't', protocolVersion: 1, pid: 1, bundleHash: 'h', runsDir: '/r' };
          const out = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result });
          readable.write(`Content-Length: ${Buffer.byteLength(out)}\r\n\r\n${out}`);
        } catch {
          // the body is not complete yet
        }
      }
      cb();
    },
  });
  writable.on('error', () => undefined); // the socket's error event: shown as the link closing
  return { readable, writable };
}

test('a write that fails with EPIPE rejects the request, closes the link and leaves no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const rpc = await connectAgent(brokenAfterHello(), 'token');
    assert.equal(rpc.hello.pid, 1);
    let closedCalls = 0;
    rpc.onClose(() => closedCalls++);
    await assert.rejects(rpc.request('runs/list', {}));
    assert.equal(rpc.closed, true, 'the link is closed');
    assert.equal(closedCalls, 1, 'onClose once, so the client reconnects');
    await assert.rejects(rpc.request('runs/list', {}), /closed/);
    // unhandled rejections are reported after the microtask queue drains: give them two macrotask turns
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
