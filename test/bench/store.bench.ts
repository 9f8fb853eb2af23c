/** Run store: event append rate, and reading events after a seq with the offset index vs a full scan. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventLog } from '../../remote/store/eventLog';
import { forEachJsonl } from '../../remote/store/jsonl';
import type { RunEvent } from '../../remote/protocol';
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
    return {
      name: 'store',
      metrics: {
        events: n,
        appendPerSec: Math.round(n / appendSec),
        logBytes: fs.statSync(file).size,
        readAfterIndexedMs: indexedMs,
        readAfterFullScanMs: scanMs,
      },
      targets: { indexedVsScanSpeedup: { value: speedup, target: '>= 20x', met: speedup >= 20 } },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
