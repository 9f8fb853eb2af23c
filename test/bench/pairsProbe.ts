/**
 * One measurement of the pairs review service on one file, in its own process so its RSS is its own:
 * index build + first page, paging to the end, one filtered scan. Prints JSON. Used by pairs.bench.ts, which runs
 * it with --expose-gc (retained memory is measured after a collection; peak RSS mostly shows how lazily V8
 * collects) and a small old-space limit (a design that held the file in memory would die on the 100 MB file).
 */
import { PairsService } from '../../remote/review/pairsService';
import { setQuiet } from '../../remote/log';

setQuiet(true);
const file = process.argv[2];
const baseRss = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
const service = new PairsService(file, PairsService.decisionsFileFor(file));
const first = service.read(0, 50);
const firstPageMs = Number(process.hrtime.bigint() - t0) / 1e6;
let peakRss = process.memoryUsage().rss;
const t1 = process.hrtime.bigint();
let last = '';
let pages = 0;
for (let off = 0; off < first.total; off += 50) {
  const p = service.read(off, 50);
  last = p.pairs[p.pairs.length - 1].id;
  pages++;
  if (pages % 200 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const pageToEndMs = Number(process.hrtime.bigint() - t1) / 1e6;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssAfterPagingMB = process.memoryUsage().rss / 2 ** 20;
const t2 = process.hrtime.bigint();
const filtered = service.read(0, 50, { withParseFailures: true, minMargin: 2 });
const filterScanMs = Number(process.hrtime.bigint() - t2) / 1e6;
peakRss = Math.max(peakRss, process.memoryUsage().rss);
gc?.();
const mem = process.memoryUsage();
service.close();
process.stdout.write(
  JSON.stringify({
    total: first.total,
    firstPageMs,
    pageToEndMs,
    pages,
    last,
    filterScanMs,
    filteredMatched: filtered.matched,
    indexBytes: service.index.memoryBytes,
    baseRssMB: baseRss / 2 ** 20,
    rssAfterPagingMB,
    rssAfterGcMB: mem.rss / 2 ** 20,
    heapUsedAfterGcMB: mem.heapUsed / 2 ** 20,
    heapLimitMB: Number(process.execArgv.find((a) => a.startsWith('--max-old-space-size='))?.split('=')[1] ?? NaN),
    peakRssMB: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
  }) + '\n',
);
