import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'ssh2';
import { fingerprint, knownHostsLine, verifyHostKey } from '../../../src/connection/ssh/knownHosts';
import { HostKeyError, openSsh, SshAuthError, type SshConnectOptions } from '../../../src/connection/ssh/sshLink';
import { loopbackTarget as target, makeKeyFile, scriptedPrompter, startSshAgent, startSshd, type Sshd } from '../../helpers/sshd';
import { tmpDir } from '../../helpers/tmp';
import { execFileSync } from 'node:child_process';


function exec(client: Client, cmd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.exec(cmd, (err, ch) => {
      if (err) return reject(err);
      let out = '';
      ch.on('data', (d: Buffer) => (out += d.toString()));
      ch.stderr.resume();
      ch.on('close', () => resolve(out));
    }),
  );
}

describe('ssh connect against a real sshd', () => {
  let sshd: Sshd;
  const dir = tmpDir('selfreward-sshc-');
  const stops: (() => unknown)[] = [];
  after(async () => {
    for (const s of stops) await s();
  });
  let knownHosts: string;
  let opts: (kh?: string) => SshConnectOptions;
  before(async () => {
    sshd = await startSshd();
    stops.push(() => sshd.stop());
    knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, sshd.knownHostsLine + '\n');
    opts = (kh = knownHosts) => ({ prompter: scriptedPrompter(), knownHosts: { user: kh, system: [] }, agent: null });
  });

  it('key auth: identity file, known host, exec runs with the test HOME', async () => {
    const s = await openSsh(target(sshd), opts());
    try {
      assert.equal((await exec(s.client, 'printf %s "$HOME"')).trim(), sshd.remoteHome);
    } finally {
      s.close();
    }
  });

  it('agent auth with a real ssh-agent (no identity file given)', async () => {
    const agentKey = makeKeyFile(dir, 'agent_key');
    fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), agentKey.pub + '\n');
    const { sock, stop } = await startSshAgent([agentKey.file]);
    stops.push(stop);
    const log: string[] = [];
    const s = await openSsh(target(sshd, { identityFiles: [] }), {
      ...opts(),
      agent: sock,
      log: { info: (m) => log.push(m), warn: (m) => log.push(m), error: (m) => log.push(m) },
    });
    s.close();
    assert.ok(log.some((l) => l.includes('ssh-agent')));
    // and without the agent the same target fails with an auth error (no loop, no prompt for a password)
    await assert.rejects(openSsh(target(sshd, { identityFiles: [] }), opts()), SshAuthError);
  });

  it('encrypted identity file: passphrase asked, wrong one retried', async () => {
    const enc = makeKeyFile(dir, 'enc_key', 'correct horse');
    fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), enc.pub + '\n');
    const prompter = scriptedPrompter({ passphrases: ['wrong', 'correct horse'] });
    const s = await openSsh(target(sshd, { identityFiles: [enc.file] }), { ...opts(), prompter });
    s.close();
    assert.deepEqual(prompter.calls.map((c) => c.kind), ['passphrase', 'passphrase']);
  });

  it('unknown host: accepted → entry appended in OpenSSH format; refused → no connection', async () => {
    const kh = path.join(dir, 'kh_unknown');
    const refuse = scriptedPrompter({ hostKey: false });
    await assert.rejects(openSsh(target(sshd), { ...opts(kh), prompter: refuse }), (e: unknown) => e instanceof HostKeyError && /not trusted/.test((e as Error).message));
    assert.equal(refuse.calls.length, 1);
    assert.equal((refuse.calls[0].arg as { fingerprint: string }).fingerprint, fingerprint(sshd.hostKeyBlob));
    assert.ok(!fs.existsSync(kh));

    const accept = scriptedPrompter({ hostKey: true });
    const s = await openSsh(target(sshd), { ...opts(kh), prompter: accept });
    s.close();
    assert.equal(fs.readFileSync(kh, 'utf8'), sshd.knownHostsLine + '\n');
    assert.match(execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', kh], { encoding: 'utf8' }), /ssh-ed25519/);
    // second time: known, nothing asked
    const again = scriptedPrompter({ hostKey: false });
    (await openSsh(target(sshd), { ...opts(kh), prompter: again })).close();
    assert.equal(again.calls.length, 0);
  });

  it('changed host key: refused with both fingerprints, nothing executed', async () => {
    const kh = path.join(dir, 'kh_changed');
    const other = makeKeyFile(dir, 'other_host');
    const otherBlob = Buffer.from(other.pub.split(' ')[1], 'base64');
    fs.writeFileSync(kh, knownHostsLine('127.0.0.1', sshd.port, otherBlob) + '\n');
    const before = fs.readFileSync(sshd.logFile, 'utf8');
    const prompter = scriptedPrompter({ hostKey: true });
    await assert.rejects(openSsh(target(sshd), { ...opts(kh), prompter }), (e: unknown) => {
      const m = (e as Error).message;
      return e instanceof HostKeyError && m.includes(fingerprint(sshd.hostKeyBlob)) && m.includes(fingerprint(otherBlob)) && /CHANGED/.test(m);
    });
    assert.equal(prompter.calls.length, 0, 'a changed key is never offered for acceptance');
    assert.equal(fs.readFileSync(kh, 'utf8'), knownHostsLine('127.0.0.1', sshd.port, otherBlob) + '\n', 'known_hosts untouched');
    await new Promise((r) => setTimeout(r, 200));
    const newLog = fs.readFileSync(sshd.logFile, 'utf8').slice(before.length);
    assert.doesNotMatch(newLog, /Accepted publickey|Starting session|session opened/i, 'no authentication or session happened');
  });

  it('hashed known_hosts entry accepted; @revoked refused', async () => {
    const kh = path.join(dir, 'kh_hashed');
    fs.writeFileSync(kh, sshd.knownHostsLine + '\n');
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    assert.ok(fs.readFileSync(kh, 'utf8').startsWith('|1|'));
    assert.equal(verifyHostKey('127.0.0.1', sshd.port, sshd.hostKeyBlob, { user: kh, system: [] }).status, 'known');
    (await openSsh(target(sshd), opts(kh))).close();

    const revoked = path.join(dir, 'kh_revoked');
    fs.writeFileSync(revoked, `${sshd.knownHostsLine}\n@revoked * ${sshd.hostKeyPub}\n`);
    const prompter = scriptedPrompter({ hostKey: true });
    await assert.rejects(openSsh(target(sshd), { ...opts(revoked), prompter }), /@revoked/);
    assert.equal(prompter.calls.length, 0);
  });

  it('password auth is offered only when the server lists it, asked at most 3 times, then an auth error (no loop)', async () => {
    const pw = await startSshd({ passwordAuth: true });
    stops.push(() => pw.stop());
    const kh = path.join(dir, 'kh_pw');
    fs.writeFileSync(kh, pw.knownHostsLine + '\n');
    // root's password here is locked/unknown, so every answer is wrong: what matters is how often we ask
    const prompter = scriptedPrompter({ passwords: ['wrong1', 'wrong2', 'wrong3', 'wrong4'] });
    await assert.rejects(openSsh(target(pw, { identityFiles: [] }), { ...opts(kh), prompter }), SshAuthError);
    assert.deepEqual(prompter.calls.map((c) => c.kind), ['password', 'password', 'password']);
    // the key-only server never asks for a password
    const keyOnly = scriptedPrompter({ passwords: ['x'] });
    await assert.rejects(openSsh(target(sshd, { identityFiles: [] }), { ...opts(), prompter: keyOnly }), SshAuthError);
    assert.equal(keyOnly.calls.length, 0);
  });
});
