/**
 * The prompt stage end to end against the sim server (and a scripted generator): the few-shot mix of seed and
 * generated prompts, dedupe against earlier iterations, and identical files from identical runs — with the filter
 * on its worker thread.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { setMaxListeners } from 'node:events';
import type { DeepPartial, PromptRecord, RunConfig } from '../../../remote/protocol';
import { RunStore, type Run } from '../../../remote/store/runStore';
import { DEFAULT_RUBRIC } from '../../../remote/rubric/template';
import { InferenceClient } from '../../../remote/inference/client';
import { GENERATED_LAG, promptId, runPromptStage } from '../../../remote/pipeline/promptgen';
import { loadSeed } from '../../../remote/seed/index';
import { startSimServer } from '../../../remote/backends/sim/server';
import { setQuiet } from '../../../remote/log';
import { NearDuplicateIndex } from '../../../remote/pipeline/nearDuplicates';
import { writeInstruction } from '../../../remote/backends/sim/instructions';
import { NEEDS_OTHER_MEDIA } from '../../../remote/backends/sim/lexicon';
import { Rng, hashSeed } from '../../../remote/backends/sim/rng';
import { tmpDir } from '../../helpers/tmp';
import { fastConfig } from './files';

setQuiet(true);
const dir = tmpDir();
const seed = loadSeed([{ path: 'builtin:demo', format: 'auto' }]);
const seedIds = new Set(seed.prompts.map((p) => p.id));

function makeRun(name: string, over: DeepPartial<RunConfig>): Run {
  return new RunStore(path.join(dir, name)).create(fastConfig(over), { agentVersion: 'test', rubricText: DEFAULT_RUBRIC });
}

async function promptStage(run: Run, t: number, baseUrl: string): Promise<PromptRecord[]> {
  const client = new InferenceClient({ baseUrls: [baseUrl], model: 'sim-base' }, { maxRetries: 2, timeoutMs: 30_000 });
  const cfg = run.config;
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  await runPromptStage({
    run, t, runSeed: cfg.seed, concurrency: 32, signal: ac.signal,
    params: { prompts: cfg.prompts, candidates: cfg.candidates, judge: cfg.judge, pairs: cfg.pairs, review: cfg.review, trainer: cfg.trainer },
    rubric: { version: 1, hash: 'h', text: DEFAULT_RUBRIC }, modelIn: { iteration: t, name: 'sim-base', madeBy: 'base' },
    model: client, generator: client, trainer: { train: () => Promise.reject(new Error('not used')) }, seed,
  });
  return run.read(t, 'prompts');
}

const attempt = (id: string): number => Number(id.slice(id.indexOf('-p') + 2));

test('few-shot mix: 2 of 8 examples are prompts kept before attempt n − GENERATED_LAG, the rest seeds; the same run twice writes the same file', { timeout: 300_000 }, async () => {
  const sim = await startSimServer({ zeroLatency: true });
  after(() => sim.close());
  const a = makeRun('mix-a', { prompts: { perIteration: 330 } });
  const recs = await promptStage(a, 1, sim.baseUrl);
  assert.ok(recs.length > GENERATED_LAG + 40, `${recs.length} attempts`);
  const kept = new Set(recs.filter((r) => r.kept).map((r) => r.id));
  const firstKept = Math.min(...[...kept].map(attempt));
  let mixed = 0;
  for (const r of recs) {
    const n = attempt(r.id);
    assert.equal(r.fewShot.length, 8);
    const generated = r.fewShot.filter((id) => !seedIds.has(id));
    for (const g of generated) {
      assert.ok(kept.has(g), `${r.id}: example ${g} is a kept prompt`);
      assert.ok(attempt(g) < n - GENERATED_LAG, `${r.id}: example ${g} comes from before the lag`);
    }
    assert.equal(generated.length, n - GENERATED_LAG > firstKept + 1 ? 2 : generated.length, `${r.id}: two generated examples once there are two to draw`);
    if (n - GENERATED_LAG <= firstKept) assert.equal(generated.length, 0, `${r.id}: nothing kept that long before yet`);
    if (generated.length === 2) mixed++;
  }
  assert.ok(mixed > 20, `${mixed} attempts had two generated examples`);
  a.close();

  const b = makeRun('mix-b', { prompts: { perIteration: 330 } });
  await promptStage(b, 1, sim.baseUrl);
  b.close();
  assert.equal(fs.readFileSync(b.filePath(1, 'prompts'), 'utf8'), fs.readFileSync(a.filePath(1, 'prompts'), 'utf8'), 'identical runs, identical prompts.jsonl');

  const c = makeRun('seeds-only', { prompts: { perIteration: 330, fewShotGenerated: 0 } });
  const only = await promptStage(c, 1, sim.baseUrl);
  c.close();
  assert.ok(only.every((r) => r.fewShot.length === 8 && r.fewShot.every((id) => seedIds.has(id))), 'fewShotGenerated 0: eight seed prompts');
});

test('earlier iterations: their prompts are few-shot examples, and near copies of them are dropped (or kept with the option off)', { timeout: 300_000 }, async () => {
  // a generator that rewrites one of iteration 1's prompts a little, by seed
  // forty mutually distinct prompts from the sim's writer
  const earlier: string[] = [];
  const distinct = new NearDuplicateIndex(0.5);
  for (let i = 0; earlier.length < 40; i++) {
    const text = writeInstruction(seed.prompts.slice(0, 8).map((p) => p.text), new Rng(hashSeed('earlier', i)));
    // well-formed ones only (the writer's failure modes would be dropped for their own reasons)
    if (!/^[A-Z][^\n]*[.?]$/.test(text) || NEEDS_OTHER_MEDIA.includes(text) || text.split(' ').length < 6 || distinct.firstMatch(text)) continue;
    distinct.add(String(i), text);
    earlier.push(text);
  }
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const j = JSON.parse(body) as { seed: number };
      const text = `${earlier[j.seed % earlier.length]} Thanks.`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  for (const dedupe of [true, false]) {
    const run = makeRun(`earlier-${dedupe}`, { prompts: { perIteration: 10, maxAttemptsFactor: 3, dedupeAcrossIterations: dedupe } });
    const w = run.writer(1, 'prompts');
    earlier.forEach((text, n) => w.append({ id: promptId(1, n), iteration: 1, text, kept: true, fewShot: [], seed: 0 }));
    const recs = await promptStage(run, 2, url);
    run.close();
    for (const r of recs) assert.equal(r.fewShot.filter((id) => id.startsWith('t1-p')).length, 2, `${r.id}: two examples from iteration 1`);
    const reasons = recs.map((r) => r.dropReason ?? 'kept');
    if (dedupe) {
      assert.ok(reasons.every((x) => x === 'earlier_duplicate' || x === 'echo'), reasons.join(','));
      assert.ok(reasons.includes('earlier_duplicate'));
    } else {
      assert.ok(!reasons.includes('earlier_duplicate'));
      assert.ok(reasons.filter((x) => x === 'kept').length >= 5, reasons.join(','));
    }
  }
});
