/**
 * A real OpenSSH sshd on 127.0.0.1 for the SSH tests: its own host key, a free port, an authorized test key, and
 * switches for streamlocal forwarding and password auth. Killed by pid when the test file ends.
 *
 * The caller stops it (`after(() => sshd.stop())` in the describe body: hooks registered inside `before` would run
 * right after that hook). Remote HOME: the tests run as root and sshd logs in as the current user, so `SetEnv HOME=<remoteHome>` makes the
 * remote shell's `~` (and so ~/.selfreward) a temp folder of the test instead of /root.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { freePort } from '../../remote/freePort';
import * as path from 'node:path';
import * as os from 'node:os';
import { utils } from 'ssh2';
import { knownHostsLine } from '../../src/connection/ssh/knownHosts';
import type { Prompter } from '../../src/connection/ssh/prompter';
import type { SshTarget } from '../../src/connection/ssh/sshConfig';

export interface SshdOptions {
  allowStreamLocal?: boolean;
  /** enable password auth (the password of the current user is not known; tests use keys) */
  passwordAuth?: boolean;
  /** extra public keys (OpenSSH format) to authorize */
  authorizedKeys?: string[];
}

export interface Sshd {
  port: number;
  pid: number;
  dir: string;
  /** what `~` is for remote commands */
  remoteHome: string;
  hostKeyBlob: Buffer;
  /** OpenSSH public key line of the host key */
  hostKeyPub: string;
  /** `[127.0.0.1]:port ssh-ed25519 AAAA…` */
  knownHostsLine: string;
  /** the authorized test key (unencrypted OpenSSH private key file) */
  clientKeyFile: string;
  clientKeyPub: string;
  logFile: string;
  /** pids of the per-connection sshd processes (children of the listener) */
  sessionPids(): number[];
  stop(): Promise<void>;
}

/** An ed25519 key pair written as files; `passphrase` encrypts the private key (via ssh-keygen). */
export function makeKeyFile(dir: string, name: string, passphrase = ''): { file: string; pub: string } {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', `selfreward-test-${name}`, '-f', file]);
  return { file, pub: fs.readFileSync(file + '.pub', 'utf8').trim() };
}

function pubBlob(pub: string): Buffer {
  const k = utils.parseKey(pub);
  if (k instanceof Error) throw k;
  return (Array.isArray(k) ? k[0] : k).getPublicSSH();
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-sshd-'));
  fs.mkdirSync('/run/sshd', { recursive: true });
  const remoteHome = path.join(dir, 'home');
  fs.mkdirSync(remoteHome, { mode: 0o700 });
  const host = makeKeyFile(dir, 'host_ed25519');
  const client = makeKeyFile(dir, 'client_ed25519');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), [client.pub, ...(opts.authorizedKeys ?? [])].join('\n') + '\n');
  const logFile = path.join(dir, 'sshd.log');
  const config = path.join(dir, 'sshd_config');
  let child: ChildProcess | undefined;
  let port = 0;
  // A free port can be taken between probing and binding: retry a few times.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    fs.writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${host.file}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin yes',
        `PasswordAuthentication ${opts.passwordAuth ? 'yes' : 'no'}`,
        'KbdInteractiveAuthentication no',
        `AllowStreamLocalForwarding ${opts.allowStreamLocal === false ? 'no' : 'yes'}`,
        'AllowTcpForwarding yes',
        'Subsystem sftp internal-sftp',
        'PrintMotd no',
        'LogLevel VERBOSE',
        `SetEnv HOME=${remoteHome}`,
        '',
      ].join('\n'),
    );
    const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log = fs.createWriteStream(logFile);
    proc.stderr!.pipe(log);
    const ok = await new Promise<boolean>((resolve) => {
      let text = '';
      const onData = (d: Buffer) => {
        text += d.toString();
        if (/Server listening on/.test(text)) done(true);
        else if (/Address already in use|Bind to port/.test(text)) done(false);
      };
      const done = (v: boolean) => {
        proc.stderr!.off('data', onData);
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => done(false), 10_000);
      proc.stderr!.on('data', onData);
      proc.once('exit', () => done(false));
    });
    if (ok) child = proc;
    else if (proc.exitCode === null) proc.kill('SIGKILL');
  }
  if (!child?.pid) throw new Error(`sshd did not start; see ${logFile}: ${fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''}`);
  const pid = child.pid;
  const hostKeyBlob = pubBlob(host.pub);
  const stop = async () => {
    if (child!.exitCode !== null || child!.signalCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    for (const s of sessionPidsOf(pid)) killQuiet(s);
    child!.kill('SIGTERM');
    await exited;
    // Agent daemons started through this sshd are detached on purpose; whatever still runs from its folder goes.
    for (const p of pidsRunningFrom(dir)) killQuiet(p);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return {
    port,
    pid,
    dir,
    remoteHome,
    hostKeyBlob,
    hostKeyPub: host.pub,
    knownHostsLine: knownHostsLine('127.0.0.1', port, hostKeyBlob),
    clientKeyFile: client.file,
    clientKeyPub: client.pub,
    logFile,
    sessionPids: () => sessionPidsOf(pid),
    stop,
  };
}

/** Children of the listener (one per client connection), read from /proc. */
export function sessionPidsOf(listenerPid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // ppid is the 2nd field after the parenthesised command name
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === listenerPid) out.push(Number(name));
    } catch {
      /* process gone */
    }
  }
  return out;
}

/** Processes whose command line mentions `dir` (daemons started from a test's remote home). */
export function pidsRunningFrom(dir: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dir)) out.push(Number(name));
    } catch {
      /* process gone */
    }
  }
  return out;
}

function killQuiet(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** A real ssh-agent on its own socket holding the given key files; killed by pid after the test file. */
export async function startSshAgent(keyFiles: string[]): Promise<{ sock: string; pid: number; stop(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selfreward-agent-'));
  const sock = path.join(dir, 'agent.sock');
  const proc = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  const stop = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(sock)) {
    if (Date.now() > deadline) throw new Error('ssh-agent did not create its socket');
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const f of keyFiles) execFileSync('ssh-add', [f], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
  return { sock, pid: proc.pid!, stop };
}

export interface ScriptedPrompter extends Prompter {
  calls: { kind: string; arg: unknown }[];
}

/** A Prompter with fixed answers that records what it was asked. */
export function scriptedPrompter(answers: { hostKey?: boolean; passphrases?: string[]; passwords?: string[]; confirm?: boolean } = {}): ScriptedPrompter {
  const passphrases = [...(answers.passphrases ?? [])];
  const passwords = [...(answers.passwords ?? [])];
  const calls: { kind: string; arg: unknown }[] = [];
  return {
    calls,
    async confirmHostKey(q) {
      calls.push({ kind: 'hostKey', arg: q });
      return answers.hostKey ?? false;
    },
    async passphrase(file) {
      calls.push({ kind: 'passphrase', arg: file });
      return passphrases.shift();
    },
    async password(who) {
      calls.push({ kind: 'password', arg: who });
      return passwords.shift();
    },
    async confirm(message) {
      calls.push({ kind: 'confirm', arg: message });
      return answers.confirm ?? false;
    },
  };
}

/** The SshTarget of a test sshd: root@127.0.0.1:port with the sshd's authorized client key. */
export function loopbackTarget(s: Sshd, over: Partial<SshTarget> = {}): SshTarget {
  return {
    alias: '127.0.0.1',
    host: '127.0.0.1',
    port: s.port,
    user: 'root',
    identityFiles: [s.clientKeyFile],
    identityFilesConfigured: true,
    identitiesOnly: false,
    jumps: [],
    ...over,
  };
}
