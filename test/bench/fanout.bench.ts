/**
 * Event streaming through the daemon: a burst of judgment-sized events appended to a run, delivered over real Unix
 * sockets to two subscribed clients (server and clients in this process, so the ratio compares CPU work side by
 * side): delivery rate vs the bare durable-append rate, events per `events/push` (batching), catch-up of missed
 * events after a reconnect, and opening a run from its snapshot checkpoint vs replaying the whole log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunEventBody } from '../../remote/protocol';
import { Daemon } from '../../remote/server/daemon';
import { AgentServer } from '../../remote/server/server';
import { handlerGroups } from '../../remote/server/handlers';
import { closeGently, listenSocket, newToken, writePrivateFile } from '../../remote/server/listen';
import { buildSnapshot, CHECKPOINT_FILE } from '../../remote/server/snapshot';
import { connectSocket } from '../../remote/rpc/client';
import { Run } from '../../remote/store/runStore';
import { setQuiet } from '../../remote/log';
import { validateConfig } from '../../remote/config/config';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import type { BenchResult } from './run';

const N = 50_000;

function judgment(i: number): RunEventBody {
  const text = `The response addresses the question. ${'It is relevant and mostly complete. '.repeat(10)}Score: ${i % 6}`;
  return { type: 'judgment', record: { id: `j${i}`, candidateId: `c${i >> 2}`, promptId: `p${i >> 4}`, iteration: 1, sample: i % 3, text, score: i % 6, parseOk: true, rubricHash: 'h' } };
}

const secs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

export async function run(): Promise<BenchResult> {
  setQuiet(true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-bench-'));
  const daemon = new Daemon({ runsDir: path.join(dir, 'runs'), agentVersion: 'bench', bundleHash: 'bench' });
  const token = newToken();
  const server = new AgentServer(daemon, token, handlerGroups);
  const socket = path.join(dir, 'sock', 'agent.sock');
  const net = await listenSocket(socket, (s) => void server.serve({ readable: s, writable: s }, 'bench', () => closeGently(s)));
  writePrivateFile(`${socket}.token`, token);
  try {
    const config = validateConfig({ name: 'bench', seed: 1, model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo', format: 'auto' }] });
    // Bare durable appends, nobody listening (a separate run so the logs are alike).
    const bare = daemon.store.create(config, { agentVersion: 'bench', rubricText: DEFAULT_RUBRIC });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) bare.emit(judgment(i));
    const appendPerSec = N / secs(t0);
    bare.close();

    const created = daemon.store.create(config, { agentVersion: 'bench', rubricText: DEFAULT_RUBRIC });
    daemon.adopt(created);
    const runId = created.id;
    const clients = await Promise.all([0, 1].map(() => connectSocket(socket, `${socket}.token`)));
    const got = [0, 0];
    let pushes = 0;
    clients.forEach((c, k) =>
      c.onNotification('events/push', (p) => {
        got[k] += p.events.length;
        if (k === 0) pushes++;
      }),
    );
    for (const c of clients) await c.request('events/subscribe', { runId, afterSeq: Number.MAX_SAFE_INTEGER, limit: 0 });
    const t1 = process.hrtime.bigint();
    // Bursts of 500 with a turn of the event loop between, as the pipeline's writers append.
    for (let i = 0; i < N; i++) {
      created.emit(judgment(i));
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    while (got[0] < N || got[1] < N) await new Promise((r) => setTimeout(r, 5));
    const deliveredPerSec = N / secs(t1);

    // A client that missed the whole burst catches up with events/read pages.
    const late = await connectSocket(socket, `${socket}.token`);
    const t2 = process.hrtime.bigint();
    let after = created.events.lastSeq - N;
    let read = 0;
    for (;;) {
      const page = await late.request('events/read', { runId, afterSeq: after, limit: 1000 });
      read += page.events.length;
      if (!page.more || !page.events.length) break;
      after = page.events[page.events.length - 1].seq;
    }
    const catchUpPerSec = read / secs(t2);
    for (const c of [...clients, late]) c.dispose();

    // Reopening the run: from the checkpoint vs replaying every event through the reducer.
    await daemon.shutdown();
    const reopen = (): number => {
      const r = Run.open(created.dir, { write: false });
      const t = process.hrtime.bigint();
      buildSnapshot(r);
      const s = secs(t);
      r.close();
      return s;
    };
    const fromCheckpointSec = reopen();
    fs.rmSync(path.join(created.dir, CHECKPOINT_FILE));
    const fullReplaySec = reopen();

    const ratio = deliveredPerSec / appendPerSec;
    const perPush = N / pushes;
    return {
      name: 'fanout',
      metrics: {
        events: N,
        appendOnlyEventsPerSec: Math.round(appendPerSec),
        deliveredToTwoClientsEventsPerSec: Math.round(deliveredPerSec),
        pushesPerClient: pushes,
        eventsPerPush: Math.round(perPush),
        catchUpEventsPerSec: Math.round(catchUpPerSec),
        reopenFromCheckpointMs: Math.round(fromCheckpointSec * 1000),
        reopenFullReplayMs: Math.round(fullReplaySec * 1000),
      },
      targets: {
        deliveryVsAppend: { value: ratio, target: '>= 0.25 (streaming to two clients costs at most 4x the durable append)', met: ratio >= 0.25 },
        eventsPerPush: { value: perPush, target: '>= 50 (batched, never one message per event)', met: perPush >= 50 },
      },
    };
  } finally {
    server.close();
    await new Promise<void>((r) => net.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
