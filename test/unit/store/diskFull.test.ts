/**
 * Issue #15 (1, 2, 8) at the store level: a write that fails half-way (a full disk, an I/O error) never leaves a
 * file that later appends turn into joined records, a short write never truncates a JSON file, every error names
 * the file, and temp files of unfinished writes do not outlive the next open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as path from 'node:path';
import { JsonlWriter, readJsonl } from '../../../remote/store/jsonl';
import { writeJsonAtomic, readJsonIfExists } from '../../../remote/store/atomic';
import { EventLog } from '../../../remote/store/eventLog';
import { RunStore } from '../../../remote/store/runStore';
import { validateConfig } from '../../../remote/config/config';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';
import { injectDiskFull } from '../../helpers/diskFull';

setQuiet(true);

const enospc = (e: unknown) => e instanceof Error && /ENOSPC/.test(e.message);

test('an append that fails half-way is cut back: the next append after space returns starts on a clean line', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  const w = JsonlWriter.open<{ seq: number; text: string }>(file);
  w.append({ seq: 1, text: 'one' });
  const disk = injectDiskFull((f) => f === file, { full: true });
  try {
    assert.throws(() => w.append({ seq: 2, text: 'x'.repeat(500) }), (e: unknown) => enospc(e) && (e as Error).message.includes(file) && /cannot append/.test((e as Error).message));
    assert.ok(disk.failures >= 2, 'the write landed partly, then failed');
  } finally {
    disk.restore();
  }
  assert.equal(fs.readFileSync(file, 'utf8'), JSON.stringify({ seq: 1, text: 'one' }) + '\n', 'the half record is gone at once');
  // space is back: the same writer goes on, and every line is one whole record
  w.append({ seq: 2, text: 'two' });
  w.close();
  assert.deepEqual(readJsonl<{ seq: number }>(file).map((r) => r.seq), [1, 2]);
});

test('a writer that cannot cut back refuses appends; the run hands out a fresh, repaired one', () => {
  const dir = tmpDir();
  const store = new RunStore(dir);
  const run = store.create(validateConfig({ name: 'broken writer', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 't', rubricText: 'r {{instruction}} {{response}}' });
  const w = run.writer(1, 'candidates');
  w.append({ id: 'a', promptId: 'p', iteration: 1, index: 0, text: 'ok', chars: 2 });
  const file = run.filePath(1, 'candidates');
  const disk = injectDiskFull((f) => f === file, { full: true });
  const truncate = fs.ftruncateSync;
  fs.ftruncateSync = () => {
    throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
  };
  try {
    assert.throws(() => w.append({ id: 'b', promptId: 'p', iteration: 1, index: 1, text: 'y'.repeat(300), chars: 300 }), enospc);
  } finally {
    fs.ftruncateSync = truncate;
    disk.restore();
  }
  assert.equal(w.broken, true);
  assert.throws(() => w.append({ id: 'c', promptId: 'p', iteration: 1, index: 2, text: 'z', chars: 1 }), /earlier write failed/);
  const fresh = run.writer(1, 'candidates');
  assert.notEqual(fresh, w);
  fresh.append({ id: 'c', promptId: 'p', iteration: 1, index: 2, text: 'z', chars: 1 });
  assert.deepEqual(run.read(1, 'candidates').map((r) => r.id), ['a', 'c'], 'the torn half record was repaired on reopen');
  run.close();
});

test('the event log: a failed append uses no seq and leaves the log readable; the next event continues it', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  const log = EventLog.openWritable(file);
  log.append({ type: 'log', level: 'info', message: 'first' });
  const disk = injectDiskFull((f) => f === file, { full: true });
  try {
    assert.throws(() => log.append({ type: 'log', level: 'info', message: 'x'.repeat(400) }), enospc);
  } finally {
    disk.restore();
  }
  assert.equal(log.lastSeq, 1);
  log.append({ type: 'log', level: 'info', message: 'second' });
  log.close();
  const again = EventLog.openReadOnly(file);
  assert.deepEqual(again.readAfter(0, 10).events.map((e) => [e.seq, (e as { message?: string }).message]), [[1, 'first'], [2, 'second']]);
});

test('an atomic JSON write loops over short writes (never a truncated file) and, on a full disk, keeps the old file and leaves no temp file', () => {
  const dir = tmpDir();
  const file = path.join(dir, 'manifest.json');
  const big = { stages: Array.from({ length: 2000 }, (_, i) => ({ i, text: `stage ${i} `.repeat(3) })) };
  // A kernel that takes at most 4096 bytes per write() call (what truncated a 43,911-byte manifest to 4,096).
  const write = fs.writeSync;
  fs.writeSync = ((fd: number, buf: Buffer, off?: number, len?: number) => write(fd, buf, off ?? 0, Math.min(len ?? buf.length - (off ?? 0), 4096))) as typeof fs.writeSync;
  try {
    writeJsonAtomic(file, big);
  } finally {
    fs.writeSync = write;
  }
  assert.ok(fs.statSync(file).size > 40_000);
  assert.deepEqual(readJsonIfExists(file), big);

  const disk = injectDiskFull((f) => f.startsWith(dir), { full: true });
  try {
    assert.throws(() => writeJsonAtomic(file, { replaced: true, pad: 'p'.repeat(10_000) }), (e: unknown) => enospc(e) && (e as Error).message.startsWith(file));
  } finally {
    disk.restore();
  }
  assert.deepEqual(readJsonIfExists(file), big, 'the old file is whole');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
});

test('opening a run for writing removes temp files of unfinished atomic writes (and only those)', () => {
  const dir = tmpDir();
  const store = new RunStore(dir);
  const cfg = validateConfig({ name: 'temps', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });
  const run = store.create(cfg, { agentVersion: 't', rubricText: 'r {{instruction}} {{response}}' });
  const id = run.id;
  run.close();
  const itDir = path.join(dir, id, 'iterations', '1');
  fs.mkdirSync(path.join(itDir, 'train'), { recursive: true });
  const orphans = [path.join(dir, id, '.models.json.4242.1700000000000.tmp'), path.join(itDir, '.manifest.json.4242.1700000000001.tmp'), path.join(itDir, 'train', '.train.jsonl.9.1700000000002.tmp')];
  for (const f of orphans) fs.writeFileSync(f, '{"half":');
  const mine = path.join(itDir, 'notes.tmp');
  fs.writeFileSync(mine, 'a user file');
  store.open(id, { write: false }).close();
  assert.ok(orphans.every((f) => fs.existsSync(f)), 'a reader removes nothing');
  store.open(id, { write: true }).close();
  assert.deepEqual(orphans.filter((f) => fs.existsSync(f)), []);
  assert.ok(fs.existsSync(mine), 'files that are not our temp files stay');
});

test('logging never throws on a full disk (the failure being logged must still reach the clients)', async () => {
  const { setLogFile, addLogSink, warn } = await import('../../../remote/log');
  const file = path.join(tmpDir(), 'agent.log');
  setLogFile(file);
  const seen: string[] = [];
  const off = addLogSink((_l, m) => seen.push(m));
  const disk = injectDiskFull((f) => f === file, { full: true });
  try {
    assert.doesNotThrow(() => warn('run x: iteration 1 failed: ENOSPC'));
  } finally {
    disk.restore();
    off();
    setLogFile(undefined);
  }
  assert.deepEqual(seen, ['run x: iteration 1 failed: ENOSPC'], 'the sinks (the clients) still get it');
});
