// Makes sure the Debian packages the tests use are present: a real OpenSSH server (SSH tests) and Chromium
// (webview tests). Installs them with apt-get when running as root; otherwise says exactly what to run.
import { execSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const needs = [
  { pkg: 'openssh-server', present: () => fs.existsSync('/usr/sbin/sshd') },
  { pkg: 'openssh-client', present: () => has('ssh-agent') && has('ssh-keygen') },
  { pkg: 'chromium', present: () => fs.existsSync('/usr/bin/chromium') },
];

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length) {
  const cmd = `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`;
  if (process.getuid?.() === 0 && has('apt-get')) {
    console.log(`installing test prerequisites: ${missing.join(' ')}`);
    execSync(cmd, { stdio: 'inherit', shell: '/bin/bash' });
  } else {
    console.error(`missing test prerequisites: ${missing.join(', ')}\nrun: sudo sh -c '${cmd}'`);
    process.exit(1);
  }
}
