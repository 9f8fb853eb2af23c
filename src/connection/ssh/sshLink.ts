/**
 * One authenticated SSH connection (through its ProxyJump hops) with host keys ALWAYS verified, and a link that
 * keeps such a connection up: keepalives, reconnect with backoff on network loss, no retry loop on auth or host-key
 * failures. Auth order: ssh-agent, identity files (passphrases asked, kept in memory only for reconnects), password.
 */
import * as fs from 'node:fs';
import { Client, utils, type ClientChannel, type ConnectConfig, type ParsedKey } from 'ssh2';
import type { Readable } from 'node:stream';
import type { LinkState } from '../agentApi';
import { appendKnownHost, verifyHostKey, type HostKeyVerdict, type KnownHostsFiles } from './knownHosts';
import { silentLog, type Prompter, type SshLog } from './prompter';
import { targetLabel, type SshTarget } from './sshConfig';

export class HostKeyError extends Error {
  constructor(
    readonly verdict: HostKeyVerdict,
    readonly host: string,
    readonly port: number,
    message: string,
  ) {
    super(message);
    this.name = 'HostKeyError';
  }
}

export class SshAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SshAuthError';
  }
}

export interface SshConnectOptions {
  prompter: Prompter;
  knownHosts: KnownHostsFiles;
  log?: SshLog;
  /** ssh-agent socket; default SSH_AUTH_SOCK (Windows: the OpenSSH agent pipe); null = do not use an agent */
  agent?: string | null;
  keepaliveIntervalMs?: number;
  readyTimeoutMs?: number;
}

/** A connected session: the final client plus the hop clients it runs through. */
export interface SshSession {
  readonly client: Client;
  readonly label: string;
  readonly target: SshTarget;
  /** resolves when any part of the chain closes */
  readonly closed: Promise<void>;
  /** false once any part of the chain ended or closed */
  readonly alive: boolean;
  close(): void;
}

export function defaultAgentSocket(): string | undefined {
  if (process.platform === 'win32') return process.env.SSH_AUTH_SOCK || '\\\\.\\pipe\\openssh-ssh-agent';
  return process.env.SSH_AUTH_SOCK || undefined;
}

/** Decrypted identity keys of this process, so a reconnect does not ask again; memory only. */
const unlockedKeys = new Map<string, ParsedKey>();

/** Opens the chain target.jumps… → target; every hop's key verified and every hop authenticated. */
export async function openSsh(target: SshTarget, opts: SshConnectOptions): Promise<SshSession> {
  const log = opts.log ?? silentLog;
  const chain = [...target.jumps, { ...target, jumps: [] }];
  const clients: Client[] = [];
  try {
    let sock: Readable | undefined;
    for (let i = 0; i < chain.length; i++) {
      const hop = chain[i];
      const via = i < chain.length - 1 ? targetLabel(target) : undefined;
      log.info(`ssh: connecting to ${targetLabel(hop)}${i > 0 ? ` through ${targetLabel(chain[i - 1])}` : ''}`);
      const client = await connectOne(hop, sock, opts, via);
      clients.push(client);
      log.info(`ssh: authenticated to ${targetLabel(hop)}`);
      if (i < chain.length - 1) {
        const next = chain[i + 1];
        sock = await new Promise<ClientChannel>((resolve, reject) =>
          client.forwardOut('127.0.0.1', 0, next.host, next.port, (err, ch) => (err ? reject(new Error(`${targetLabel(hop)} could not forward to ${next.host}:${next.port}: ${err.message}`)) : resolve(ch))),
        );
      }
    }
  } catch (e) {
    for (const c of clients.reverse()) c.end();
    throw e;
  }
  let alive = true;
  const closed = Promise.race(
    clients.map(
      (c) =>
        new Promise<void>((r) => {
          const dead = () => {
            alive = false;
            r();
          };
          c.once('end', dead).once('close', dead);
        }),
    ),
  );
  const last = clients[clients.length - 1];
  return {
    get alive() {
      return alive;
    },
    client: last,
    label: targetLabel(target),
    target,
    closed,
    close() {
      for (const c of [...clients].reverse()) c.end();
    },
  };
}

function connectOne(hop: SshTarget, sock: Readable | undefined, opts: SshConnectOptions, via: string | undefined): Promise<Client> {
  const log = opts.log ?? silentLog;
  const client = new Client();
  let refusal: Error | undefined;
  // UserKnownHostsFile replaces the user file as in OpenSSH: read them all, append new keys to the first.
  const userFiles = hop.knownHostsFiles?.length ? hop.knownHostsFiles : undefined;
  const knownHosts: KnownHostsFiles = userFiles ? { user: userFiles[0], extra: userFiles.slice(1), system: opts.knownHosts.system } : opts.knownHosts;

  const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
    let verdict: HostKeyVerdict;
    try {
      verdict = verifyHostKey(hop.host, hop.port, key, knownHosts);
    } catch (e) {
      refusal = e as Error;
      verify(false);
      return;
    }
    const where = `${hop.host}:${hop.port}`;
    switch (verdict.status) {
      case 'known':
        log.info(`ssh: host key of ${where} is known (${verdict.keyType} ${verdict.fingerprint}, ${verdict.file}:${verdict.line})`);
        verify(true);
        return;
      case 'revoked':
        refusal = new HostKeyError(verdict, hop.host, hop.port, `The host key of ${where} (${verdict.keyType} ${verdict.fingerprint}) is marked @revoked in ${verdict.file}:${verdict.line}. Connection refused.`);
        log.error(`ssh: ${refusal.message}`);
        verify(false);
        return;
      case 'changed':
        refusal = new HostKeyError(
          verdict,
          hop.host,
          hop.port,
          `HOST KEY CHANGED for ${where}: the server offered ${verdict.keyType} ${verdict.fingerprint}, but ${verdict.file}:${verdict.line} expects ${verdict.expectedFingerprint}. ` +
            `This can be a man-in-the-middle attack. Nothing was sent. If the host was reinstalled, remove the old entry (ssh-keygen -R) and connect again.`,
        );
        log.error(`ssh: ${refusal.message}`);
        verify(false);
        return;
      case 'unknown':
        log.warn(`ssh: ${where} is not in known_hosts; offered ${verdict.keyType} ${verdict.fingerprint}`);
        opts.prompter
          .confirmHostKey({ host: hop.host, port: hop.port, keyType: verdict.keyType, fingerprint: verdict.fingerprint, via, otherTypes: verdict.otherTypes })
          .then(
            (ok) => {
              if (!ok) {
                refusal = new HostKeyError(verdict, hop.host, hop.port, `The host key of ${where} (${verdict.fingerprint}) was not trusted. Connection cancelled.`);
                log.warn(`ssh: host key of ${where} not trusted by the user`);
                verify(false);
                return;
              }
              appendKnownHost(knownHosts.user, hop.host, hop.port, key);
              log.info(`ssh: added ${where} ${verdict.keyType} ${verdict.fingerprint} to ${knownHosts.user}`);
              verify(true);
            },
            (e) => {
              refusal = e as Error;
              verify(false);
            },
          );
        return;
    }
  };

  const agentSock = opts.agent === undefined ? defaultAgentSocket() : (opts.agent ?? undefined);
  const plan = authPlan(hop, agentSock, opts, log);
  const cfg: ConnectConfig = {
    host: sock ? undefined : hop.host,
    port: sock ? undefined : hop.port,
    sock,
    username: hop.user,
    hostVerifier: hostVerifier as ConnectConfig['hostVerifier'],
    keepaliveInterval: opts.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: 3,
    readyTimeout: opts.readyTimeoutMs ?? 20_000,
    authHandler: plan as unknown as ConnectConfig['authHandler'],
  };
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(e);
    };
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) {
        // after setup: the close that follows ends the session and the link decides about reconnecting
        log.warn(`ssh: ${targetLabel(hop)}: ${err.message}${err.level ? ` (${err.level})` : ''}`);
        return;
      }
      if (err.level === 'agent') {
        log.warn(`ssh: ssh-agent: ${err.message}`);
        return;
      }
      if (refusal) return fail(refusal);
      if (err.level === 'client-authentication') return fail(new SshAuthError(`Authentication to ${targetLabel(hop)} failed: ${err.message}`));
      fail(Object.assign(new Error(`${targetLabel(hop)}: ${err.message}`), { level: err.level }));
    });
    client.once('close', () => fail(refusal ?? new Error(`${targetLabel(hop)}: connection closed during setup`)));
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    client.connect(cfg);
  });
}

type AuthNext =
  | { type: 'none'; username: string }
  | { type: 'agent'; username: string; agent: string }
  | { type: 'publickey'; username: string; key: ParsedKey }
  | { type: 'password'; username: string; password: string }
  | false;

/** ssh2 authHandler trying: agent → identity files → password (only when the server lists the method). */
function authPlan(hop: SshTarget, agentSock: string | undefined, opts: SshConnectOptions, log: SshLog) {
  const steps: (() => Promise<AuthNext | null>)[] = [];
  let methods: string[] | null = null;
  const allows = (m: string) => methods === null || methods.includes(m);
  // "none" first, as OpenSSH does: the server's answer lists the methods it takes (so we know if a password is).
  steps.push(async () => ({ type: 'none', username: hop.user }));
  if (agentSock && !hop.identitiesOnly) {
    steps.push(async () => {
      if (!allows('publickey')) return null;
      log.info(`ssh: trying keys of the ssh-agent`);
      return { type: 'agent', username: hop.user, agent: agentSock };
    });
  }
  for (const file of hop.identityFiles) {
    steps.push(async () => {
      if (!allows('publickey')) return null;
      const key = await loadIdentity(file, hop, opts, log);
      if (!key) return null;
      log.info(`ssh: trying identity file ${file}`);
      return { type: 'publickey', username: hop.user, key };
    });
  }
  let passwordAttempts = 0;
  const passwordStep = async (): Promise<AuthNext | null> => {
    if (methods === null || !methods.includes('password') || passwordAttempts >= 3) return null;
    passwordAttempts++;
    const password = await opts.prompter.password(targetLabel(hop), passwordAttempts);
    if (password === undefined) return null;
    log.info(`ssh: trying password for ${targetLabel(hop)} (attempt ${passwordAttempts})`);
    steps.push(passwordStep);
    return { type: 'password', username: hop.user, password };
  };
  return (methodsLeft: string[] | null, _partial: boolean | null, callback: (next: AuthNext) => void) => {
    if (methodsLeft) methods = methodsLeft;
    const next = async (): Promise<AuthNext> => {
      for (;;) {
        const step = steps.shift();
        if (!step) {
          // The password is only worth asking for once the server said it takes one.
          if (passwordAttempts === 0 && methods?.includes('password')) steps.push(passwordStep);
          const again = steps.shift();
          if (!again) return false;
          const r = await again();
          if (r) return r;
          continue;
        }
        const r = await step();
        if (r) return r;
      }
    };
    next().then(callback, (e) => {
      log.error(`ssh: ${(e as Error).message}`);
      callback(false);
    });
  };
}

async function loadIdentity(file: string, hop: SshTarget, opts: SshConnectOptions, log: SshLog): Promise<ParsedKey | undefined> {
  const cached = unlockedKeys.get(file);
  if (cached) return cached;
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    if (hop.identityFilesConfigured) log.warn(`ssh: identity file ${file} not readable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return undefined;
  }
  const first = utils.parseKey(data);
  const one = (k: ParsedKey | ParsedKey[] | Error) => (Array.isArray(k) ? k[0] : k);
  let parsed = one(first);
  if (!(parsed instanceof Error)) return parsed;
  if (!/encrypted|passphrase/i.test(parsed.message)) {
    log.warn(`ssh: identity file ${file} skipped: ${parsed.message}`);
    return undefined;
  }
  for (let attempt = 1; attempt <= 3; attempt++) {
    const pass = await opts.prompter.passphrase(file, attempt);
    if (pass === undefined) {
      log.info(`ssh: passphrase for ${file} not given; key skipped`);
      return undefined;
    }
    parsed = one(utils.parseKey(data, pass));
    if (!(parsed instanceof Error)) {
      unlockedKeys.set(file, parsed);
      return parsed;
    }
    log.warn(`ssh: wrong passphrase for ${file} (attempt ${attempt})`);
  }
  return undefined;
}

/** Is this a failure worth reconnecting after (network), or one that needs a person (auth, host key)? */
export function isFatalSshError(e: unknown): boolean {
  return e instanceof HostKeyError || e instanceof SshAuthError;
}

export interface SshLinkOptions extends SshConnectOptions {
  /** delays between reconnect attempts; the last one repeats */
  backoffMs?: number[];
  /** give up (state offline) after this many failed reconnect attempts */
  maxReconnectAttempts?: number;
}

/**
 * Keeps one SSH session to a target: `session()` gives the live one, or waits while it reconnects. Network loss →
 * `reconnecting` with backoff; an auth or host-key failure → `offline`, no loop.
 */
export class SshLink {
  private current: SshSession | undefined;
  private pending: Promise<SshSession> | undefined;
  private _state: LinkState = 'offline';
  private disposed = false;
  private readonly stateListeners = new Set<(s: LinkState) => void>();
  private readonly sessionListeners = new Set<(s: SshSession) => void>();
  /** the error that made the link give up, if any */
  lastError: Error | undefined;
  /** sessions opened so far (1 = no reconnect yet) */
  connects = 0;

  constructor(
    readonly target: SshTarget,
    private readonly opts: SshLinkOptions,
  ) {}

  get label(): string {
    return targetLabel(this.target);
  }

  get state(): LinkState {
    return this._state;
  }

  onDidChangeState(listener: (s: LinkState) => void): { dispose(): void } {
    this.stateListeners.add(listener);
    return { dispose: () => this.stateListeners.delete(listener) };
  }

  /** Called with every new session (first connect and each reconnect). */
  onDidConnect(listener: (s: SshSession) => void): { dispose(): void } {
    this.sessionListeners.add(listener);
    return { dispose: () => this.sessionListeners.delete(listener) };
  }

  /** The live session, connecting (first time: errors thrown as they are) or waiting for a reconnect. */
  session(): Promise<SshSession> {
    if (this.disposed) return Promise.reject(new Error(`SSH link to ${this.label} is closed`));
    if (this.current && !this.current.alive) this.onLost(this.current);
    if (this.current) return Promise.resolve(this.current);
    if (!this.pending) this.pending = this.connectLoop(this.connects === 0 ? 'connecting' : 'reconnecting');
    return this.pending;
  }

  dispose(): void {
    this.disposed = true;
    this.current?.close();
    this.current = undefined;
    this.setState('offline');
  }

  private async connectLoop(mode: 'connecting' | 'reconnecting'): Promise<SshSession> {
    const log = this.opts.log ?? silentLog;
    const backoff = this.opts.backoffMs ?? [1000, 2000, 4000, 8000, 15000, 30000];
    const maxAttempts = mode === 'connecting' ? 1 : (this.opts.maxReconnectAttempts ?? 40);
    this.setState(mode);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const s = await openSsh(this.target, this.opts);
          if (this.disposed) {
            s.close();
            throw new Error(`SSH link to ${this.label} is closed`);
          }
          this.connects++;
          this.current = s;
          this.lastError = undefined;
          void s.closed.then(() => this.onLost(s));
          this.setState('connected');
          for (const l of this.sessionListeners) l(s);
          return s;
        } catch (e) {
          const fatal = isFatalSshError(e) || this.disposed;
          if (fatal || attempt + 1 >= maxAttempts) {
            this.lastError = e as Error;
            log.error(`ssh: ${mode === 'connecting' ? 'connect' : 'reconnect'} to ${this.label} failed${fatal ? '' : ` after ${attempt + 1} attempt(s)`}: ${(e as Error).message}`);
            this.setState('offline');
            throw e;
          }
          const delay = backoff[Math.min(attempt, backoff.length - 1)];
          log.warn(`ssh: reconnect to ${this.label} failed (${(e as Error).message}); next try in ${delay} ms`);
          await new Promise((r) => setTimeout(r, delay));
          if (this.disposed) throw new Error(`SSH link to ${this.label} is closed`);
        }
      }
    } finally {
      this.pending = undefined;
    }
  }

  private onLost(s: SshSession): void {
    if (this.current !== s) return;
    this.current = undefined;
    s.close();
    if (this.disposed) return;
    (this.opts.log ?? silentLog).warn(`ssh: connection to ${this.label} lost; reconnecting`);
    // Reconnect right away so the state shows it; callers waiting in session() share this attempt.
    this.session().catch(() => undefined);
  }

  private setState(s: LinkState): void {
    if (this._state === s) return;
    this._state = s;
    for (const l of this.stateListeners) l(s);
  }
}
