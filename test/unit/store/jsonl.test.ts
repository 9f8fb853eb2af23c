import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonlWriter, forEachJsonl, readJsonl, recoverTornTail } from '../../../remote/store/jsonl';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';

setQuiet(true);

test('a torn last record is cut back on open, then appends and reads see only whole records', () => {
  const file = path.join(tmpDir(), 'candidates.jsonl');
  const w = JsonlWriter.open<{ id: number; text: string }>(file);
  w.append({ id: 1, text: 'one' });
  w.append({ id: 2, text: 'two\nwith newline' });
  w.close();
  const half = JSON.stringify({ id: 3, text: 'three' }).slice(0, 9);
  fs.appendFileSync(file, half); // a crash in the middle of a write
  assert.deepEqual(readJsonl(file).map((r: any) => r.id), [1, 2], 'readers skip the torn tail');

  const w2 = JsonlWriter.open<{ id: number; text: string }>(file);
  w2.append({ id: 4, text: 'four' });
  w2.close();
  const all = readJsonl<{ id: number; text: string }>(file);
  assert.deepEqual(all.map((r) => r.id), [1, 2, 4]);
  assert.equal(all[1].text, 'two\nwith newline');
});

test('recoverTornTail reports the dropped byte count and leaves whole files alone', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'x.jsonl');
  fs.writeFileSync(file, '{"a":1}\n{"a":2}\n');
  assert.equal(recoverTornTail(file).droppedBytes, 0);
  fs.appendFileSync(file, '{"a":');
  assert.equal(recoverTornTail(file).droppedBytes, 5);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n{"a":2}\n');
  fs.writeFileSync(file, '{"no newline at all"');
  assert.equal(recoverTornTail(file).droppedBytes, 20);
  assert.equal(fs.statSync(file).size, 0);
  assert.equal(recoverTornTail(path.join(dir, 'absent.jsonl')).droppedBytes, 0);
});

test('a bad line is reported with file and line number', () => {
  const file = path.join(tmpDir(), 'bad.jsonl');
  fs.writeFileSync(file, '{"a":1}\n{"a":2}\nnot json\n');
  assert.throws(() => readJsonl(file), (e: Error) => e.message.startsWith(`${file}:3: invalid JSON record`));
});

test('forEachJsonl yields byte offsets that seek back to the same record, across chunk boundaries', () => {
  const file = path.join(tmpDir(), 'big.jsonl');
  const w = JsonlWriter.open<{ i: number; pad: string }>(file);
  const offsets: number[] = [];
  for (let i = 0; i < 3000; i++) offsets.push(w.append({ i, pad: 'é'.repeat(i % 300) }));
  w.close();
  const seen: number[] = [];
  forEachJsonl<{ i: number }>(file, (r, off) => {
    assert.equal(off, offsets[r.i]);
    seen.push(r.i);
  });
  assert.equal(seen.length, 3000);
  const from: number[] = [];
  forEachJsonl<{ i: number }>(file, (r) => {
    from.push(r.i);
    return from.length < 3;
  }, offsets[2500]);
  assert.deepEqual(from, [2500, 2501, 2502]);
});
