/**
 * What the SSH layer needs to ask a person. VS Code implements it with modal messages and password input boxes
 * (vscodePrompter.ts); tests hand in a scripted one. Answers are never stored by the SSH layer on disk.
 */
export interface HostKeyQuestion {
  /** host and port as known_hosts names them */
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  /** set when the host is a ProxyJump hop on the way to another host */
  via?: string;
  /** key types this host already has entries for (a new key type, not a changed key) */
  otherTypes: string[];
}

export interface Prompter {
  /** Unknown host key: trust it and remember it in known_hosts? */
  confirmHostKey(q: HostKeyQuestion): Promise<boolean>;
  /** Passphrase of an encrypted identity file; undefined = skip this key. */
  passphrase(keyFile: string, attempt: number): Promise<string | undefined>;
  /** Password for user@host; undefined = give up. */
  password(userAtHost: string, attempt: number): Promise<string | undefined>;
  /** A yes/no offer (e.g. upload a Node runtime); resolves true for `action`. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
}

/** Where connection steps are logged (a LogOutputChannel in VS Code). Never pass secrets. */
export interface SshLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLog: SshLog = { info() {}, warn() {}, error() {} };
