/** The STAND-IN executables of test/fixtures/standins (argv recorders replaying recorded output) and /proc probes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './tmp';

export const standinDir = path.join(repoRoot, 'test', 'fixtures', 'standins');
export const trlFixtures = path.join(repoRoot, 'test', 'fixtures', 'trl');

export function standin(tool: string): string {
  return path.join(standinDir, `stand-in-${tool}`);
}

export interface Recorded {
  tool: string;
  argv?: string[];
  pid?: number;
  worker?: number;
  env?: Record<string, string | null>;
  request?: string;
  body?: Record<string, unknown>;
}

export function readRecord(file: string): Recorded[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded);
}

/** pids of live (non-zombie) processes whose process group is `pgid`, from /proc/<pid>/stat. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue;
    }
    // fields after the ")" of the command name: state ppid pgrp …
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[2]) === pgid && f[0] !== 'Z') out.push(Number(d));
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Point the TRL stand-ins at the recorded TRL output (set in process.env, inherited by what the agent spawns). */
export function useTrlStandin(record: string, extra: Record<string, string> = {}): () => void {
  const env: Record<string, string> = {
    STANDIN_RECORD: record,
    STANDIN_TRL_STATE: path.join(trlFixtures, 'trainer_state.json'),
    STANDIN_TRL_REPLAY: path.join(trlFixtures, 'dpo-output.log'),
    STANDIN_DELAY_MS: '2',
    ...extra,
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
