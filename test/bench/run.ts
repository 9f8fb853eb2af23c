/**
 * `npm run bench`: runs every test/bench/*.bench.ts (or those named on the command line) and writes one JSON file
 * per benchmark to test/bench/results/. Targets are ratios measured side by side in the same run, never timed
 * assertions in tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BenchResult {
  name: string;
  /** what was measured, with units in the keys */
  metrics: Record<string, number | string | boolean | null>;
  /** named targets: ratio achieved vs the target */
  targets?: Record<string, { value: number; target: string; met: boolean }>;
}

async function main(): Promise<void> {
  const dir = __dirname;
  const only = process.argv.slice(2);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!only.length || only.some((o) => f.includes(o)))).sort();
  const outDir = path.join(dir, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  let failed = 0;
  for (const f of files) {
    const started = Date.now();
    process.stderr.write(`bench ${f} …\n`);
    const mod = (await import(path.join(dir, f))) as { run: () => Promise<BenchResult> };
    const result = await mod.run();
    const out = { ...result, ranAt: new Date().toISOString(), durationMs: Date.now() - started, node: process.version };
    fs.writeFileSync(path.join(outDir, `${result.name}.json`), JSON.stringify(out, null, 2) + '\n');
    for (const [k, t] of Object.entries(result.targets ?? {})) {
      process.stdout.write(`${result.name}.${k}: ${t.value.toFixed(3)} (target ${t.target}) ${t.met ? 'met' : 'NOT MET'}\n`);
      if (!t.met) failed++;
    }
  }
  process.stdout.write(`results in ${outDir}\n`);
  if (failed) process.stdout.write(`${failed} target(s) not met\n`);
}

main().catch((e) => {
  process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
  process.exit(1);
});
