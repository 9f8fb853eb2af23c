import { stub, fakeContext, fakeLog, EventEmitter, type Prompt, type QuickPickItemLike } from '../../helpers/vscodeStub';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createConnectionManager } from '../../../src/connection/feature';
import { sshFeature } from '../../../src/connection/ssh/feature';
import { fingerprint, knownHostsLine } from '../../../src/connection/ssh/knownHosts';
import type { Services } from '../../../src/services';
import { makeKeyFile, startSshd, type Sshd } from '../../helpers/sshd';
import { tmpDir } from '../../helpers/tmp';

/** The commands as VS Code runs them: stubbed UI, real sshd, real agent bundle, real ConnectionManager. */
describe('Connect to GPU Host… / Disconnect (vscode stub, real sshd)', () => {
  const dir = tmpDir('selfreward-sshfeat-');
  const kh = path.join(dir, 'known_hosts');
  let sshd: Sshd;
  let services: Services;
  let context: ReturnType<typeof fakeContext>;
  const log = fakeLog();
  const logText = () => stub.outputChannels.flatMap((c) => c.lines).join('\n');
  const connect = sshFeature.commands!.connect;
  const disconnect = sshFeature.commands!.disconnect;

  before(async () => {
    sshd = await startSshd();
    const cfg = path.join(dir, 'ssh_config');
    fs.writeFileSync(
      cfg,
      `Host testbox\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKeyFile}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${kh}\nHost *.other\n  User nobody\n`,
    );
    stub.configuration.set('selfreward.ssh.configFile', cfg);
    stub.configuration.set('selfreward.agent.nodePath', process.execPath);
    context = fakeContext();
    services = {
      context,
      log,
      connection: createConnectionManager(context as never, log as never),
      currentRunId: undefined,
      onDidChangeCurrentRun: new EventEmitter<string | undefined>().event,
      setCurrentRun: () => undefined,
    } as unknown as Services;
    await sshFeature.activate!(services);
  });
  after(async () => {
    await services?.connection.agent?.request('agent/shutdown', {}).catch(() => undefined);
    await disconnect(services)();
    context?.dispose();
    await sshd?.stop();
  });

  it('picks a host from the ssh config, asks about the unknown host key, deploys and connects', async () => {
    stub.answer('quickPick', 'testbox');
    stub.answer('message', 'Trust and Connect');
    await connect(services)();
    assert.equal(stub.pending(), 0);
    const pick = stub.prompts.find((p) => p.kind === 'quickPick')!;
    assert.deepEqual((pick.items as { label: string }[]).map((i) => i.label), ['testbox', 'Other host…']);
    const ask = stub.prompts.find((p) => p.kind === 'message')!;
    assert.match(ask.message!, new RegExp(`Unknown SSH host 127\\.0\\.0\\.1:${sshd.port}`));
    assert.equal(ask.options?.modal, true);
    assert.equal(fs.readFileSync(kh, 'utf8'), sshd.knownHostsLine + '\n', 'appended to the config\'s UserKnownHostsFile');
    assert.equal(services.connection.state, 'connected');
    const { runs } = await services.connection.agent!.request('runs/list', {});
    assert.deepEqual(runs, []);
    const item = stub.statusBarItems.find((i) => i.id === 'selfreward.ssh')!;
    assert.equal(item.visible, false, 'while the link is up the main status item shows it; no second item');
    assert.equal(services.connection.agent?.label, `root@127.0.0.1:${sshd.port}`);
    assert.equal(stub.contexts.get('selfreward.connected'), true);
    assert.match(logText(), new RegExp(fingerprint(sshd.hostKeyBlob).replace(/[+/]/g, '\\$&')));
    assert.match(logText(), /deploy: uploading agent/);
    const token = fs.readFileSync(path.join(sshd.remoteHome, '.selfreward', 's', fs.readdirSync(path.join(sshd.remoteHome, '.selfreward', 's'))[0], 'agent.sock.token'), 'utf8').trim();
    assert.ok(!logText().includes(token), 'no secret in the log');
  });

  it('Disconnect closes the link and leaves the daemon; the next pick lists the host as recent and reuses everything', async () => {
    const pid = (services.connection.agent as unknown as { hello: { pid: number } }).hello.pid;
    await disconnect(services)();
    assert.equal(services.connection.state, 'offline');
    assert.equal(stub.contexts.get('selfreward.connected'), false);
    assert.equal(stub.statusBarItems.find((i) => i.id === 'selfreward.ssh')!.visible, false);
    process.kill(pid, 0); // still running on the box
    stub.prompts.length = 0;
    stub.answer('quickPick', (p: Prompt) => {
      assert.deepEqual((p.items as QuickPickItemLike[])[0], { label: 'testbox', description: 'recent' });
      return 'testbox';
    });
    await connect(services)();
    assert.equal(stub.prompts.filter((p) => p.kind === 'message').length, 0, 'known host: nothing asked');
    assert.equal((services.connection.agent as unknown as { hello: { pid: number } }).hello.pid, pid, 'same daemon');
    assert.match(logText(), /already running .* reused/);
  });

  it('a changed host key is refused with both fingerprints; the link stays offline', async () => {
    await disconnect(services)();
    const other = makeKeyFile(dir, 'impostor');
    const otherBlob = Buffer.from(other.pub.split(' ')[1], 'base64');
    fs.writeFileSync(kh, knownHostsLine('127.0.0.1', sshd.port, otherBlob) + '\n');
    stub.answer('quickPick', 'testbox');
    await connect(services)();
    const err = stub.lastMessage('error')!;
    assert.match(err.message, /host key of 127\.0\.0\.1 changed — connection refused/);
    assert.equal(err.modal, true);
    const text = logText();
    assert.ok(text.includes(fingerprint(otherBlob)) && text.includes(fingerprint(sshd.hostKeyBlob)));
    assert.equal(services.connection.state, 'offline');
    const failed = stub.statusBarItems.find((i) => i.id === 'selfreward.ssh')!;
    assert.equal(failed.visible, true, 'a failed link is shown with its reason');
    assert.match(failed.text, /offline/);
  });

  it('Other host… takes user@host[:port] and rejects a bad port before connecting', async () => {
    stub.answer('quickPick', 'Other host…');
    stub.answer('inputBox', 'root@127.0.0.1:99999');
    // the input box validates with parseHostSpec: the stub refuses input its validateInput rejects
    await assert.rejects(connect(services)() as Promise<unknown>, /port "99999"/);
  });
});
