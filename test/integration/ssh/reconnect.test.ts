import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as fs from 'node:fs';
import type { RunEvent } from '../../../remote/protocol';
import type { AgentClient } from '../../../src/connection/agentClient';
import { AgentConnectionManager } from '../../../src/connection/manager';
import { RunMirror } from '../../../src/runs/runMirror';
import { attachToManager } from '../../../src/connection/ssh/managerAdapter';
import { simConfig, waitFor } from '../../helpers/agent';
import { sshAgentConnector } from '../../../src/connection/ssh/agentConnector';
import { SshLink } from '../../../src/connection/ssh/sshLink';
import type { LinkState } from '../../../src/connection/agentApi';
import { loopbackTarget, scriptedPrompter, startSshd, type Sshd } from '../../helpers/sshd';
import { repoRoot, tmpDir } from '../../helpers/tmp';

const bundle = path.join(repoRoot, 'dist', 'agent.js');
const cfg = (name: string) =>
  simConfig(name, {
    model: { backend: 'sim', name: 'sim-base', sim: { maxConcurrency: 16, tokensPerSecond: 3000, ttftMs: 5 } },
    prompts: { perIteration: 24 },
    inference: { concurrency: 16 },
  });

describe('SSH link loss: reconnect and replay from the last seq', () => {
  const dir = tmpDir('selfreward-reconnect-');
  let sshd: Sshd;
  let link: SshLink;
  let manager: AgentConnectionManager | undefined;
  before(async () => {
    sshd = await startSshd();
    fs.writeFileSync(path.join(dir, 'known_hosts'), sshd.knownHostsLine + '\n');
  });
  after(async () => {
    await manager?.agent?.request('agent/shutdown', {}).catch(() => undefined);
    manager?.dispose();
    link?.dispose();
    await sshd?.stop();
  });

  it('the session sshd is killed while an iteration streams: the run goes on, the client reconnects and gets every event once, in order', async () => {
    const linkStates: LinkState[] = [];
    const agentStates: LinkState[] = [];
    const logs: string[] = [];
    const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    link = new SshLink(loopbackTarget(sshd), {
      prompter: scriptedPrompter(),
      knownHosts: { user: path.join(dir, 'known_hosts'), system: [] },
      agent: null,
      backoffMs: [100, 200, 400],
      keepaliveIntervalMs: 2000,
      log,
    });
    link.onDidChangeState((s) => linkStates.push(s));
    const connector = sshAgentConnector(link, { bundlePath: bundle, prompter: scriptedPrompter(), nodePath: process.execPath, log });
    // The extension's real path: the ConnectionManager's attach() with the SSH connector as link factory.
    const mgr = (manager = new AgentConnectionManager({ local: () => ({ agentJs: bundle, runsDir: dir, stateDir: dir }), log }));
    mgr.onDidChangeState((s) => agentStates.push(s));
    const agent = await attachToManager(mgr, connector, link.label);
    const mirror = new RunMirror(agent);
    const { run } = await agent.request('runs/create', { config: cfg('over ssh') });
    await mirror.track(run.id);
    const seen: RunEvent[] = [];
    mirror.onEvents(run.id, (evs) => seen.push(...evs));
    const pid = (agent as AgentClient).hello!.pid;
    await agent.request('iteration/start', { runId: run.id });

    await waitFor('events flowing', () => seen.length > 40, 30_000);
    const sessions = sshd.sessionPids();
    assert.equal(sessions.length, 1, 'one SSH connection, one session process');
    process.kill(sessions[0], 'SIGKILL'); // the SSH link dies; the daemon (setsid) and its iteration do not
    const seenAtCut = seen.length;
    await waitFor('reconnected', () => link.connects === 2 && mgr.state === 'connected', 20_000);
    await waitFor('iteration end', () => seen.some((e) => e.type === 'iteration.finished' || e.type === 'iteration.failed'), 90_000);
    const end = await agent.request('runs/snapshot', { runId: run.id });
    await waitFor('mirror caught up', () => mirror.lastSeq(run.id) === end.seq);

    assert.ok(seen.some((e) => e.type === 'iteration.finished'), 'the iteration finished');
    assert.ok(seen.length > seenAtCut, 'events after the cut arrived');
    seen.forEach((e, i) => assert.equal(e.seq, run.lastSeq + 1 + i, `event #${i}: gap-free, no duplicates`));
    assert.equal((agent as AgentClient).hello!.pid, pid, 'the same daemon ran the whole iteration');
    assert.deepEqual(linkStates.slice(0, 4), ['connecting', 'connected', 'reconnecting', 'connected']);
    assert.ok(agentStates.includes('reconnecting'), agentStates.join(','));
    assert.ok(logs.some((l) => /agent daemon already running .* reused/.test(l)), 'the reconnect reused the running daemon');
    assert.ok(!logs.some((l) => l.includes(connector.deployment!.token)), 'the token never reaches the log');
    mirror.dispose();
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
