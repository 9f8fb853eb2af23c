/**
 * Agent logging. Always stderr (stdout carries JSON-RPC in stdio mode) plus an optional log file; sinks can be
 * added so the daemon forwards log lines to clients.
 */
import * as fs from 'node:fs';

export type LogLevel = 'info' | 'warn' | 'error';
type Sink = (level: LogLevel, message: string) => void;

const sinks = new Set<Sink>();
let fileFd: number | undefined;
let quiet = false;
let fileFailed = false;

export function setLogFile(path: string | undefined): void {
  if (fileFd !== undefined) fs.closeSync(fileFd);
  fileFd = path ? fs.openSync(path, 'a') : undefined;
}

/** Silence stderr (tests and the demo's progress line); file and sinks still receive everything. */
export function setQuiet(q: boolean): void {
  quiet = q;
}

export function addLogSink(sink: Sink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

export function log(level: LogLevel, message: string): void {
  const line = `${new Date().toISOString()} [${level}] ${message}\n`;
  if (!quiet) process.stderr.write(line);
  if (fileFd !== undefined) {
    // Logging must never fail its caller: on a full disk the error being logged is what matters (it still goes to
    // stderr and the sinks, i.e. the clients); the file misses the line, and stderr says so once.
    try {
      const buf = Buffer.from(line, 'utf8');
      for (let at = 0; at < buf.length; ) at += fs.writeSync(fileFd, buf, at, buf.length - at) || buf.length;
      fileFailed = false;
    } catch (e) {
      if (!fileFailed && !quiet) process.stderr.write(`log file: cannot write (${(e as Error).message}); lines are missing from it\n`);
      fileFailed = true;
    }
  }
  for (const s of sinks) s(level, message);
}

export const info = (m: string): void => log('info', m);
export const warn = (m: string): void => log('warn', m);
export const error = (m: string): void => log('error', m);
