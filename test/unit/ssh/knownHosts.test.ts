import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  appendKnownHost,
  fingerprint,
  hostMatches,
  keyTypeOf,
  knownHostsLine,
  verifyHostKey,
  type KnownHostsFiles,
} from '../../../src/connection/ssh/knownHosts';
import { tmpDir } from '../../helpers/tmp';

/** A fresh host key made by the real ssh-keygen (ssh2's generator sometimes emits keys its own parser rejects). */
let keyNo = 0;
function newKey(dir: string, type: 'ed25519' | 'ecdsa' = 'ed25519'): { blob: Buffer; pub: string } {
  const file = path.join(dir, `key${keyNo++}`);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'ecdsa' ? ['-b', '256'] : []), '-N', '', '-f', file]);
  const pub = fs.readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { blob: Buffer.from(pub.split(' ')[1], 'base64'), pub };
}

describe('knownHosts', () => {
  const dir = tmpDir('selfreward-kh-');
  const a = newKey(dir);
  const b = newKey(dir);
  const e = newKey(dir, 'ecdsa');
  const files = (user: string, system: string[] = []): KnownHostsFiles => ({ user, system });

  it('prints fingerprints exactly as ssh-keygen -lf does', () => {
    const f = path.join(dir, 'a.pub');
    fs.writeFileSync(f, a.pub + '\n');
    const out = execFileSync('ssh-keygen', ['-lf', f], { encoding: 'utf8' });
    assert.equal(out.split(' ')[1], fingerprint(a.blob));
    assert.equal(keyTypeOf(a.blob), 'ssh-ed25519');
    assert.match(fingerprint(a.blob), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('known, unknown and changed for plain entries, comparing keys of the same type', () => {
    const f = path.join(dir, 'plain');
    fs.writeFileSync(f, `# comment\ngpu.example,10.0.0.5 ${knownHostsLine('x', 22, a.blob).split(' ').slice(1).join(' ')}\n`);
    assert.equal(verifyHostKey('gpu.example', 22, a.blob, files(f)).status, 'known');
    assert.equal(verifyHostKey('10.0.0.5', 22, a.blob, files(f)).status, 'known');
    const changed = verifyHostKey('gpu.example', 22, b.blob, files(f));
    assert.equal(changed.status, 'changed');
    assert.ok(changed.status === 'changed' && changed.expectedFingerprint === fingerprint(a.blob) && changed.fingerprint === fingerprint(b.blob));
    // a key of another type is not a "change": OpenSSH would ask
    const other = verifyHostKey('gpu.example', 22, e.blob, files(f));
    assert.equal(other.status, 'unknown');
    assert.deepEqual(other.status === 'unknown' && other.otherTypes, ['ssh-ed25519']);
    assert.equal(verifyHostKey('other.example', 22, a.blob, files(f)).status, 'unknown');
    // port 22 entry does not vouch for another port
    assert.equal(verifyHostKey('gpu.example', 2222, a.blob, files(f)).status, 'unknown');
  });

  it('[host]:port entries, wildcards and negation', () => {
    const f = path.join(dir, 'ports');
    fs.writeFileSync(f, `${knownHostsLine('127.0.0.1', 2201, a.blob)}\n*.lab,!bad.lab ${knownHostsLine('h', 22, b.blob).split(' ').slice(1).join(' ')}\n`);
    assert.match(fs.readFileSync(f, 'utf8'), /^\[127\.0\.0\.1\]:2201 ssh-ed25519 /);
    assert.equal(verifyHostKey('127.0.0.1', 2201, a.blob, files(f)).status, 'known');
    assert.equal(verifyHostKey('127.0.0.1', 2202, a.blob, files(f)).status, 'unknown');
    assert.equal(verifyHostKey('node1.lab', 22, b.blob, files(f)).status, 'known');
    assert.equal(verifyHostKey('bad.lab', 22, b.blob, files(f)).status, 'unknown');
    assert.equal(hostMatches('gpu?', 'gpu1'), true);
    assert.equal(hostMatches('gpu?', 'gpu'), false);
  });

  it('hashed entries written by ssh-keygen -H are matched', () => {
    const f = path.join(dir, 'hashed');
    fs.writeFileSync(f, `${knownHostsLine('127.0.0.1', 2299, a.blob)}\nbox.example ${knownHostsLine('z', 22, b.blob).split(' ').slice(1).join(' ')}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
    const text = fs.readFileSync(f, 'utf8');
    assert.ok(!text.includes('127.0.0.1') && text.startsWith('|1|'), 'file is hashed');
    assert.equal(verifyHostKey('127.0.0.1', 2299, a.blob, files(f)).status, 'known');
    assert.equal(verifyHostKey('box.example', 22, b.blob, files(f)).status, 'known');
    assert.equal(verifyHostKey('box.example', 22, a.blob, files(f)).status, 'changed');
    assert.equal(verifyHostKey('box2.example', 22, b.blob, files(f)).status, 'unknown');
  });

  it('@revoked wins over a matching plain entry; the system file is read too', () => {
    const user = path.join(dir, 'user_revoked');
    const sys = path.join(dir, 'system');
    fs.writeFileSync(user, knownHostsLine('gpu', 22, a.blob) + '\n');
    fs.writeFileSync(sys, `@revoked * ${knownHostsLine('gpu', 22, a.blob).split(' ').slice(1).join(' ')}\n${knownHostsLine('sysonly', 22, b.blob)}\n`);
    const v = verifyHostKey('gpu', 22, a.blob, files(user, [sys]));
    assert.equal(v.status, 'revoked');
    assert.equal(verifyHostKey('sysonly', 22, b.blob, files(user, [sys])).status, 'known');
    assert.equal(verifyHostKey('gpu', 22, b.blob, files(path.join(dir, 'missing'), [sys])).status, 'unknown');
  });

  it('appends in OpenSSH format, adding a newline when the file lacks one, file mode 0600', () => {
    const f = path.join(dir, 'new', 'known_hosts');
    appendKnownHost(f, '127.0.0.1', 2300, a.blob);
    assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    fs.appendFileSync(f, 'junk-without-newline');
    appendKnownHost(f, 'gpu', 22, b.blob);
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    assert.equal(lines[2], knownHostsLine('gpu', 22, b.blob));
    assert.equal(verifyHostKey('127.0.0.1', 2300, a.blob, files(f)).status, 'known');
    // ssh-keygen -F finds the appended entry: the format is OpenSSH's
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2300', '-f', f], { encoding: 'utf8' });
    assert.match(found, /ssh-ed25519/);
  });
});
