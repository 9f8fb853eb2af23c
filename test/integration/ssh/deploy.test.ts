import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectAgent, type AgentRpc } from '../../../remote/rpc/client';
import { openAgentChannel } from '../../../src/connection/ssh/channel';
import { chooseNode, deployAgent, probeRemote, sha256File, type AgentDeployment } from '../../../src/connection/ssh/deploy';
import { openSsh, type SshSession } from '../../../src/connection/ssh/sshLink';
import { loopbackTarget as target, scriptedPrompter, startSshd, type Sshd } from '../../helpers/sshd';
import { repoRoot, tmpDir } from '../../helpers/tmp';

const bundle = path.join(repoRoot, 'dist', 'agent.js');
const minimalConfig = (name: string) => ({ name, model: { backend: 'sim', name: 'sim-base' }, seedData: [{ path: 'builtin:demo' }] });


describe('agent deployment over SSH (real sshd, real agent bundle)', () => {
  const dir = tmpDir('selfreward-deploy-');
  const kh = path.join(dir, 'known_hosts');
  let sshd: Sshd;
  let noStreamLocal: Sshd;
  const cleanups: (() => unknown)[] = [];
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const connect = async (s: Sshd): Promise<SshSession> => {
    const session = await openSsh(target(s), { prompter: scriptedPrompter(), knownHosts: { user: kh, system: [] }, agent: null, log });
    cleanups.push(() => session.close());
    return session;
  };
  const rpcOver = async (session: SshSession, dep: AgentDeployment): Promise<{ rpc: AgentRpc; mode: string }> => {
    const ch = await openAgentChannel(session.client, dep, log);
    const rpc = await connectAgent({ readable: ch.stream, writable: ch.stream }, dep.token, { client: 'ssh-test' });
    cleanups.push(() => rpc.dispose());
    return { rpc, mode: ch.mode };
  };

  before(async () => {
    assert.ok(fs.existsSync(bundle), `${bundle} missing: run npm run build first`);
    [sshd, noStreamLocal] = await Promise.all([startSshd(), startSshd({ allowStreamLocal: false })]);
    fs.writeFileSync(kh, `${sshd.knownHostsLine}\n${noStreamLocal.knownHostsLine}\n`);
  });
  after(async () => {
    // stop the daemons we started (they are detached on purpose), then the sshds
    for (const c of cleanups.reverse()) await c();
    for (const s of [sshd, noStreamLocal]) await s?.stop();
  });

  let first: AgentDeployment;
  let firstPid = 0;

  it('deploys: upload to ~/.selfreward/agent/<sha256>/agent.js, private socket folder, daemon answers over streamlocal', async () => {
    const session = await connect(sshd);
    first = await deployAgent(session.client, { bundlePath: bundle, prompter: scriptedPrompter(), log, nodePath: process.execPath });
    const hash = sha256File(bundle);
    assert.equal(first.uploaded, true);
    assert.equal(first.started, true);
    assert.equal(first.agentPath, path.join(sshd.remoteHome, '.selfreward', 'agent', hash, 'agent.js'));
    assert.equal(sha256File(first.agentPath), hash);
    assert.equal(fs.statSync(path.dirname(first.socketPath)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(first.socketPath).mode & 0o777, 0o600);
    assert.equal(fs.statSync(first.tokenPath).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(first.agentDir).filter((f) => f.includes('.tmp-')), [], 'no temp file left');
    const { rpc, mode } = await rpcOver(session, first);
    assert.equal(mode, 'streamlocal');
    assert.equal(rpc.hello.bundleHash, hash);
    assert.equal(rpc.hello.runsDir, path.join(sshd.remoteHome, '.selfreward', 'runs'));
    firstPid = rpc.hello.pid;
    cleanups.unshift(() => {
      try {
        process.kill(firstPid, 'SIGTERM');
      } catch {
        /* already stopped */
      }
    });
  });

  it('a second connect reuses the uploaded bundle and the running daemon', async () => {
    const mtime = fs.statSync(first.agentPath).mtimeMs;
    const before = logs.length;
    const session = await connect(sshd);
    const again = await deployAgent(session.client, { bundlePath: bundle, prompter: scriptedPrompter(), log, nodePath: process.execPath });
    assert.equal(again.uploaded, false);
    assert.equal(again.started, false);
    assert.equal(again.token, first.token);
    assert.equal(fs.statSync(first.agentPath).mtimeMs, mtime);
    assert.ok(!logs.slice(before).some((l) => l.includes('uploading')), 'nothing uploaded');
    const { rpc } = await rpcOver(session, again);
    assert.equal(rpc.hello.pid, firstPid, 'same daemon');
  });

  it('run names with shell metacharacters stay data', async () => {
    const bare = `selfreward-pwned-${randomBytes(6).toString('hex')}`;
    const session = await connect(sshd);
    const { rpc } = await rpcOver(session, first);
    const name = `x; touch /tmp/${bare} $(touch /tmp/${bare}) \`id\` 'q' "d"\nnl`;
    const { run } = await rpc.request('runs/create', { config: minimalConfig(name) });
    assert.equal(run.name, name);
    const listed = await rpc.request('runs/list', {});
    assert.ok(listed.runs.some((r) => r.name === name));
    assert.ok(!fs.existsSync(`/tmp/${bare}`));
  });

  it('paths with metacharacters (runs folder, install folder) cannot inject', async () => {
    // short: the socket path under the install folder must stay within the Unix socket limit
    const bare = `pw${randomBytes(3).toString('hex')}`;
    const session = await connect(sshd);
    const evilBase = `~/i;touch ${bare}$(touch ${bare})'q"`;
    const evilRuns = `~/runs "$(touch ${bare})"; touch ${bare}`;
    const dep = await deployAgent(session.client, { bundlePath: bundle, prompter: scriptedPrompter(), log, nodePath: process.execPath, baseDir: evilBase, runsDir: evilRuns });
    const { rpc } = await rpcOver(session, dep);
    cleanups.unshift(() => rpc.request('agent/shutdown', {}).catch(() => undefined));
    assert.equal(rpc.hello.runsDir, path.join(sshd.remoteHome, evilRuns.slice(2)));
    assert.ok(fs.existsSync(path.join(sshd.remoteHome, evilBase.slice(2), 'agent', dep.hash, 'agent.js')));
    for (const d of ['/root', sshd.remoteHome, dep.agentDir, '/tmp']) assert.ok(!fs.existsSync(path.join(d, bare)), `${d}/${bare} must not exist`);
  });

  it('streamlocal forbidden by sshd: the exec "attach" fallback carries JSON-RPC', async () => {
    const session = await connect(noStreamLocal);
    const dep = await deployAgent(session.client, { bundlePath: bundle, prompter: scriptedPrompter(), log, nodePath: process.execPath });
    const { rpc, mode } = await rpcOver(session, dep);
    cleanups.unshift(() => rpc.request('agent/shutdown', {}).catch(() => undefined));
    assert.equal(mode, 'exec');
    assert.ok(logs.some((l) => /may forbid streamlocal/.test(l)));
    const { run } = await rpc.request('runs/create', { config: minimalConfig('via exec') });
    assert.equal((await rpc.request('runs/snapshot', { runId: run.id })).run.name, 'via exec');
  });

  it('finds Node: the configured path first, then PATH; too old or none → a clear message and an upload offer', async () => {
    const session = await connect(sshd);
    const info = await probeRemote(session.client, process.execPath, '~/.selfreward');
    assert.equal(info.os, 'Linux');
    assert.equal(info.home, sshd.remoteHome);
    assert.equal(info.nodes[0].path, process.execPath);
    assert.equal(info.nodes[0].version, process.version);
    const old = { ...info, nodes: [{ path: '/opt/node16/bin/node', version: 'v16.20.2', major: 16 }] };
    const prompter = scriptedPrompter({ confirm: false });
    await assert.rejects(
      chooseNode(session.client, old, '/h/.selfreward', { bundlePath: bundle, prompter, uploadableNode: process.execPath }, log),
      /No Node\.js 18\+ found on the host \(found \/opt\/node16\/bin\/node v16\.20\.2, too old\)\. Install Node\.js 18 or newer.*linux-x64.*selfreward\.agent\.nodePath/s,
    );
    // same OS/arch as this machine: the upload was offered (and declined here)
    assert.equal(prompter.calls.filter((c) => c.kind === 'confirm').length, process.platform === 'linux' && process.arch === 'x64' ? 1 : 0);
    const never = scriptedPrompter({ confirm: true });
    await assert.rejects(chooseNode(session.client, { ...info, nodes: [] }, '/h', { bundlePath: bundle, prompter: never, uploadableNode: null }, log), /No Node\.js 18\+/);
    assert.equal(never.calls.length, 0, 'no offer without an uploadable runtime');
  });

  it('no Node on the host and the same OS/arch here: on consent this machine\'s Node is uploaded, verified and used', { skip: !(process.platform === 'linux' && process.arch === 'x64') }, async () => {
    const session = await connect(sshd);
    const info = await probeRemote(session.client, undefined, '~/.selfreward');
    const prompter = scriptedPrompter({ confirm: true });
    const base = path.join(sshd.remoteHome, 'upnode');
    const node = await chooseNode(session.client, { ...info, nodes: [] }, base, { bundlePath: bundle, prompter, uploadableNode: process.execPath }, log);
    assert.equal(node, path.join(base, 'node', 'linux-x64', 'bin', 'node'));
    assert.equal(sha256File(node), sha256File(process.execPath));
    assert.equal(fs.statSync(node).mode & 0o111, 0o111, 'executable');
    assert.match((prompter.calls[0].arg as string), /No Node\.js 18\+ on the host/);
    // and the probe finds it next time, before anything else is needed
    const again = await probeRemote(session.client, '/nonexistent', path.join(base));
    assert.ok(again.nodes.some((n) => n.path === node && n.version === process.version));
  });
});
