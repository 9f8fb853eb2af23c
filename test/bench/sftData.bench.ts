/**
 * The SFT iteration's data building (load Open Assistant messages → IFT → EFT groups and split → EFT rows) on 25k,
 * 50k and 100k messages, each size in its own process: time and retained memory must grow linearly — the ratios
 * 100k / 50k side by side (target ≤ 2.5 for a doubling; 2 is linear).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { BenchResult } from './run';

const SUBJECTS = ['a rain garden', 'sourdough starters', 'bike gears', 'a home network', 'tax records', 'chess openings', 'a podcast', 'interview nerves'];

/** Open Assistant flat messages: per tree a prompt, three ranked replies and a follow-up (5 messages); 10 % German. */
function writeMessages(file: string, messages: number): void {
  const out = fs.openSync(file, 'w');
  const trees = Math.floor(messages / 5);
  let buf: string[] = [];
  for (let t = 0; t < trees; t++) {
    const lang = t % 10 === 9 ? 'de' : 'en';
    const root = `t${t}`;
    const subject = SUBJECTS[t % SUBJECTS.length];
    buf.push(JSON.stringify({ message_id: root, parent_id: null, role: 'prompter', lang, text: `Question ${t}: how should I go about ${subject} when I only have a little time each week?` }));
    for (let r = 0; r < 3; r++) {
      buf.push(JSON.stringify({ message_id: `${root}-${r}`, parent_id: root, role: 'assistant', lang, rank: r, text: `Answer ${r} to question ${t}. Start small with ${subject}, keep notes, and review what worked after a week; ${'then adjust the plan. '.repeat(3 - r)}` }));
    }
    buf.push(JSON.stringify({ message_id: `${root}-f`, parent_id: `${root}-0`, role: 'prompter', lang, text: 'Thanks, could you say more about the first step?' }));
    if (buf.length >= 5000) {
      fs.writeSync(out, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(out, buf.join('\n') + '\n');
  fs.closeSync(out);
}

interface Probe {
  prompts: number;
  groups: number;
  iftKept: number;
  eftGroups: number;
  eftRows: number;
  totalMs: number;
  retainedMB: number;
  peakRssMB: number;
}

function probe(file: string): Probe {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'sftDataProbe.ts'), file], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`sftDataProbe ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Probe;
}

export async function run(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-bench-sft-'));
  try {
    const sizes = [25_000, 50_000, 100_000];
    const probes = sizes.map((n) => {
      const file = path.join(dir, `oasst-${n}.jsonl`);
      writeMessages(file, n);
      // best of two: the machine is shared
      const a = probe(file);
      const b = probe(file);
      return { n, bytes: fs.statSync(file).size, ...(a.totalMs <= b.totalMs ? a : b), retainedMB: Math.min(a.retainedMB, b.retainedMB) };
    });
    const [, p50, p100] = probes;
    const timeRatio = p100.totalMs / p50.totalMs;
    const memRatio = p100.retainedMB / p50.retainedMB;
    const metrics: BenchResult['metrics'] = {};
    for (const p of probes) {
      const k = `${p.n / 1000}k`;
      metrics[`${k}.fileMB`] = Number((p.bytes / 2 ** 20).toFixed(1));
      metrics[`${k}.prompts`] = p.prompts;
      metrics[`${k}.iftKept`] = p.iftKept;
      metrics[`${k}.eftGroups`] = p.eftGroups;
      metrics[`${k}.eftRows`] = p.eftRows;
      metrics[`${k}.ms`] = Math.round(p.totalMs);
      metrics[`${k}.retainedMB`] = Number(p.retainedMB.toFixed(1));
      metrics[`${k}.peakRssMB`] = Math.round(p.peakRssMB);
    }
    metrics.timeRatio100kVs50k = Number(timeRatio.toFixed(3));
    metrics.memoryRatio100kVs50k = Number(memRatio.toFixed(3));
    return {
      name: 'sft-data',
      metrics,
      targets: {
        timeLinear: { value: timeRatio, target: '<= 2.5 (100k vs 50k messages)', met: timeRatio <= 2.5 },
        memoryLinear: { value: memRatio, target: '<= 2.5 (100k vs 50k messages)', met: memRatio <= 2.5 },
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
