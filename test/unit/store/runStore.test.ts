import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { RunStore, makeRunId } from '../../../remote/store/runStore';
import { LockedError, RunLock } from '../../../remote/store/lock';
import { EventLog } from '../../../remote/store/eventLog';
import { validateConfig } from '../../../remote/config/config';
import { setQuiet } from '../../../remote/log';
import { repoRoot, tmpDir } from '../../helpers/tmp';

setQuiet(true);

const config = validateConfig({ name: 'Store test', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });

test('seq keeps increasing across reopen, also after a torn event line', () => {
  const store = new RunStore(tmpDir());
  const run = store.create(config, { agentVersion: 't', rubricText: 'rubric {{instruction}} {{response}}' });
  const id = run.id;
  const first = run.events.lastSeq;
  for (let i = 0; i < 5; i++) run.emit({ type: 'log', level: 'info', message: `m${i}` });
  assert.equal(run.events.lastSeq, first + 5);
  run.close();
  fs.appendFileSync(path.join(store.runDir(id), 'events.jsonl'), '{"seq":99,"ty');

  const again = store.open(id, { write: true });
  assert.equal(again.events.lastSeq, first + 5, 'torn event dropped, seq recovered from the file');
  const ev = again.emit({ type: 'log', level: 'info', message: 'after reopen' });
  assert.equal(ev.seq, first + 6);
  const { events } = again.events.readAfter(0, 1000);
  assert.deepEqual(events.map((e) => e.seq), Array.from({ length: first + 6 }, (_, i) => i + 1));
  again.close();
});

test('readAfter seeks via the index and pages with `more`', () => {
  const file = path.join(tmpDir(), 'events.jsonl');
  const log = EventLog.openWritable(file);
  for (let i = 0; i < 2000; i++) log.append({ type: 'log', level: 'info', message: String(i) });
  const page = log.readAfter(1500, 10);
  assert.deepEqual(page.events.map((e) => e.seq), [1501, 1502, 1503, 1504, 1505, 1506, 1507, 1508, 1509, 1510]);
  assert.equal(page.more, true);
  const tail = log.readAfter(1995, 100);
  assert.deepEqual(tail.events.map((e) => e.seq), [1996, 1997, 1998, 1999, 2000]);
  assert.equal(tail.more, false);
  assert.deepEqual(log.readAfter(2000, 10).events, []);
  log.close();
  const ro = EventLog.openReadOnly(file);
  assert.equal(ro.lastSeq, 2000);
  assert.equal(ro.readAfter(255, 2).events[0].seq, 256);
  assert.equal(ro.readAfter(256, 2).events[0].seq, 257);
});

test('a live lock is refused naming the owner; a dead owner\'s lock is taken over', async () => {
  const dir = tmpDir();
  const lockFile = path.join(dir, 'run.lock');
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
    require(${JSON.stringify(path.join(repoRoot, 'remote/store/lock.ts'))}).RunLock.acquire(${JSON.stringify(lockFile)});
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);
  `], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.on('data', (d) => String(d).includes('locked') && resolve()));
  assert.throws(() => RunLock.acquire(lockFile), (e: unknown) => e instanceof LockedError && e.owner.pid === child.pid && /in use by process/.test(e.message));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const lock = RunLock.acquire(lockFile);
  assert.equal(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid, process.pid);
  lock.release();
  assert.equal(fs.existsSync(lockFile), false);
});

test('a second writer of the same run is refused while the first holds it', () => {
  const store = new RunStore(tmpDir());
  const run = store.create(config, { agentVersion: 't', rubricText: 'r' });
  // Same process: simulate a second owner by rewriting the lock with another live pid (our parent).
  fs.writeFileSync(path.join(run.dir, 'run.lock'), JSON.stringify({ pid: process.ppid, host: require('node:os').hostname(), startedAt: 'x' }));
  assert.throws(() => store.open(run.id, { write: true }), LockedError);
  const reader = store.open(run.id, { write: false });
  assert.ok(reader.events.lastSeq > 0, 'read-only opens need no lock');
  reader.close();
});

test('run ids are folder-safe slugs and rubric versions dedupe by hash', () => {
  assert.match(makeRunId('x; touch /tmp/pwned $(id) "q"\n', new Date('2026-01-02T03:04:05Z')), /^x-touch-tmp-pwned-id-q-20260102-030405$/);
  const store = new RunStore(tmpDir());
  const run = store.create(config, { agentVersion: 't', rubricText: 'A {{instruction}} {{response}}' });
  assert.deepEqual(run.rubricVersions().map((v) => v.version), [1]);
  assert.equal(run.addRubricVersion('A {{instruction}} {{response}}').version, 1);
  assert.equal(run.addRubricVersion('B {{instruction}} {{response}}').version, 2);
  assert.equal(run.latestRubric().text, 'B {{instruction}} {{response}}');
  assert.deepEqual(run.models().map((m) => [m.iteration, m.name]), [[1, 'sim-base']]);
  assert.throws(() => store.open('../etc', { write: false }), /invalid run id/);
  run.close();
});
