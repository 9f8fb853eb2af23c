import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openSsh, type SshSession } from '../../../src/connection/ssh/sshLink';
import { runScript } from '../../../src/connection/ssh/remoteExec';
import { shellCommand, shellQuote } from '../../../src/connection/ssh/shellQuote';
import { loopbackTarget as target, scriptedPrompter, startSshd, type Sshd } from '../../helpers/sshd';
import { tmpDir } from '../../helpers/tmp';


describe('remote commands and ProxyJump against real sshds', () => {
  const dir = tmpDir('selfreward-sshr-');
  let a: Sshd;
  let b: Sshd;
  let session: SshSession;
  const kh = path.join(dir, 'known_hosts');
  after(async () => {
    session?.close();
    await a?.stop();
    await b?.stop();
  });
  before(async () => {
    [a, b] = await Promise.all([startSshd(), startSshd()]);
    // b accepts a's client key too, so one identity file works for both hops
    fs.appendFileSync(path.join(b.dir, 'authorized_keys'), a.clientKeyPub + '\n');
    fs.writeFileSync(kh, `${a.knownHostsLine}\n${b.knownHostsLine}\n`);
    session = await openSsh(target(a), { prompter: scriptedPrompter(), knownHosts: { user: kh, system: [] }, agent: null });
  });

  it('shell metacharacters in arguments arrive as data, never as commands', async () => {
    const marker = `/tmp/selfreward-pwned-${randomBytes(6).toString('hex')}`;
    const evil = [
      `x; touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `it's "quoted" \\ back`,
      `line1\ntouch ${marker}\nline3`,
      `${marker}' ; touch '${marker}`,
      '*',
      '-n',
      '',
    ];
    for (const word of evil) {
      const r = await runScript(session.client, shellCommand(['printf', '%s', word]));
      assert.equal(r.output, word, `round trip of ${JSON.stringify(word)}`);
    }
    // as a path: mkdir of an evil name creates exactly that directory
    // no slash in a name: a file called pwned-… would appear in the remote cwd (/root, sshd's start folder) or HOME
    const bare = path.basename(marker);
    const name = `run x; touch ${bare} $(touch ${bare}) 'q' "d"\nnl`;
    const parent = path.join(a.remoteHome, 'paths');
    const r = await runScript(session.client, `mkdir -p ${shellQuote(path.join(parent, name))} && ls ${shellQuote(parent)}`);
    assert.equal(r.status, 0);
    assert.deepEqual(fs.readdirSync(parent), [name]);
    for (const f of [marker, path.join('/root', bare), path.join(a.remoteHome, bare)]) assert.ok(!fs.existsSync(f), `${f} must not exist`);
  });

  it('output is read between markers even when shell start-up files print noise', async () => {
    fs.writeFileSync(path.join(a.remoteHome, '.bashrc'), 'echo "NOISE FROM BASHRC"\necho "__SELFREWARD_END_fake__ 9"\n');
    try {
      const r = await runScript(session.client, 'printf "%s\\n" hello; exit 7');
      assert.equal(r.output, 'hello\n');
      assert.equal(r.status, 7);
    } finally {
      fs.rmSync(path.join(a.remoteHome, '.bashrc'));
    }
  });

  it('ProxyJump: through sshd A to sshd B, both host keys verified', async () => {
    const s = await openSsh(target(b, { identityFiles: [a.clientKeyFile], jumps: [target(a)] }), {
      prompter: scriptedPrompter(),
      knownHosts: { user: kh, system: [] },
      agent: null,
    });
    try {
      const r = await runScript(s.client, 'printf %s "$HOME"');
      assert.equal(r.output, b.remoteHome, 'the command ran on B');
    } finally {
      s.close();
    }
    // B's log shows the connection came from loopback through A's forwarding
    assert.match(fs.readFileSync(b.logFile, 'utf8'), /Accepted publickey for root from 127\.0\.0\.1/);
    // a hop with an unknown key is asked about (naming the final target), and refusing stops the chain
    const khA = path.join(dir, 'kh_only_b');
    fs.writeFileSync(khA, `${b.knownHostsLine}\n`);
    const prompter = scriptedPrompter({ hostKey: false });
    await assert.rejects(
      openSsh(target(b, { identityFiles: [a.clientKeyFile], jumps: [target(a)] }), { prompter, knownHosts: { user: khA, system: [] }, agent: null }),
      /not trusted/,
    );
    assert.equal(prompter.calls.length, 1);
    assert.equal((prompter.calls[0].arg as { port: number; via: string }).port, a.port);
    assert.match((prompter.calls[0].arg as { via: string }).via, new RegExp(`:${b.port}$`));
  });
});
