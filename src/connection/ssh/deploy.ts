/**
 * Puts the agent on the remote and makes sure it runs: finds a Node >= 18 (configured path, PATH, the Node of VS
 * Code's remote server, one we uploaded before), uploads dist/agent.js to ~/.selfreward/agent/<sha256>/ over SFTP
 * (temp name, hash checked on the remote, rename; reused when already there), starts `serve` detached with its
 * socket in a 0700 folder, reuses a running daemon of the same hash, and reads the token file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import { defaultTokenFile } from '../../../remote/rpc/client';
import { silentLog, type Prompter, type SshLog } from './prompter';
import { openSftp, runScript } from './remoteExec';
import { shellCommand, shellQuote } from './shellQuote';
import { sha256File } from '../../../remote/fileHash';

export { sha256File };

export const MIN_NODE_MAJOR = 18;
const MAX_SOCKET_PATH = 100;

export interface DeployOptions {
  /** the local agent bundle (dist/agent.js) */
  bundlePath: string;
  /** selfreward.agent.nodePath; `~/` allowed */
  nodePath?: string;
  /** selfreward.agent.runsDir on the remote; default ~/.selfreward/runs */
  runsDir?: string;
  /** root of everything we put on the remote; default ~/.selfreward */
  baseDir?: string;
  prompter: Prompter;
  log?: SshLog;
  /**
   * A local Node binary that may be uploaded when the remote has none (same OS/arch only); default: this
   * process's binary when it is a plain `node` (not VS Code's Electron). null = never offer.
   */
  uploadableNode?: string | null;
  /** how long to wait for a started daemon's socket and token */
  startTimeoutMs?: number;
}

export interface RemoteInfo {
  os: string;
  arch: string;
  home: string;
  nodes: { path: string; version: string; major: number }[];
}

export interface AgentDeployment {
  hash: string;
  home: string;
  agentDir: string;
  agentPath: string;
  socketPath: string;
  tokenPath: string;
  logPath: string;
  runsDir: string;
  nodePath: string;
  /** the bundle was uploaded this time (false: the same hash was already there) */
  uploaded: boolean;
  /** a daemon was started this time (false: a running one of the same hash answered) */
  started: boolean;
  token: string;
}



/** `~` / `~/x` against the remote home; other paths as they are. */
export function remoteAbs(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.posix.join(home, p.slice(2));
  if (!p.startsWith('/')) return path.posix.join(home, p);
  return p;
}

export async function probeRemote(client: Client, nodePath: string | undefined, baseDir: string): Promise<RemoteInfo> {
  // Candidates in order of preference; each printed only if executable, with its version.
  const configured = nodePath ? [quoteTilde(nodePath)] : [];
  const body = [
    'uname -sm',
    'printf "%s\\n" "$HOME"',
    'show() { [ -x "$1" ] && [ ! -d "$1" ] && printf "node\\t%s\\t%s\\n" "$1" "$("$1" -v 2>/dev/null)"; return 0; }',
    ...configured.map((c) => `show ${c}`),
    'p=$(command -v node 2>/dev/null) && show "$p"',
    `for n in ${quoteTilde(baseDir)}/node/*/bin/node "$HOME"/.vscode-server/bin/*/node "$HOME"/.vscode-server/cli/servers/*/server/node; do show "$n"; done`,
  ].join('\n');
  const r = await runScript(client, body);
  const lines = r.output.split('\n');
  const [os = '', arch = ''] = (lines[0] ?? '').trim().split(/\s+/);
  const home = (lines[1] ?? '').trim();
  if (!os || !home.startsWith('/')) throw new Error(`could not read the remote OS or home folder (got ${JSON.stringify(r.output.slice(0, 200))})`);
  const nodes: RemoteInfo['nodes'] = [];
  for (const l of lines.slice(2)) {
    const [tag, p, version] = l.split('\t');
    if (tag !== 'node' || !p) continue;
    const m = /^v(\d+)\./.exec(version ?? '');
    if (nodes.some((n) => n.path === p)) continue;
    nodes.push({ path: p, version: version ?? '', major: m ? Number(m[1]) : 0 });
  }
  return { os, arch, home, nodes };
}

/** `~/x` → `"$HOME"/'x'` so the remote shell expands the home; everything else fully quoted. */
function quoteTilde(p: string): string {
  if (p === '~') return '"$HOME"';
  if (p.startsWith('~/')) return `"$HOME"/${shellQuote(p.slice(2))}`;
  return shellQuote(p);
}

/** Node release names for `uname -sm` output, for the upload offer and the install hint. */
export function nodePlatformOf(os: string, arch: string): string | undefined {
  const o = os === 'Linux' ? 'linux' : os === 'Darwin' ? 'darwin' : undefined;
  const a = arch === 'x86_64' || arch === 'amd64' ? 'x64' : arch === 'aarch64' || arch === 'arm64' ? 'arm64' : undefined;
  return o && a ? `${o}-${a}` : undefined;
}

function defaultUploadableNode(): string | null {
  return /^node(\.exe)?$/.test(path.basename(process.execPath)) ? process.execPath : null;
}

export async function deployAgent(client: Client, opts: DeployOptions): Promise<AgentDeployment> {
  const log = opts.log ?? silentLog;
  const baseDir = opts.baseDir ?? '~/.selfreward';
  const info = await probeRemote(client, opts.nodePath, baseDir);
  log.info(`deploy: remote is ${info.os} ${info.arch}, home ${info.home}; Node found: ${info.nodes.map((n) => `${n.path} ${n.version}`).join(', ') || 'none'}`);
  const base = remoteAbs(baseDir, info.home);
  const nodePath = await chooseNode(client, info, base, opts, log);

  const hash = sha256File(opts.bundlePath);
  const agentDir = path.posix.join(base, 'agent', hash);
  const agentPath = path.posix.join(agentDir, 'agent.js');
  // Unix socket paths are limited to ~104 bytes (macOS; 108 on Linux): keep the socket's folder short.
  const runDir = path.posix.join(base, 's', hash.slice(0, 16));
  const socketPath = path.posix.join(runDir, 'agent.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new Error(`the agent socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes (a Unix socket limit); use a shorter install folder`);
  }
  const dep: Omit<AgentDeployment, 'uploaded' | 'started' | 'token'> = {
    hash,
    home: info.home,
    agentDir,
    agentPath,
    socketPath,
    tokenPath: defaultTokenFile(socketPath),
    logPath: path.posix.join(runDir, 'agent.log'),
    runsDir: remoteAbs(opts.runsDir ?? '~/.selfreward/runs', info.home),
    nodePath,
  };
  const uploaded = await ensureBundle(client, opts.bundlePath, hash, agentDir, agentPath, log);
  const started = await ensureRunning(client, dep, opts.startTimeoutMs ?? 15_000, log);
  const tok = await runScript(client, `cat ${shellQuote(dep.tokenPath)}`);
  const token = tok.output.trim();
  if (tok.status !== 0 || !token) throw new Error(`could not read the agent token ${dep.tokenPath}: ${tok.stderr.trim() || 'empty'}`);
  return { ...dep, uploaded, started, token };
}

export async function chooseNode(client: Client, info: RemoteInfo, base: string, opts: DeployOptions, log: SshLog): Promise<string> {
  const good = info.nodes.find((n) => n.major >= MIN_NODE_MAJOR);
  if (good) {
    log.info(`deploy: using Node ${good.version} at ${good.path}`);
    return good.path;
  }
  const platform = nodePlatformOf(info.os, info.arch);
  const old = info.nodes.length ? ` (found ${info.nodes.map((n) => `${n.path} ${n.version || '?'}`).join(', ')}, too old)` : '';
  const howTo =
    `Install Node.js ${MIN_NODE_MAJOR} or newer on the host${platform ? ` (e.g. the ${platform} tarball from https://nodejs.org/dist/, unpacked under ~/.selfreward/node/${platform})` : ''}, ` +
    `or set "selfreward.agent.nodePath" to an existing one.`;
  const local = opts.uploadableNode === undefined ? defaultUploadableNode() : opts.uploadableNode;
  const localPlatform = `${process.platform}-${process.arch}`;
  if (local && platform && platform === localPlatform) {
    const ok = await opts.prompter.confirm(
      `No Node.js ${MIN_NODE_MAJOR}+ on the host${old}.`,
      `Upload this machine's Node ${process.version} (${localPlatform}, ${Math.round(fs.statSync(local).size / 1e6)} MB) to ${base}/node/${platform}/bin/node? ` +
        `Supported only when the host has the same OS and CPU as this machine. Otherwise: ${howTo}`,
      'Upload Node',
    );
    if (ok) {
      const dir = path.posix.join(base, 'node', platform, 'bin');
      await uploadVerified(client, local, dir, path.posix.join(dir, 'node'), sha256File(local), 0o755, log);
      log.info(`deploy: uploaded Node ${process.version} to ${dir}/node`);
      return path.posix.join(dir, 'node');
    }
  }
  throw new Error(`No Node.js ${MIN_NODE_MAJOR}+ found on the host${old}. ${howTo}`);
}

/** Uploads the bundle unless the same hash is already installed. Returns whether it uploaded. */
async function ensureBundle(client: Client, local: string, hash: string, dir: string, dest: string, log: SshLog): Promise<boolean> {
  if ((await remoteSha256(client, dest)) === hash) {
    log.info(`deploy: agent ${hash.slice(0, 12)} already on the host at ${dest}; reused`);
    return false;
  }
  log.info(`deploy: uploading agent ${hash.slice(0, 12)} to ${dest}`);
  await uploadVerified(client, local, dir, dest, hash, 0o644, log);
  return true;
}

async function remoteSha256(client: Client, file: string): Promise<string | undefined> {
  const f = shellQuote(file);
  const r = await runScript(
    client,
    `[ -f ${f} ] || exit 3; if command -v sha256sum >/dev/null 2>&1; then sha256sum ${f}; else shasum -a 256 ${f}; fi`,
  );
  if (r.status !== 0) return undefined;
  return /^([0-9a-f]{64})\b/.exec(r.output.trim())?.[1];
}

/**
 * SFTP to a temp name beside dest, check the SHA-256 on the remote (one retry with concurrency 1: parallel
 * fastPut has corrupted files on some servers), then rename over dest.
 */
async function uploadVerified(client: Client, local: string, dir: string, dest: string, hash: string, mode: number, log: SshLog): Promise<void> {
  const mk = await runScript(client, `mkdir -p ${shellQuote(dir)} && chmod 700 ${shellQuote(path.posix.dirname(dir))} ${shellQuote(dir)}`);
  if (mk.status !== 0) throw new Error(`cannot create ${dir} on the host: ${mk.stderr.trim()}`);
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
  const sftp = await openSftp(client);
  try {
    for (const concurrency of [64, 1]) {
      await fastPut(sftp, local, tmp, concurrency, mode);
      const got = await remoteSha256(client, tmp);
      if (got === hash) {
        const mv = await runScript(client, shellCommand(['mv', '-f', tmp, dest]));
        if (mv.status !== 0) throw new Error(`cannot move ${tmp} to ${dest}: ${mv.stderr.trim()}`);
        return;
      }
      log.warn(`deploy: ${dest} arrived with hash ${got ?? 'unknown'} instead of ${hash.slice(0, 12)}… (concurrency ${concurrency})${concurrency > 1 ? '; retrying with concurrency 1' : ''}`);
    }
    await runScript(client, shellCommand(['rm', '-f', tmp])).catch(() => undefined);
    throw new Error(`upload of ${path.basename(local)} to ${dest} failed verification twice (SHA-256 mismatch)`);
  } finally {
    sftp.end();
  }
}

function fastPut(sftp: SFTPWrapper, local: string, remote: string, concurrency: number, mode: number): Promise<void> {
  return new Promise((resolve, reject) =>
    sftp.fastPut(local, remote, { concurrency, mode }, (err) => (err ? reject(new Error(`SFTP upload to ${remote} failed: ${err.message}`)) : resolve())),
  );
}

/** Is a daemon listening on the socket? Checked with the remote Node itself (works whatever the sshd allows). */
export async function agentAnswers(client: Client, dep: Pick<AgentDeployment, 'nodePath' | 'socketPath' | 'tokenPath'>): Promise<boolean> {
  const probe = "const s=require('net').connect(process.argv[1]);s.on('connect',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000)";
  const r = await runScript(client, `[ -S ${shellQuote(dep.socketPath)} ] && [ -s ${shellQuote(dep.tokenPath)} ] && ${shellCommand([dep.nodePath, '-e', probe, dep.socketPath])}`);
  return r.status === 0;
}

/** Starts `serve` detached unless a daemon of this hash answers. Returns whether it started one. */
async function ensureRunning(client: Client, dep: Omit<AgentDeployment, 'uploaded' | 'started' | 'token'>, timeoutMs: number, log: SshLog): Promise<boolean> {
  if (await agentAnswers(client, dep)) {
    log.info(`deploy: agent daemon already running on ${dep.socketPath}; reused`);
    return false;
  }
  const runDir = path.posix.dirname(dep.socketPath);
  const serve = shellCommand([dep.nodePath, dep.agentPath, 'serve', '--socket', dep.socketPath, '--runs-dir', dep.runsDir]);
  const tries = Math.max(1, Math.ceil(timeoutMs / 100));
  const body = [
    `mkdir -p ${shellQuote(runDir)} ${shellQuote(dep.runsDir)} && chmod 700 ${shellQuote(runDir)} || exit 4`,
    `rm -f ${shellQuote(dep.tokenPath)}`,
    `cd ${shellQuote(dep.agentDir)} || exit 4`,
    // setsid: own session, so the daemon survives the SSH session; stdio detached so the exec channel can close.
    `if command -v setsid >/dev/null 2>&1; then setsid nohup ${serve} </dev/null >>${shellQuote(dep.logPath)} 2>&1 & else nohup ${serve} </dev/null >>${shellQuote(dep.logPath)} 2>&1 & fi`,
    `i=0; while [ $i -lt ${tries} ]; do [ -S ${shellQuote(dep.socketPath)} ] && [ -s ${shellQuote(dep.tokenPath)} ] && exit 0; sleep 0.1; i=$((i+1)); done`,
    `tail -n 20 ${shellQuote(dep.logPath)} >&2; exit 5`,
  ].join('\n');
  log.info(`deploy: starting agent daemon: ${serve}`);
  const r = await runScript(client, body, timeoutMs + 10_000);
  if (r.status !== 0) throw new Error(`the agent daemon did not start (status ${r.status}); log ${dep.logPath}:\n${r.stderr.trim()}`);
  log.info(`deploy: agent daemon listening on ${dep.socketPath}`);
  return true;
}
