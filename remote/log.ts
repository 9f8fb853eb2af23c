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
  if (fileFd !== undefined) fs.writeSync(fileFd, line);
  for (const s of sinks) s(level, message);
}

export const info = (m: string): void => log('info', m);
export const warn = (m: string): void => log('warn', m);
export const error = (m: string): void => log('error', m);
