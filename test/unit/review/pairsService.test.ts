import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PairsIndex } from '../../../remote/review/pairsIndex';
import { PairsService, exportPairs, lengthRatio } from '../../../remote/review/pairsService';
import { readJsonl } from '../../../remote/store/jsonl';
import type { PairDecision, PairRecord } from '../../../remote/protocol';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';
import { makePair, writePairsFile } from '../../helpers/pairsFixture';

setQuiet(true);
const d = (pairId: string, kind: PairDecision['kind'], extra: Partial<PairDecision> = {}): PairDecision => ({ pairId, kind, ts: new Date().toISOString(), ...extra });

test('index: pages read by byte range, torn last line ignored, blank lines skipped, growth picked up', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'x.pairs.jsonl');
  writePairsFile(file, 250, { tornTail: true });
  fs.appendFileSync(file, ''); // torn tail stays torn
  const idx = PairsIndex.build(file);
  assert.equal(idx.count, 250, 'the torn last line is not a record');
  assert.deepEqual(idx.read<PairRecord>(0, 2).map((p) => p.id), ['p0', 'p1']);
  assert.deepEqual(idx.read<PairRecord>(248, 10).map((p) => p.id), ['p248', 'p249'], 'a page past the end is cut');
  assert.deepEqual(idx.read<PairRecord>(120, 1)[0], makePair(120));
  // Completing the torn line plus a blank line and one more record: refresh indexes exactly the new whole records.
  fs.appendFileSync(file, 'pt":"x"}\n\n' + JSON.stringify(makePair(999)) + '\n');
  assert.equal(idx.refresh(), 252);
  assert.deepEqual(idx.read<{ id: string }>(250, 5).map((p) => p.id), ['torn', 'p999']);
});

test('index: a broken record names the file and record', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'bad.pairs.jsonl');
  fs.writeFileSync(file, JSON.stringify(makePair(0)) + '\n{not json}\n');
  const idx = PairsIndex.build(file);
  assert.throws(() => idx.read(0, 2), /bad\.pairs\.jsonl:2: invalid JSON/);
});

test('service: filters, counts, decisions appended with ids applied once, state survives reopen', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'pairs.jsonl');
  writePairsFile(file, 100);
  const before = fs.readFileSync(file);
  const decisionsFile = PairsService.decisionsFileFor(file);
  assert.equal(decisionsFile, path.join(dir, 'decisions.jsonl'));
  const s = new PairsService(file, decisionsFile);
  let page = s.read(0, 10);
  assert.equal(page.total, 100);
  assert.equal(page.matched, 100);
  assert.equal(page.pairs[3].parseFailures, 1 / 6, 'one null among 6 raw scores');

  const failures = s.read(0, 100, { withParseFailures: true });
  assert.deepEqual(failures.pairs.map((p) => p.id), Array.from({ length: 10 }, (_, k) => `p${k * 10 + 3}`));
  const text = s.read(0, 100, { text: 'TOPIC 12.' });
  assert.ok(text.matched > 0 && text.pairs.every((p) => p.prompt.includes('topic 12.')));
  const margin = s.read(0, 100, { minMargin: 3 });
  assert.ok(margin.matched > 0 && margin.matched < 100 && margin.pairs.every((p) => p.margin >= 3));
  const ratio = s.read(0, 100, { minLengthRatio: 2, maxLengthRatio: 3 });
  assert.ok(ratio.matched > 0 && ratio.pairs.every((p) => lengthRatio(p) >= 2 && lengthRatio(p) <= 3));
  const page2 = s.read(5, 3, { withParseFailures: true });
  assert.deepEqual(page2.pairs.map((p) => p.index), [53, 63, 73], 'filtered paging keeps record numbers');

  const applied = s.decide([d('p0', 'accept', { id: 'a' }), d('p1', 'reject', { id: 'b' }), d('p2', 'flip', { id: 'c' }), d('p2', 'flip', { id: 'c' })]);
  assert.equal(applied.length, 3, 'a re-sent decision id is applied once');
  assert.equal(s.read(0, 1).reviewed, 3);
  assert.equal(s.read(0, 3).pairs[2].review?.state, 'flipped');
  assert.throws(() => s.decide([{ pairId: 'p3', kind: 'explode', ts: 'x' } as unknown as PairDecision]), /decision 0: field "kind"/);
  assert.throws(() => s.decide([d('p3', 'edit')]), /edit needs "chosenText" or "rejectedText"/);
  const unrev = s.read(0, 5, { unreviewedOnly: true });
  assert.equal(unrev.matched, 97);
  assert.deepEqual(unrev.pairs.map((p) => p.id), ['p3', 'p4', 'p5', 'p6', 'p7']);
  s.close();

  const again = new PairsService(file, decisionsFile);
  assert.deepEqual(again.counts(), { total: 100, reviewed: 3, accepted: 2, rejected: 1, flipped: 1, edited: 0 });
  assert.equal(again.decide([d('p2', 'flip', { id: 'c' })]).length, 0, 'ids survive reopen');
  assert.equal(again.ids({ unreviewedOnly: true }).length, 97);
  again.close();
  assert.ok(before.equals(fs.readFileSync(file)), 'pairs.jsonl is never modified');
});

test('exports: TRL standard/conversational, OpenAI DPO and a HF folder carry exactly the kept pairs', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'run.pairs.jsonl');
  writePairsFile(file, 20);
  const s = new PairsService(file, PairsService.decisionsFileFor(file));
  s.decide([d('p0', 'accept'), d('p1', 'reject'), d('p2', 'flip'), d('p3', 'edit', { chosenText: 'EDITED' }), d('p4', 'accept'), d('p4', 'reject')]);
  const provenance = { run: 'r1', iteration: 1, source: file };

  const std = path.join(dir, 'std.jsonl');
  const r1 = await exportPairs(s.entries(7), 'trl-standard', std, { reviewedOnly: true, provenance });
  assert.deepEqual(r1, { rows: 3, excluded: 17, files: [std] });
  const rows = readJsonl<Record<string, unknown>>(std);
  for (const row of rows) {
    assert.deepEqual(Object.keys(row).sort(), ['chosen', 'prompt', 'rejected']);
    for (const v of Object.values(row)) assert.equal(typeof v, 'string');
  }
  const p2 = makePair(2);
  assert.deepEqual(rows[1], { prompt: p2.prompt, chosen: p2.rejected.text, rejected: p2.chosen.text }, 'flip applied');
  assert.equal(rows[2].chosen, 'EDITED', 'edit applied');

  const conv = path.join(dir, 'conv.jsonl');
  const r2 = await exportPairs(s.entries(), 'trl-conversational', conv, { reviewedOnly: false, provenance });
  assert.equal(r2.rows, 18, 'without review-only, every pair not rejected');
  for (const row of readJsonl<Record<string, { role: string; content: string }[]>>(conv)) {
    assert.deepEqual(row.prompt.map((m) => m.role), ['user']);
    assert.deepEqual(row.chosen.map((m) => m.role), ['assistant']);
    assert.deepEqual(row.rejected.map((m) => m.role), ['assistant']);
    assert.ok([...row.prompt, ...row.chosen, ...row.rejected].every((m) => typeof m.content === 'string' && Object.keys(m).length === 2));
  }

  const oa = path.join(dir, 'openai.jsonl');
  await exportPairs(s.entries(), 'openai-dpo', oa, { reviewedOnly: true, provenance });
  for (const row of readJsonl<Record<string, unknown>>(oa)) {
    assert.deepEqual(Object.keys(row).sort(), ['input', 'non_preferred_output', 'preferred_output']);
    const r = row as { input: { messages: { role: string; content: string }[] }; preferred_output: { role: string }[]; non_preferred_output: { role: string }[] };
    assert.equal(r.input.messages.at(-1)?.role, 'user');
    assert.equal(r.preferred_output.length, 1);
    assert.equal(r.preferred_output[0].role, 'assistant');
    assert.equal(r.non_preferred_output[0].role, 'assistant');
  }

  const hf = path.join(dir, 'hf');
  const r4 = await exportPairs(s.entries(), 'hf-dataset', hf, { reviewedOnly: true, provenance, name: 'My "pairs"' });
  assert.deepEqual(fs.readdirSync(hf).sort(), ['README.md', 'train.jsonl']);
  assert.equal(readJsonl(path.join(hf, 'train.jsonl')).length, r4.rows);
  const card = fs.readFileSync(path.join(hf, 'README.md'), 'utf8');
  const fm = /^---\n([\s\S]*?)\n---\n/.exec(card);
  assert.ok(fm, 'YAML front matter');
  assert.match(fm[1], /configs:\n- config_name: default\n {2}data_files:\n {2}- split: train\n {4}path: train\.jsonl/);
  assert.match(fm[1], /task_categories:\n- text-generation/);
  assert.match(fm[1], /size_categories:\n- n<1K/);
  assert.match(fm[1], /pretty_name: "My \\"pairs\\""/);
  assert.match(card, /- run: r1\n- iteration: 1\n- source: .*run\.pairs\.jsonl/);
  assert.match(card, /Rows: 3 \(17 pairs excluded/);
  s.close();
});
