import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseHostSpec, SshConfigFile, targetLabel } from '../../../src/connection/ssh/sshConfig';
import { tmpDir } from '../../helpers/tmp';

describe('sshConfig', () => {
  const home = tmpDir('selfreward-sshcfg-');
  fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.ssh', 'config'),
    [
      'Include conf.d/*.conf',
      'Host gpu gpu-alias',
      '  HostName 10.1.2.3',
      '  User alice',
      '  Port 2222',
      '  IdentityFile ~/.ssh/id_%h_%p_%r',
      '  IdentityFile keys/%u.key',
      '  IdentitiesOnly yes',
      '  ProxyJump bastion,carol@hop2:2200',
      'Host bastion',
      '  HostName bastion.example',
      '  User bob',
      'Host *.lab !bad.lab',
      '  User labuser',
      'Host *',
      '  User fallback',
      '  Port 22',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(home, '.ssh', 'conf.d', '10-inc.conf'), 'Host included\n  HostName inc.example\n  Port 2022\n');
  fs.writeFileSync(path.join(home, '.ssh', 'conf.d', 'ignored.txt'), 'Host notincluded\n');
  const cfg = SshConfigFile.load({ home, localUser: 'me' });

  it('resolves an alias: HostName, User, Port, IdentityFile tokens and IdentitiesOnly', () => {
    const t = cfg.resolve('gpu');
    assert.equal(t.host, '10.1.2.3');
    assert.equal(t.user, 'alice');
    assert.equal(t.port, 2222);
    assert.equal(t.identitiesOnly, true);
    assert.deepEqual(t.identityFiles, [path.join(home, '.ssh', 'id_10.1.2.3_2222_alice'), path.join(home, '.ssh', 'keys', 'me.key')]);
    assert.equal(targetLabel(t), 'alice@10.1.2.3:2222');
  });

  it('ProxyJump chains resolve each hop through the config; user@host:port hops keep their parts', () => {
    const t = cfg.resolve('gpu-alias');
    assert.deepEqual(
      t.jumps.map((j) => targetLabel(j)),
      ['bob@bastion.example', 'carol@hop2:2200'],
    );
  });

  it('wildcards, negation, defaults, Include with globs', () => {
    assert.equal(cfg.resolve('node7.lab').user, 'labuser');
    assert.equal(cfg.resolve('bad.lab').user, 'fallback');
    const inc = cfg.resolve('included');
    assert.equal(inc.host, 'inc.example');
    assert.equal(inc.port, 2022);
    assert.equal(inc.identityFilesConfigured, false);
    assert.ok(inc.identityFiles.includes(path.join(home, '.ssh', 'id_ed25519')));
    assert.deepEqual(cfg.hosts(), ['included', 'gpu', 'gpu-alias', 'bastion']);
  });

  it('typed user@host:port overrides the config', () => {
    const t = cfg.resolve('root@gpu:2200');
    assert.equal(t.user, 'root');
    assert.equal(t.port, 2200);
    assert.equal(t.host, '10.1.2.3');
    assert.deepEqual(parseHostSpec('[::1]:2201'), { user: undefined, host: '::1', port: 2201, fromUri: false, explicit: true });
    assert.deepEqual(parseHostSpec('ssh://u@h:23'), { user: 'u', host: 'h', port: 23, fromUri: true, explicit: true });
    assert.throws(() => parseHostSpec('u@h:99999'), /port "99999"/);
    assert.throws(() => parseHostSpec('@h'), /empty user/);
  });

  it('a bad Port names the file and host', () => {
    const bad = SshConfigFile.fromText('Host x\n  Port nope\n', { file: '/tmp/cfg', home });
    assert.throws(() => bad.resolve('x'), /\/tmp\/cfg: Port "nope" of host "x"/);
  });
});
