// A hostile, unauthenticated client for the soak bench (a separate process, like a real attacker): keeps
// `--connections` connections to the daemon's socket busy with what the issue measured — header-less lines, a
// 4 GiB Content-Length, framed bodies far larger than a hello, requests before hello, idle connections — and opens
// a new one whenever the daemon closes one. Prints counts on SIGTERM.
// Usage: node flooder.mjs --socket PATH [--connections N]
import * as net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { socket: { type: 'string' }, connections: { type: 'string' } } });
const socket = values.socket;
const connections = Number(values.connections ?? 8);
const junk = Buffer.alloc(64 * 1024, 0x61);
const bigBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agent/hello', params: { token: 'x'.repeat(4 << 20), client: 'flood', protocolVersion: 1 } });
const frame = (body) => Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
const attacks = [
  (s) => pump(s, () => junk), // one endless header-less line
  (s) => s.write('Content-Length: 4294967296\r\n\r\n'), // then hold it open
  (s) => pump(s, (() => { const f = frame(bigBody); let sent = false; return () => (sent ? junk : ((sent = true), f)); })()),
  (s) => s.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'runs/list', params: {} }))),
  () => undefined, // idle
];
let opened = 0;
let closed = 0;
let bytes = 0;
let stopping = false;

function pump(s, next) {
  const go = () => {
    while (!s.destroyed && s.writable) {
      const b = next();
      bytes += b.length;
      if (!s.write(b)) return void s.once('drain', go);
    }
  };
  go();
}

function open(k) {
  if (stopping) return;
  const s = net.connect(socket);
  opened++;
  s.on('error', () => undefined);
  s.on('data', () => undefined);
  s.once('connect', () => attacks[k % attacks.length](s));
  // reconnect at once: the daemon must bound the work, not the attacker
  s.once('close', () => {
    closed++;
    setImmediate(() => open(k + connections));
  });
}

for (let k = 0; k < connections; k++) open(k);
process.on('SIGTERM', () => {
  stopping = true;
  process.stdout.write(JSON.stringify({ opened, closed, bytes }) + '\n');
  process.exit(0);
});
