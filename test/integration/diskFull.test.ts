/**
 * Issue #15 (1, 8): a full disk during an iteration, in the daemon and in `agent.js run`. The iteration ends
 * `failed` with an error naming the run and the file, subscribed clients hear of it even when the event log itself
 * cannot take the event, no temp file is left, and once space is back the iteration resumes and finishes with every
 * JSONL file whole (no joined records, no duplicates). Each case runs twice: against a real small tmpfs where this
 * machine lets the test mount one (skipped cleanly otherwise), and with an injected ENOSPC at the fs layer (always).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { RunEvent, RunEventBody } from '../../remote/protocol';
import { RunStore } from '../../remote/store/runStore';
import { forEachJsonl } from '../../remote/store/jsonl';
import { agentJs, simConfig, startInProcessDaemon, waitFor } from '../helpers/agent';
import { repoRoot, tmpDir } from '../helpers/tmp';
import { injectDiskFull } from '../helpers/diskFull';
import { RECORD_FILES, recordsById } from './pipeline/files';

const SMALL = '256k'; // an iteration of this config writes about 600 KB

/** Mount a tmpfs of `size` on a fresh folder, or say why not. */
function smallDisk(size: string): { dir: string; grow(size: string): void } | string {
  if (process.platform !== 'linux') return 'tmpfs needs Linux';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim() || `exit ${r.status}`})`;
  }
  after(() => {
    spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    grow(s: string) {
      const g = spawnSync('mount', ['-o', `remount,size=${s}`, dir], { encoding: 'utf8' });
      assert.equal(g.status, 0, g.stderr);
    },
  };
}
const probe = smallDisk('64k');
const tmpfsSkip = typeof probe === 'string' ? probe : false;

const cfg = (name: string) =>
  simConfig(name, {
    model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 64, tokensPerSecond: 20000, ttftMs: 2 } },
    prompts: { perIteration: 24 },
    inference: { concurrency: 16 },
  });

/** Every JSONL file of the run parses record by record, record files without duplicate ids; no temp file left. */
function assertRunWhole(runDir: string): void {
  const events: number[] = [];
  forEachJsonl<RunEvent>(path.join(runDir, 'events.jsonl'), (e) => void events.push(e.seq));
  events.forEach((s, i) => assert.equal(s, i + 1, 'event seqs consecutive'));
  for (const f of RECORD_FILES) recordsById(path.join(runDir, 'iterations', '1', `${f}.jsonl`));
  const temps: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.tmp')) temps.push(path.join(d, e.name));
    }
  };
  walk(runDir);
  assert.deepEqual(temps, []);
}

/** Returns whether the failure came as `events/unrecorded` (the event log itself could not take it). */
async function daemonCase(runsRoot: string | undefined, fill: (runDir: string) => { start(): void; free(): void }): Promise<{ unrecorded: boolean }> {
  const d = await startInProcessDaemon(undefined, runsRoot ? { runsDir: runsRoot } : {});
  const c = await d.connect();
  const { run } = await c.request('runs/create', { config: cfg('disk full') });
  const pushed: RunEvent[] = [];
  const unrecorded: { event: RunEventBody; error: string }[] = [];
  c.onNotification('events/push', (p) => pushed.push(...p.events));
  c.onNotification('events/unrecorded', (p) => unrecorded.push(p));
  await c.request('events/subscribe', { runId: run.id, afterSeq: run.lastSeq });
  const disk = fill(run.dir);
  // Full in the middle of the candidates (deterministic: from the daemon's own event stream).
  let answers = 0;
  const off = d.daemon.openRun(run.id).events.onEvent((e) => {
    if (e.type === 'candidate' && ++answers === 5) disk.start();
  });
  assert.equal((await c.request('iteration/start', { runId: run.id })).iteration, 1);
  const failure = await waitFor('the failure reaches the subscriber', () => {
    const f = pushed.find((e) => e.type === 'iteration.failed') as (RunEvent & { error: string }) | undefined;
    const u = unrecorded.find((x) => x.event.type === 'iteration.failed');
    return f?.error ?? (u ? `${(u.event as { error: string }).error}` : undefined);
  }, 60_000);
  off();
  assert.match(failure, /ENOSPC/);
  assert.ok(failure.includes(run.dir) || failure.includes(run.id), `names the run: ${failure}`);
  assert.match(failure, /\.(jsonl|json)/, `names the file: ${failure}`);
  await waitFor('the iteration task ended', () => !d.daemon.task(run.id));
  const snap = await c.request('runs/snapshot', { runId: run.id });
  assert.notEqual(snap.iterations[0].status, 'running', 'the snapshot does not show it running');

  disk.free();
  assert.equal((await c.request('iteration/start', { runId: run.id })).iteration, 1, 'the same iteration resumes');
  await waitFor('the resumed iteration finishes', () => pushed.some((e) => e.type === 'iteration.finished'), 120_000);
  c.dispose();
  await d.close();
  assertRunWhole(run.dir);
  // openable and resumable as `agent.js run --resume` opens it
  const again = new RunStore(path.dirname(run.dir)).open(run.id, { write: true });
  assert.equal(again.readManifest(1)!.status, 'done');
  again.close();
  return { unrecorded: unrecorded.some((u) => u.event.type === 'iteration.failed') };
}

test('daemon, injected ENOSPC: the iteration fails naming run and file, the subscriber hears it, and it resumes once space is back', { timeout: 240_000 }, async () => {
  let disk: ReturnType<typeof injectDiskFull> | undefined;
  try {
    const r = await daemonCase(undefined, (runDir) => {
      disk = injectDiskFull((f) => f.startsWith(runDir));
      return { start: () => void (disk!.full = true), free: () => void (disk!.full = false) };
    });
    assert.ok(disk!.failures > 0);
    assert.ok(r.unrecorded, 'every write of the run fails, the event log too: the failure came as events/unrecorded');
  } finally {
    disk?.restore();
  }
});

test('daemon, a real full tmpfs: the same', { skip: tmpfsSkip, timeout: 240_000 }, async () => {
  const small = smallDisk(SMALL) as Exclude<ReturnType<typeof smallDisk>, string>;
  const runs = path.join(small.dir, 'runs');
  // The disk fills by itself; what the hook does is only to check it really is the disk that stopped the iteration.
  await daemonCase(runs, () => ({ start: () => undefined, free: () => small.grow('64m') }));
});

function cliRun(args: string[], env: Record<string, string> = {}, preload = false) {
  const pre = preload ? ['--import', 'tsx', '--import', path.join(repoRoot, 'test', 'fixtures', 'diskFullPreload.ts')] : [];
  return spawnSync(process.execPath, [...pre, agentJs, 'run', ...args], { encoding: 'utf8', timeout: 120_000, cwd: repoRoot, env: { ...process.env, ...env } });
}

function writeConfig(dir: string): string {
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify(cfg('cli disk')));
  return file;
}

test('agent.js run, injected ENOSPC on the record files: exit 1 naming run and file, manifest failed, no temp files; --resume finishes', { timeout: 240_000 }, async () => {
  const dir = tmpDir();
  const runsDir = path.join(dir, 'runs');
  const r = cliRun(['--config', writeConfig(dir), '--runs-dir', runsDir], { SELFREWARD_TEST_DISK_FULL_MATCH: '\\.jsonl$', SELFREWARD_TEST_DISK_FULL_AFTER: '150000' }, true);
  assert.equal(r.status, 1, r.stderr);
  const [id] = fs.readdirSync(runsDir);
  const runDir = path.join(runsDir, id);
  const last = r.stderr.trim().split('\n').pop()!;
  assert.ok(last.startsWith(`run ${id}: `), last);
  assert.match(last, /ENOSPC/);
  assert.ok(last.includes(runDir) && /\.jsonl/.test(last), `names the file: ${last}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(runDir, 'iterations', '1', 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'failed');
  const ok = cliRun(['--runs-dir', runsDir, '--resume', id]);
  assert.equal(ok.status, 0, ok.stderr);
  assertRunWhole(runDir);
});

test('agent.js run on a real full tmpfs: exit 1 naming run and file, no temp files; --resume finishes once space is back', { skip: tmpfsSkip, timeout: 240_000 }, async () => {
  const small = smallDisk(SMALL) as Exclude<ReturnType<typeof smallDisk>, string>;
  const runsDir = path.join(small.dir, 'runs');
  const r = cliRun(['--config', writeConfig(tmpDir()), '--runs-dir', runsDir]);
  assert.equal(r.status, 1, r.stderr);
  const [id] = fs.readdirSync(runsDir);
  const last = r.stderr.trim().split('\n').pop()!;
  assert.ok(last.startsWith(`run ${id}: `) && /ENOSPC/.test(last) && last.includes(path.join(runsDir, id)), last);
  small.grow('64m');
  const ok = cliRun(['--runs-dir', runsDir, '--resume', id]);
  assert.equal(ok.status, 0, ok.stderr);
  assertRunWhole(path.join(runsDir, id));
});
