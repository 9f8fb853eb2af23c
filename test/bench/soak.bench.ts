/**
 * Soak: an iteration while an unauthenticated client floods the daemon's socket, against the same iteration alone,
 * side by side in one run (alternating, ROUNDS of each, medians). The flooder is a separate process
 * (test/bench/flooder.mjs) keeping CONNECTIONS connections busy with header-less lines, a 4 GiB Content-Length,
 * framed 4 MB bodies, requests before hello and idle connections, reconnecting whenever the daemon closes one. The
 * daemon, its sim model server and the client that starts and follows the iteration share this process, as they
 * share the daemon's process in real use. Target: flooded / alone ≤ 1.2 (issue #15). The daemon's RSS is recorded
 * before and after the floods.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEvent } from '../../remote/protocol';
import { Daemon } from '../../remote/server/daemon';
import { AgentServer } from '../../remote/server/server';
import { handlerGroups } from '../../remote/server/handlers';
import { closeGently, listenSocket, newToken, writePrivateFile } from '../../remote/server/listen';
import { connectSocket, type AgentRpc } from '../../remote/rpc/client';
import { setQuiet } from '../../remote/log';
import type { BenchResult } from './run';

const ROUNDS = 3;
const CONNECTIONS = 8;
const TARGET = 1.2;

const config = {
  name: 'soak',
  seed: 3,
  model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 64, tokensPerSecond: 1500, ttftMs: 20 } },
  seedData: [{ path: 'builtin:demo', format: 'auto' }],
  prompts: { perIteration: 80 },
  inference: { concurrency: 64 },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Create a run, start its iteration, and time it until iteration.finished reaches the client. */
async function timedIteration(client: AgentRpc): Promise<number> {
  const { run } = await client.request('runs/create', { config });
  let finish: (e: RunEvent) => void = () => undefined;
  const ended = new Promise<RunEvent>((r) => (finish = r));
  const sub = client.onNotification('events/push', (p) => {
    if (p.runId !== run.id) return;
    const end = p.events.find((e) => e.type === 'iteration.finished' || e.type === 'iteration.failed');
    if (end) finish(end);
  });
  await client.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  const t0 = process.hrtime.bigint();
  await client.request('iteration/start', { runId: run.id });
  const end = await ended;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  sub.dispose();
  if (end.type !== 'iteration.finished') throw new Error(`soak: the iteration failed: ${JSON.stringify(end)}`);
  return secs;
}

export async function run(): Promise<BenchResult> {
  setQuiet(true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-soak-'));
  const daemon = new Daemon({ runsDir: path.join(dir, 'runs'), agentVersion: 'bench', bundleHash: 'bench' });
  const token = newToken();
  const server = new AgentServer(daemon, token, handlerGroups);
  const socket = path.join(dir, 'sock', 'agent.sock');
  const net = await listenSocket(socket, (s) => {
    s.on('error', () => undefined);
    void server.serve({ readable: s, writable: s }, 'soak', () => closeGently(s));
  });
  writePrivateFile(`${socket}.token`, token);
  const client = await connectSocket(socket, `${socket}.token`, { client: 'soak' });
  const alone: number[] = [];
  const flooded: number[] = [];
  const flood = { opened: 0, closed: 0, bytes: 0 };
  try {
    await timedIteration(client); // warm-up (calibration of the sim's latent space, JIT)
    const rssBefore = process.memoryUsage().rss;
    for (let r = 0; r < ROUNDS; r++) {
      alone.push(await timedIteration(client));
      const flooder = spawn(process.execPath, [path.join(__dirname, 'flooder.mjs'), '--socket', socket, '--connections', String(CONNECTIONS)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      flooder.stdout!.on('data', (d) => (out += d));
      const exited = new Promise((res) => flooder.once('exit', res));
      try {
        flooded.push(await timedIteration(client));
      } finally {
        flooder.kill('SIGTERM');
        await exited;
      }
      const counts = JSON.parse(out.trim() || '{}') as typeof flood;
      for (const k of Object.keys(flood) as (keyof typeof flood)[]) flood[k] += counts[k] ?? 0;
    }
    const rssAfter = process.memoryUsage().rss;
    const ratio = median(flooded) / median(alone);
    return {
      name: 'soak',
      metrics: {
        rounds: ROUNDS,
        iterationAloneSec: Math.round(median(alone) * 1000) / 1000,
        iterationFloodedSec: Math.round(median(flooded) * 1000) / 1000,
        aloneRunsSec: alone.map((x) => Math.round(x * 1000) / 1000).join(' '),
        floodedRunsSec: flooded.map((x) => Math.round(x * 1000) / 1000).join(' '),
        flooderConnections: CONNECTIONS,
        flooderConnectionsOpened: flood.opened,
        flooderBytesSent: flood.bytes,
        connectionsRefusedByDaemon: server.refused,
        daemonRssBeforeMb: Math.round(rssBefore / 1e6),
        daemonRssAfterMb: Math.round(rssAfter / 1e6),
        loadAverage1m: Math.round(os.loadavg()[0] * 10) / 10,
        cpus: os.cpus().length,
      },
      targets: { floodedOverAlone: { value: ratio, target: `<= ${TARGET}`, met: ratio <= TARGET } },
    };
  } finally {
    client.dispose();
    await daemon.shutdown();
    server.close();
    await new Promise<void>((r) => net.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
