/**
 * Run store: event append rate; reading events after a seq with the offset index vs a full scan; records with their
 * events written one at a time (two writes each) vs in group commits (one write per file per item's batch).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventLog } from '../../remote/store/eventLog';
import { forEachJsonl } from '../../remote/store/jsonl';
import type { CandidateRecord, RunEvent } from '../../remote/protocol';
import { RunStore } from '../../remote/store/runStore';
import { validateConfig } from '../../remote/config/config';
import { setQuiet } from '../../remote/log';

setQuiet(true);

/** Records per second written with their events: one at a time, or `batch` per group commit (an item's n samples). */
function recordRate(dir: string, batch: number, total: number): number {
  const store = new RunStore(path.join(dir, `runs-${batch}`));
  const run = store.create(validateConfig({ name: 'store bench', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 'b', rubricText: 'r {{instruction}} {{response}}' });
  const text = 'An answer of a typical length, a few sentences that explain the point with an example. '.repeat(6);
  const rec = (i: number): CandidateRecord => ({ id: `p${i >> 2}-c${i & 3}`, promptId: `p${i >> 2}`, iteration: 1, index: i & 3, text, chars: text.length });
  const writer = run.writer(1, 'candidates');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i += batch) {
    if (batch === 1) {
      const r = rec(i);
      writer.append(r);
      run.emit({ type: 'candidate', record: r });
    } else run.commitRecords(1, 'candidates', Array.from({ length: batch }, (_, k) => rec(i + k)));
  }
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  run.close();
  return total / sec;
}
import type { BenchResult } from './run';

export async function run(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-bench-'));
  try {
    const file = path.join(dir, 'events.jsonl');
    const log = EventLog.openWritable(file);
    const n = 200_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) log.append({ type: 'log', level: 'info', message: `event ${i} ${'x'.repeat(100)}` });
    const appendSec = Number(process.hrtime.bigint() - t0) / 1e9;

    // Catch-up reads near the end of a large log, as a reconnecting client does.
    const reads = 200;
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < reads; i++) log.readAfter(n - 500 + (i % 400), 50);
    const indexedMs = Number(process.hrtime.bigint() - t1) / 1e6 / reads;

    const scans = 5;
    const t2 = process.hrtime.bigint();
    for (let i = 0; i < scans; i++) {
      const out: RunEvent[] = [];
      const after = n - 500 + i;
      forEachJsonl<RunEvent>(file, (ev) => {
        if (ev.seq > after) out.push(ev);
        return out.length < 50;
      });
    }
    const scanMs = Number(process.hrtime.bigint() - t2) / 1e6 / scans;
    log.close();
    const speedup = scanMs / indexedMs;
    const records = 24_000;
    recordRate(dir, 4, 2_000); // warm-up
    const single = recordRate(dir, 1, records);
    const grouped4 = recordRate(dir, 4, records);
    const grouped3 = recordRate(dir, 3, records);
    return {
      name: 'store',
      metrics: {
        events: n,
        appendPerSec: Math.round(n / appendSec),
        logBytes: fs.statSync(file).size,
        readAfterIndexedMs: indexedMs,
        readAfterFullScanMs: scanMs,
        recordsWithEventsPerSecOneAtATime: Math.round(single),
        recordsWithEventsPerSecGroupOf4: Math.round(grouped4),
        recordsWithEventsPerSecGroupOf3: Math.round(grouped3),
      },
      targets: {
        indexedVsScanSpeedup: { value: speedup, target: '>= 20x', met: speedup >= 20 },
        // What stays per record is its bytes (the write's copy is most of the time left) and one stringify.
        groupCommitOf4VsOneAtATime: { value: grouped4 / single, target: '>= 1.2x (records + events per second, an item of N = 4 per group commit)', met: grouped4 / single >= 1.2 },
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
