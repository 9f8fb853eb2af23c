/**
 * The event log's persisted index (events.index.json) and its raw reads: a reopen takes the saved index and reads
 * only the lines after it; a stale or damaged index is rebuilt; raw lines are the events as written, seq-checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventLog, indexFileOf } from '../../../remote/store/eventLog';
import { readJsonl } from '../../../remote/store/jsonl';
import type { RunEvent } from '../../../remote/protocol';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';

setQuiet(true);

function writeLog(file: string, n: number, from = 0): void {
  const log = EventLog.openWritable(file);
  for (let i = from; i < from + n; i++) log.append({ type: 'log', level: 'info', message: `event ${i} ${'é'.repeat(i % 7)} "quoted"` });
  log.close();
}

/** Every event after `after`, read page by page. */
function readAll(log: EventLog, after = 0, page = 333): RunEvent[] {
  const out: RunEvent[] = [];
  for (let more = true; more; ) {
    const r = log.readAfter(after, page);
    out.push(...r.events);
    if (r.events.length) after = r.events[r.events.length - 1].seq;
    more = r.more && r.events.length > 0;
  }
  return out;
}

test('a reopen takes the saved index and reads no line of the log; reads equal the file', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  writeLog(file, 5000);
  assert.ok(fs.existsSync(indexFileOf(file)), 'saved beside the log on close');
  const log = EventLog.openWritable(file);
  assert.deepEqual(log.indexSource, { loaded: true, linesScanned: 0 });
  assert.equal(log.lastSeq, 5000);
  const all = readJsonl<RunEvent>(file);
  assert.deepEqual(readAll(log), all);
  assert.deepEqual(readAll(log, 4321, 50), all.slice(4321));
  // appends continue the seq and the index follows them
  assert.equal(log.append({ type: 'log', level: 'info', message: 'next' }).seq, 5001);
  assert.equal(log.readAfter(5000, 10).events[0].seq, 5001);
  log.close();
  const ro = EventLog.openReadOnly(file);
  assert.deepEqual(ro.indexSource, { loaded: true, linesScanned: 0 });
  assert.equal(ro.lastSeq, 5001);
  ro.close();
});

test('after a kill (index saved earlier than the last lines) only the lines after it are read, with their seqs checked', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  writeLog(file, 4500);
  const early = fs.readFileSync(indexFileOf(file));
  writeLog(file, 700, 4500);
  fs.writeFileSync(indexFileOf(file), early); // what a kill -9 before the close would have left
  // and a torn last line, as a kill mid-write leaves
  fs.appendFileSync(file, '{"seq":5201,"ts":"x","type":"log","lev');
  const log = EventLog.openWritable(file);
  assert.deepEqual(log.indexSource, { loaded: true, linesScanned: 700 });
  assert.equal(log.lastSeq, 5200);
  assert.deepEqual(readAll(log, 4000), readJsonl<RunEvent>(file).slice(4000));
  assert.equal(log.append({ type: 'log', level: 'info', message: 'after restart' }).seq, 5201);
  log.close();
});

test('a stale or damaged index is rebuilt from the log: cut, replaced, garbage, other stride', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'events.jsonl');
  writeLog(file, 3000);
  const saved = fs.readFileSync(indexFileOf(file));
  const original = fs.readFileSync(file);
  const reopen = (): EventLog => {
    const log = EventLog.openReadOnly(file);
    assert.equal(log.indexSource.loaded, false, 'rebuilt');
    return log;
  };
  // the log cut back below what the index covers
  fs.writeFileSync(file, original.subarray(0, original.lastIndexOf('\n', original.length / 2) + 1));
  let log = reopen();
  assert.deepEqual(readAll(log), readJsonl<RunEvent>(file));
  log.close();
  // the log replaced by another of at least the same length (lines elsewhere)
  fs.writeFileSync(file, original.toString('utf8').replace(/"message":"event /g, '"message":"event #'));
  log = reopen();
  assert.equal(log.lastSeq, 3000);
  assert.deepEqual(readAll(log), readJsonl<RunEvent>(file));
  log.close();
  fs.writeFileSync(file, original);
  for (const bad of ['{not json', JSON.stringify({ ...JSON.parse(saved.toString()), stride: 128 }), JSON.stringify({ ...JSON.parse(saved.toString()), lastSeq: 2999 })]) {
    fs.writeFileSync(indexFileOf(file), bad);
    log = reopen();
    assert.equal(log.lastSeq, 3000);
    log.close();
  }
  fs.rmSync(indexFileOf(file));
  log = EventLog.openWritable(file);
  assert.deepEqual(log.indexSource, { loaded: false, linesScanned: 3000 });
  log.close();
  assert.ok(fs.existsSync(indexFileOf(file)), 'written again by the writer');
});

test('raw lines are the events as written; a line written another way is parsed and its seq checked', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  writeLog(file, 600);
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  // event 300 rewritten with its keys in another order (a hand edit, an older writer): same event, other text
  const ev = JSON.parse(lines[299]) as RunEvent;
  lines[299] = JSON.stringify({ type: ev.type, ts: ev.ts, seq: ev.seq, level: 'info', message: (ev as { message: string }).message });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  fs.rmSync(indexFileOf(file));
  const log = EventLog.openReadOnly(file);
  const r = log.readRawAfter(290, 20);
  assert.equal(r.firstSeq, 291);
  assert.deepEqual(r.lines, lines.slice(290, 310));
  assert.equal(r.more, true);
  assert.deepEqual(log.readRawAfter(590, 100), { lines: lines.slice(590), firstSeq: 591, more: false });
  assert.deepEqual(log.readRawAfter(600, 100), { lines: [], firstSeq: 601, more: false });
  log.close();
  // a rebuild still checks every line: a seq out of order is an error naming file and line
  lines[400] = lines[400].replace('"seq":401,', '"seq":999,');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  assert.throws(() => EventLog.openReadOnly(file), (e: Error) => e.message === `${file}:401: event seq 999, expected 401`);
});

test('a log whose lines change under a loaded index fails the read naming the file, never sends another event', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  writeLog(file, 1000);
  const log = EventLog.openReadOnly(file);
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('"seq":700,', '"seq":7000,'));
  assert.throws(() => log.readRawAfter(650, 100), (e: Error) => e.message.includes(file) && /seq 7000 where 700 was due/.test(e.message));
  log.close();
});
