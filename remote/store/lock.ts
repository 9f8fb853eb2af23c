/**
 * One writer per run: `run.lock` holds the owner's pid and host. A lock whose pid is dead (on this host) is stale
 * and taken over; a live one is refused with a message naming the owner.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { writeJsonAtomic } from './atomic';
import { warn } from '../log';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

export class LockedError extends Error {
  constructor(readonly file: string, readonly owner: LockInfo) {
    super(`${file}: run is in use by process ${owner.pid} on ${owner.host} (since ${owner.startedAt}); stop it first`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunLock {
  private constructor(readonly file: string) {}

  static acquire(file: string): RunLock {
    const me: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    try {
      fs.writeFileSync(file, JSON.stringify(me) + '\n', { flag: 'wx' });
      return new RunLock(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner: LockInfo | undefined;
    try {
      owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    } catch {
      owner = undefined; // unreadable lock (torn write): treat as stale
    }
    if (owner && owner.pid !== process.pid && owner.host === me.host && pidAlive(owner.pid)) {
      throw new LockedError(file, owner);
    }
    if (owner && owner.host !== me.host) throw new LockedError(file, owner);
    warn(`${file}: taking over stale lock${owner ? ` of dead process ${owner.pid}` : ''}`);
    writeJsonAtomic(file, me);
    // Two processes taking over at once: only the one whose pid stuck wins.
    const now = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    if (now.pid !== me.pid) throw new LockedError(file, now);
    return new RunLock(file);
  }

  release(): void {
    try {
      const now = JSON.parse(fs.readFileSync(this.file, 'utf8')) as LockInfo;
      if (now.pid === process.pid) fs.unlinkSync(this.file);
    } catch {
      /* already gone */
    }
  }
}
