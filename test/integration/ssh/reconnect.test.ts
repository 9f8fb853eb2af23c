import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as fs from 'node:fs';
import type { RunEvent } from '../../../remote/protocol';
import { connectSocket, type AgentRpc } from '../../../remote/rpc/client';
import { sshAgentConnector } from '../../../src/connection/ssh/agentConnector';
import { SshLink } from '../../../src/connection/ssh/sshLink';
import type { LinkState } from '../../../src/connection/agentApi';
import { loopbackTarget, scriptedPrompter, startSshd, type Sshd } from '../../helpers/sshd';
import { repoRoot, tmpDir } from '../../helpers/tmp';

const bundle = path.join(repoRoot, 'dist', 'agent.js');

describe('SSH link loss: reconnect and replay from the last seq', () => {
  const dir = tmpDir('selfreward-reconnect-');
  let sshd: Sshd;
  let link: SshLink;
  const rpcs: AgentRpc[] = [];
  before(async () => {
    sshd = await startSshd();
    fs.writeFileSync(path.join(dir, 'known_hosts'), sshd.knownHostsLine + '\n');
  });
  after(async () => {
    for (const r of rpcs) {
      await r.request('agent/shutdown', {}).catch(() => undefined);
      r.dispose();
    }
    link?.dispose();
    await sshd?.stop();
  });

  it('the session sshd is killed while events stream; the client reconnects and gets every event once, in order', async () => {
    const states: LinkState[] = [];
    link = new SshLink(
      loopbackTarget(sshd),
      { prompter: scriptedPrompter(), knownHosts: { user: path.join(dir, 'known_hosts'), system: [] }, agent: null, backoffMs: [100, 200, 400], keepaliveIntervalMs: 2000 },
    );
    link.onDidChangeState((s) => states.push(s));
    const open = sshAgentConnector(link, { bundlePath: bundle, prompter: scriptedPrompter(), nodePath: process.execPath });

    // A subscriber that re-attaches after a drop and asks for events after its last seq.
    const got: RunEvent[] = [];
    let lastSeq = 0;
    const take = (evs: RunEvent[]) => {
      for (const e of evs) {
        got.push(e);
        lastSeq = Math.max(lastSeq, e.seq);
      }
    };
    let runId = '';
    let attaches = 0;
    const attach = async (): Promise<AgentRpc> => {
      const rpc = await open();
      rpcs.push(rpc);
      attaches++;
      rpc.onNotification('events/push', (p) => p.runId === runId && take(p.events));
      const sub = await rpc.request('events/subscribe', { runId, afterSeq: lastSeq });
      take(sub.events);
      let more = sub.more;
      while (more) {
        const r = await rpc.request('events/read', { runId, afterSeq: lastSeq, limit: 1000 });
        take(r.events.filter((e) => e.seq <= sub.snapshot.seq));
        more = lastSeq < sub.snapshot.seq;
      }
      return rpc;
    };

    const first = await open();
    rpcs.push(first);
    runId = (await first.request('runs/create', { config: { name: 'reconnect', model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] } })).run.id;
    const rpc1 = await attach();
    const closed1 = new Promise<void>((r) => rpc1.onClose(r));

    // The run keeps producing events on the box, whatever happens to the SSH link: a local client of the daemon
    // (the "box" is this machine) adds rubric versions, each one a run event.
    const dep = open.deployment!;
    const local = await connectSocket(dep.socketPath, dep.tokenPath);
    rpcs.push(local);
    const N = 40;
    let produced = 0;
    const producer = (async () => {
      for (let i = 0; i < N; i++) {
        await local.request('rubric/set', { runId, text: `rubric version ${i}\n{prompt}\n{response}` });
        produced++;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();

    // Cut the SSH connection mid-stream: kill the per-connection sshd process (not the listener).
    while (produced < 10) await new Promise((r) => setTimeout(r, 5));
    const sessions = sshd.sessionPids();
    assert.ok(sessions.length >= 1, 'a session process to kill');
    for (const p of sessions) process.kill(p, 'SIGKILL');
    await closed1;
    const seenAtCut = lastSeq;
    const rpc2 = await attach();
    await producer;
    const finalSeq = (await local.request('events/read', { runId, afterSeq: 0, limit: 10_000 })).lastSeq;
    const deadline = Date.now() + 10_000;
    while (lastSeq < finalSeq && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    assert.ok(seenAtCut < finalSeq, 'events happened after the cut');
    assert.equal(attaches, 2);
    assert.equal(rpc2.hello.pid, rpc1.hello.pid, 'the same daemon kept the run going');
    assert.deepEqual(states.slice(0, 4), ['connecting', 'connected', 'reconnecting', 'connected']);
    assert.equal(link.connects, 2);
    const seqs = got.map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: finalSeq }, (_, i) => i + 1), 'every event once, in order');
    assert.equal(got.filter((e) => e.type === 'rubric.version').length, N + 1);
  });

  it('a link that goes silent (session sshd stopped) is detected by keepalives and replaced', async () => {
    const states: LinkState[] = [];
    const logs: string[] = [];
    const quiet = new SshLink(loopbackTarget(sshd), {
      prompter: scriptedPrompter(),
      knownHosts: { user: path.join(dir, 'known_hosts'), system: [] },
      agent: null,
      backoffMs: [100],
      keepaliveIntervalMs: 300,
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    });
    quiet.onDidChangeState((s) => states.push(s));
    const before = new Set(sshd.sessionPids());
    const s1 = await quiet.session();
    const mine = sshd.sessionPids().filter((p) => !before.has(p));
    assert.equal(mine.length, 1);
    process.kill(mine[0], 'SIGSTOP'); // no FIN, no RST: only keepalives can tell
    try {
      await s1.closed;
      const s2 = await quiet.session();
      assert.notEqual(s2, s1);
      assert.deepEqual(states, ['connecting', 'connected', 'reconnecting', 'connected']);
      assert.ok(logs.some((l) => /lost; reconnecting/.test(l)));
    } finally {
      process.kill(mine[0], 'SIGKILL');
      quiet.dispose();
    }
    assert.equal(quiet.state, 'offline');
  });
});
