/**
 * Reads an OpenSSH client config (`~/.ssh/config` or a configured file) and resolves a host alias to a concrete
 * connection spec: HostName, User, Port, IdentityFile (with ~ and %-tokens expanded the way OpenSSH does),
 * IdentitiesOnly, UserKnownHostsFile, ProxyJump (comma chains) and Include (relative to ~/.ssh, globs).
 * ssh2 reads none of this itself. Parsing is done by the `ssh-config` package; `Match exec` is never run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import SSHConfig from 'ssh-config';

export interface SshTarget {
  /** what the user picked or typed (the Host alias, or the host of `user@host:port`) */
  alias: string;
  host: string;
  port: number;
  user: string;
  /** identity files, expanded; the OpenSSH defaults when the config names none */
  identityFiles: string[];
  /** true when the config said IdentityFile (so a missing file is worth a warning) */
  identityFilesConfigured: boolean;
  identitiesOnly: boolean;
  /** extra known_hosts files from UserKnownHostsFile, expanded */
  knownHostsFiles?: string[];
  /** hops to go through first, outermost first */
  jumps: SshTarget[];
}

export interface SshConfigOptions {
  /** config file; default ~/.ssh/config */
  file?: string;
  /** home folder for ~ and default paths (tests); default os.homedir() */
  home?: string;
  /** local user name (%u, default User); default os.userInfo().username */
  localUser?: string;
}

const MAX_INCLUDE_DEPTH = 16;
const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk'];

/** A loaded config: host aliases for the picker and resolution of a name to a target. */
export class SshConfigFile {
  private constructor(
    private readonly config: SSHConfig,
    private readonly opts: Required<SshConfigOptions>,
  ) {}

  static load(options: SshConfigOptions = {}): SshConfigFile {
    const home = options.home ?? os.homedir();
    const opts: Required<SshConfigOptions> = {
      home,
      file: options.file || path.join(home, '.ssh', 'config'),
      localUser: options.localUser ?? safeUserName(),
    };
    const text = fs.existsSync(opts.file) ? expandIncludes(opts.file, home, 0) : '';
    return new SshConfigFile(SSHConfig.parse(text), opts);
  }

  static fromText(text: string, options: SshConfigOptions = {}): SshConfigFile {
    const home = options.home ?? os.homedir();
    return new SshConfigFile(SSHConfig.parse(text), {
      home,
      file: options.file ?? '<text>',
      localUser: options.localUser ?? safeUserName(),
    });
  }

  /** Concrete Host names (no wildcards, no negation) in file order, for the QuickPick. */
  hosts(): string[] {
    const out: string[] = [];
    for (const line of this.config) {
      if (line.type !== SSHConfig.DIRECTIVE || !/^host$/i.test(line.param)) continue;
      const values = Array.isArray(line.value) ? line.value.map((v) => v.val) : line.value.split(/\s+/);
      for (const v of values) if (v && !/[*?!]/.test(v) && !out.includes(v)) out.push(v);
    }
    return out;
  }

  /**
   * Resolves a name: a Host alias or `[user@]host[:port]` / `ssh://user@host:port` (explicit user/port win over
   * the config, as with `ssh -p`/`user@`).
   */
  resolve(name: string, depth = 0): SshTarget {
    const typed = parseHostSpec(name);
    const c = this.config.compute(typed.host, { ignoreCase: true, matchExec: false });
    const get = (k: string): string | undefined => {
      const v = c[k];
      return Array.isArray(v) ? v[0] : v;
    };
    const host = get('hostname') ? expandTokens(get('hostname')!, { ...this.tokenBase(), h: typed.host, n: typed.host }) : typed.host;
    const portText = typed.port !== undefined ? String(typed.port) : get('port');
    const port = portText === undefined ? 22 : Number.parseInt(portText, 10);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${this.opts.file}: Port "${portText}" of host "${typed.host}" is not a valid port`);
    }
    const user = typed.user ?? get('user') ?? this.opts.localUser;
    const tokens: Tokens = { ...this.tokenBase(), h: host, n: typed.host, p: String(port), r: user };
    const configured = asList(c['identityfile']).filter((f) => f.toLowerCase() !== 'none');
    const identityFiles = (configured.length ? configured : DEFAULT_IDENTITIES.map((f) => `~/.ssh/${f}`)).map((f) =>
      expandPath(expandTokens(f, tokens), this.opts.home),
    );
    const knownHosts = asList(c['userknownhostsfile'])
      .flatMap((f) => f.split(/\s+/))
      .filter((f) => f && f.toLowerCase() !== 'none')
      .map((f) => expandPath(expandTokens(f, tokens), this.opts.home));
    const jumpText = get('proxyjump');
    const jumps: SshTarget[] = [];
    if (jumpText && jumpText.toLowerCase() !== 'none') {
      if (depth >= 8) throw new Error(`${this.opts.file}: ProxyJump chain of "${typed.host}" is too deep (a loop?)`);
      for (const hop of jumpText.split(',').map((s) => s.trim()).filter(Boolean)) {
        const t = this.resolve(hop, depth + 1);
        // A hop's own ProxyJump is flattened in front of it, as `ssh -J` does.
        jumps.push(...t.jumps, { ...t, jumps: [] });
      }
    }
    return {
      alias: typed.host,
      host,
      port,
      user,
      identityFiles: dedupe(identityFiles),
      identityFilesConfigured: configured.length > 0,
      identitiesOnly: (get('identitiesonly') ?? 'no').toLowerCase() === 'yes',
      knownHostsFiles: knownHosts.length ? knownHosts : undefined,
      jumps,
    };
  }

  private tokenBase(): Tokens {
    return { d: this.opts.home, u: this.opts.localUser, l: safeHostName(), i: String(process.getuid?.() ?? 0) };
  }
}

export interface HostSpec {
  user?: string;
  host: string;
  port?: number;
  fromUri: boolean;
  explicit: boolean;
}

/** `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
export function parseHostSpec(text: string): HostSpec {
  let s = text.trim();
  const fromUri = s.startsWith('ssh://');
  if (fromUri) s = s.slice(6).replace(/\/$/, '');
  if (!s) throw new Error('empty host');
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
    if (!user) throw new Error(`"${text}": empty user name before @`);
  }
  let host = s;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracket) {
    host = bracket[1];
    portText = bracket[2];
  } else if ((s.match(/:/g) ?? []).length === 1) {
    [host, portText] = s.split(':');
  }
  if (!host || /\s/.test(host)) throw new Error(`"${text}": not a host name`);
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new Error(`"${text}": port "${portText}" is not a number from 1 to 65535`);
  }
  return { user, host, port, fromUri, explicit: user !== undefined || port !== undefined };
}

/** A short label for a target: user@host, with :port when not 22. */
export function targetLabel(t: Pick<SshTarget, 'user' | 'host' | 'port'>): string {
  return `${t.user}@${t.host.includes(':') ? `[${t.host}]` : t.host}${t.port === 22 ? '' : `:${t.port}`}`;
}

type Tokens = Record<string, string>;

/** OpenSSH percent tokens (ssh_config(5) TOKENS): %% %d %h %i %l %n %p %r %u; an unknown token is an error. */
export function expandTokens(value: string, tokens: Tokens): string {
  return value.replace(/%(.)/g, (m, ch: string) => {
    if (ch === '%') return '%';
    const v = tokens[ch];
    if (v === undefined) throw new Error(`unknown or unavailable token %${ch} in "${value}"`);
    return v;
  });
}

/** `~` and `~/…` to the home folder; relative paths stay relative to home/.ssh as OpenSSH resolves IdentityFile. */
export function expandPath(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  if (!path.isAbsolute(p)) return path.join(home, '.ssh', p);
  return p;
}

/** Inlines `Include` files (relative to ~/.ssh, globs allowed; missing files ignored, as OpenSSH does). */
function expandIncludes(file: string, home: string, depth: number): string {
  if (depth > MAX_INCLUDE_DEPTH) throw new Error(`${file}: Include nested more than ${MAX_INCLUDE_DEPTH} deep (a loop?)`);
  const text = fs.readFileSync(file, 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => {
      const m = /^\s*include(?:\s*=\s*|\s+)(.+?)\s*$/i.exec(line);
      if (!m) return line;
      const parts = splitArgs(m[1]);
      const files = parts.flatMap((p) => globFiles(p.startsWith('~') || path.isAbsolute(p) ? expandPath(p, home) : path.join(home, '.ssh', p)));
      return files.map((f) => expandIncludes(f, home, depth + 1)).join('\n');
    })
    .join('\n');
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]);
  return out;
}

/** glob(3) enough for Include: `*`, `?` and `[...]` in any path segment; results sorted per segment. */
function globFiles(pattern: string): string[] {
  const segments = pattern.split(path.sep);
  let bases = [segments[0] === '' ? path.sep : segments[0]];
  for (const seg of segments.slice(1)) {
    if (!seg) continue;
    if (!/[*?[]/.test(seg)) {
      bases = bases.map((b) => path.join(b, seg));
      continue;
    }
    const re = globRegExp(seg);
    bases = bases.flatMap((b) => {
      try {
        return fs.readdirSync(b).filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => path.join(b, n));
      } catch {
        return [];
      }
    });
  }
  return bases.filter((b) => {
    try {
      return fs.statSync(b).isFile();
    } catch {
      return false;
    }
  });
}

function globRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += '[' + seg.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'root';
  }
}

function safeHostName(): string {
  return os.hostname().split('.')[0];
}
