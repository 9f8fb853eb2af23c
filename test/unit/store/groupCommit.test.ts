/**
 * Group commits (issue #20): an item's records go to their file in one write and their events to the log in one
 * write; a batch is durable whole or not at all, with the store's full-disk guarantees (issue #15) kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { readJsonl } from '../../../remote/store/jsonl';
import { RunStore } from '../../../remote/store/runStore';
import { validateConfig } from '../../../remote/config/config';
import type { CandidateRecord, RunEvent } from '../../../remote/protocol';
import { setQuiet } from '../../../remote/log';
import { tmpDir } from '../../helpers/tmp';
import { injectDiskFull } from '../../helpers/diskFull';

setQuiet(true);

const cand = (id: string, text = 'answer'): CandidateRecord => ({ id, promptId: 'p1', iteration: 1, index: Number(id.slice(-1)), text, chars: text.length });

function newRun() {
  const store = new RunStore(tmpDir());
  return store.create(validateConfig({ name: 'group commit', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] }), { agentVersion: 't', rubricText: 'r {{instruction}} {{response}}' });
}

/** Count write(2) calls per file while `f` runs. */
function countWrites(files: string[], f: () => void): Map<string, number> {
  const counts = new Map(files.map((x) => [x, 0]));
  const write = fs.writeSync;
  const fds = new Map<number, string>();
  for (const fd of fs.readdirSync('/proc/self/fd').map(Number)) {
    try {
      const p = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (counts.has(p)) fds.set(fd, p);
    } catch {
      /* closed meanwhile */
    }
  }
  (fs as { writeSync: unknown }).writeSync = (fd: number, ...rest: unknown[]) => {
    const p = fds.get(fd);
    if (p) counts.set(p, counts.get(p)! + 1);
    return (write as (...a: unknown[]) => number)(fd, ...rest);
  };
  try {
    f();
  } finally {
    fs.writeSync = write;
  }
  return counts;
}

test('commitRecords: one write to the record file and one to the log per batch; events carry the records in order, seqs contiguous', () => {
  const run = newRun();
  const seen: RunEvent[] = [];
  run.events.onEvent((e) => seen.push(e));
  run.writer(1, 'candidates'); // opened (its file exists) before counting
  const before = run.events.lastSeq;
  const recs = [cand('c0'), cand('c1'), cand('c2'), cand('c3')];
  const writes = countWrites([run.filePath(1, 'candidates'), run.events.file], () => run.commitRecords(1, 'candidates', recs));
  assert.deepEqual([...writes.values()], [1, 1], 'one write per file for four records');
  assert.deepEqual(run.read(1, 'candidates'), recs);
  const events = run.events.readAfter(before, 10).events;
  assert.deepEqual(events.map((e) => [e.seq, e.type, (e as { record: CandidateRecord }).record.id]), recs.map((r, i) => [before + 1 + i, 'candidate', r.id]));
  assert.deepEqual(seen, events, 'listeners hear each event, in order, after the write');
  // each record is stringified once for both files: the event lines are what stringifying the events gives
  const lines = fs.readFileSync(run.events.file, 'utf8').trimEnd().split('\n').slice(-4);
  assert.deepEqual(lines, events.map((e) => JSON.stringify(e)));
  run.close();
});

test('a batch that hits a full disk leaves none of its records and uses no seq; after space returns the next batch is whole', () => {
  const run = newRun();
  run.commitRecords(1, 'candidates', [cand('c0')]);
  const file = run.filePath(1, 'candidates');
  const seq = run.events.lastSeq;
  let disk = injectDiskFull((f) => f === file, { full: true });
  try {
    assert.throws(() => run.commitRecords(1, 'candidates', [cand('c1', 'x'.repeat(300)), cand('c2', 'y'.repeat(300))]), (e: unknown) => /ENOSPC/.test((e as Error).message) && (e as Error).message.includes(file));
  } finally {
    disk.restore();
  }
  assert.deepEqual(run.read(1, 'candidates').map((r) => r.id), ['c0'], 'cut back to the last whole batch');
  assert.equal(run.events.lastSeq, seq, 'no event for records that are not there');
  // the records land but the log is full: records without events, as a crash between the two writes leaves them
  disk = injectDiskFull((f) => f === run.events.file, { full: true });
  try {
    assert.throws(() => run.commitRecords(1, 'candidates', [cand('c1'), cand('c2')]), /ENOSPC/);
  } finally {
    disk.restore();
  }
  assert.equal(run.events.lastSeq, seq);
  assert.deepEqual(readJsonl<RunEvent>(run.events.file).at(-1)!.seq, seq, 'the log ends on a whole event');
  run.commitRecords(1, 'candidates', [cand('c3')]);
  assert.deepEqual(run.read(1, 'candidates').map((r) => r.id), ['c0', 'c1', 'c2', 'c3']);
  assert.equal(run.events.lastSeq, seq + 1);
  run.close();
});
