/**
 * One measurement of the SFT iteration's data building on one Open Assistant file, in its own process so its memory
 * is its own: load the messages (flat format), build IFT, split the EFT groups, and build EFT rows from one verdict
 * per train answer (scores made up, deterministic). Prints JSON. Used by sftData.bench.ts, run with --expose-gc:
 * retained memory is measured after a collection with every result still held.
 */
import { loadSeed, promptKey } from '../../remote/seed/index';
import { buildIft } from '../../remote/pipeline/ift';
import { buildEftRows, splitEftGroups } from '../../remote/pipeline/eft';
import type { GroupJudgmentRecord } from '../../remote/protocol';
import { DEFAULT_RUBRIC } from '../../remote/rubric/template';
import { setQuiet } from '../../remote/log';

setQuiet(true);
const file = process.argv[2];
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const sft = { language: 'en', ift: { maxExamples: 3200 }, eft: { evalFraction: 0.25, downsampleModal: true } };
const t0 = process.hrtime.bigint();
const seed = loadSeed([{ path: file, format: 'oasst' }]);
const tLoad = process.hrtime.bigint();
const ift = buildIft(seed, sft, 1);
const iftPrompts = new Set(ift.filter((r) => r.kept).map((r) => promptKey(r.prompt)));
const { groups } = splitEftGroups(seed, iftPrompts, sft, 1);
const train = groups.filter((g) => g.split === 'train');
const verdicts: GroupJudgmentRecord[] = train.flatMap((g) =>
  g.answers.map((a, i) => {
    const score = (a.rank === 1 ? 4 : a.rank === 2 ? 2 : 1) + ((g.id.length + i) % 3 === 0 ? 1 : 0);
    return { id: `b/${g.id}/${i}/0`, model: 'SFT baseline', group: g.id, split: 'train' as const, answer: i, humanRank: a.rank, sample: 0, text: `Fine.\nScore: ${score}`, score, parseOk: true };
  }),
);
const rows = buildEftRows(train, verdicts, DEFAULT_RUBRIC, 1, true);
const t1 = process.hrtime.bigint();
gc?.();
const retained = process.memoryUsage().heapUsed - heap0;
process.stdout.write(
  JSON.stringify({
    prompts: seed.prompts.length,
    groups: seed.labelled.length,
    iftKept: iftPrompts.size,
    eftGroups: groups.length,
    eftRows: rows.rows.length,
    loadMs: Number(tLoad - t0) / 1e6,
    buildMs: Number(t1 - tLoad) / 1e6,
    totalMs: Number(t1 - t0) / 1e6,
    retainedMB: retained / 2 ** 20,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
