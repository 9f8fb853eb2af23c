/**
 * Host key verification against OpenSSH known_hosts files (user file, then the system one): plain and hashed
 * (`|1|salt|hmac-sha1`) host patterns, `[host]:port` for ports other than 22, wildcards and negation, comma lists,
 * `@revoked` markers; keys compared with keys of the same type. Appends entries in OpenSSH format on consent.
 */
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type HostKeyVerdict =
  | { status: 'known'; file: string; line: number; fingerprint: string; keyType: string }
  | { status: 'unknown'; fingerprint: string; keyType: string; otherTypes: string[] }
  | { status: 'changed'; fingerprint: string; expectedFingerprint: string; keyType: string; file: string; line: number }
  | { status: 'revoked'; fingerprint: string; keyType: string; file: string; line: number };

export interface KnownHostsFiles {
  /** read first; where new entries are appended */
  user: string;
  /** read after the user files */
  system: string[];
  /** more user files (UserKnownHostsFile) */
  extra?: string[];
}

export function defaultKnownHostsFiles(home = os.homedir()): KnownHostsFiles {
  return { user: path.join(home, '.ssh', 'known_hosts'), system: ['/etc/ssh/ssh_known_hosts'] };
}

interface Entry {
  file: string;
  line: number;
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
}

/** OpenSSH's host name in known_hosts: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:` + unpadded base64 of the key blob's SHA-256, as `ssh-keygen -lf` prints it. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) throw new Error('host key blob too short');
  const n = key.readUInt32BE(0);
  if (n > 64 || 4 + n > key.length) throw new Error('host key blob malformed');
  return key.subarray(4, 4 + n).toString('latin1');
}

/** Parses known_hosts text; malformed lines are skipped (OpenSSH does the same), comments ignored. */
export function parseKnownHosts(text: string, file: string): Entry[] {
  const out: Entry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: Entry['marker'];
    if (fields[0].startsWith('@')) {
      if (fields[0] !== '@revoked' && fields[0] !== '@cert-authority') continue;
      marker = fields.shift() as Entry['marker'];
    }
    if (fields.length < 3) continue;
    const [patterns, keyType, b64] = fields;
    const key = Buffer.from(b64, 'base64');
    if (!key.length) continue;
    out.push({ file, line: i + 1, marker, patterns, keyType, key });
  }
  return out;
}

/** Does a host-pattern field match the name? Handles hashed entries, comma lists, `*`/`?` and `!negation`. */
export function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const p of patterns.split(',')) {
    const negate = p.startsWith('!');
    const pat = negate ? p.slice(1) : p;
    if (wildcardMatch(pat.toLowerCase(), name.toLowerCase())) {
      if (negate) return false;
      matched = true;
    }
  }
  return matched;
}

function wildcardMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

function readEntries(files: KnownHostsFiles): Entry[] {
  const all = [files.user, ...(files.extra ?? []), ...files.system];
  return all.flatMap((f) => {
    try {
      return parseKnownHosts(fs.readFileSync(f, 'utf8'), f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read known hosts file ${f}: ${(e as Error).message}`);
    }
  });
}

/** Verifies the key a server presented for host:port. */
export function verifyHostKey(host: string, port: number, key: Buffer, files: KnownHostsFiles): HostKeyVerdict {
  const name = knownHostName(host, port);
  const keyType = keyTypeOf(key);
  const fp = fingerprint(key);
  const entries = readEntries(files).filter((e) => hostMatches(e.patterns, name));
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', fingerprint: fp, keyType, file: revoked.file, line: revoked.line };
  const plain = entries.filter((e) => !e.marker);
  const same = plain.find((e) => e.keyType === keyType && e.key.equals(key));
  if (same) return { status: 'known', file: same.file, line: same.line, fingerprint: fp, keyType };
  const differing = plain.find((e) => e.keyType === keyType);
  if (differing) {
    return { status: 'changed', fingerprint: fp, expectedFingerprint: fingerprint(differing.key), keyType, file: differing.file, line: differing.line };
  }
  return { status: 'unknown', fingerprint: fp, keyType, otherTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** The OpenSSH line for a host key (plain host name, as `ssh` writes with HashKnownHosts no). */
export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${knownHostName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

/** Appends an entry to the user known_hosts file (created 0600 in a 0700 folder if missing). */
export function appendKnownHost(file: string, host: string, port: number, key: Buffer): string {
  const line = knownHostsLine(host, port, key);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  try {
    const st = fs.statSync(file);
    if (st.size > 0) {
      const fd = fs.openSync(file, 'r');
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, st.size - 1);
      fs.closeSync(fd);
      if (last[0] !== 0x0a) prefix = '\n';
    }
  } catch {
    /* new file */
  }
  fs.appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
  return line;
}
