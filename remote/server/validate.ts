/**
 * Every id, number and path a client hands the daemon is checked here, in one place, before a handler uses it:
 *   - run ids against the store's grammar (a folder name that cannot climb out of the runs folder) → RunNotFound;
 *   - iteration and model numbers, rubric versions: non-negative integers (never a path segment like "../..")
 *     → NotFound;
 *   - counts and offsets (offset, length, limit, afterSeq…): non-negative integers → InvalidParams;
 *   - paths: relative, resolved with symlinks, inside the run folder, and (for reads) a regular file → NotFound.
 * The server applies `checkParams` to every request; handlers resolve paths with `confinedFile`/`confinedDir`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes } from 'vscode-jsonrpc/node';
import { RpcErrors } from '../protocol';
import { isIterationNumber, isRunId } from '../store/runStore';
import { AgentError } from './types';

/** Fields naming something of a run by number: a bad value is "not found", like a missing one. */
const NUMBERED = ['iteration', 'version', 'model', 'modelNew', 'modelOld'] as const;
/** Fields that size or position a read. */
const COUNTS = ['offset', 'length', 'limit', 'afterSeq', 'lines', 'k', 'maxGroups', 'maxPrompts'] as const;

export function runIdParam(v: unknown): string {
  if (!isRunId(v)) throw new AgentError(RpcErrors.RunNotFound, `invalid run id ${JSON.stringify(v)}: run ids are lowercase letters, digits and dashes`);
  return v;
}

export function iterationParam(v: unknown, field = 'iteration'): number {
  if (!isIterationNumber(v)) throw new AgentError(RpcErrors.NotFound, `"${field}" must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function countParam(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new AgentError(ErrorCodes.InvalidParams, `"${field}" must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Check the ids and numbers of any request's params (absent optional fields are fine). */
export function checkParams(method: string, params: unknown): void {
  if (params === undefined || params === null) return;
  if (typeof params !== 'object' || Array.isArray(params)) throw new AgentError(ErrorCodes.InvalidParams, `${method}: params must be an object`);
  const p = params as Record<string, unknown>;
  if ('runId' in p && p.runId !== undefined) runIdParam(p.runId);
  for (const f of NUMBERED) if (p[f] !== undefined) iterationParam(p[f], f);
  for (const f of COUNTS) if (p[f] !== undefined) countParam(p[f], f);
  if ('path' in p && (typeof p.path !== 'string' || p.path === '' || p.path.includes('\0'))) {
    throw new AgentError(RpcErrors.NotFound, `invalid path ${JSON.stringify(p.path)}`);
  }
}

/** Resolve `rel` (relative, symlinks followed) inside `root`, or throw NotFound naming the refused path. */
export function confinedPath(root: string, rel: unknown): string {
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0')) throw new AgentError(RpcErrors.NotFound, `invalid path ${JSON.stringify(rel)}`);
  if (path.isAbsolute(rel) || path.win32.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
    throw new AgentError(RpcErrors.NotFound, `path ${JSON.stringify(rel)} is outside the run folder (relative paths without "..", please)`);
  }
  const realRoot = fs.realpathSync(root);
  let real: string;
  try {
    real = fs.realpathSync(path.join(realRoot, rel));
  } catch {
    throw new AgentError(RpcErrors.NotFound, `${rel}: no such file in the run folder`);
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new AgentError(RpcErrors.NotFound, `path ${JSON.stringify(rel)} leads outside the run folder`);
  }
  return real;
}

/** A regular file inside `root` (a folder, a socket… answer NotFound, never an internal error). */
export function confinedFile(root: string, rel: unknown): string {
  const real = confinedPath(root, rel);
  if (!fs.statSync(real).isFile()) throw new AgentError(RpcErrors.NotFound, `${String(rel)}: not a file`);
  return real;
}

/** A folder inside `root`, or undefined when it does not exist (yet). */
export function confinedDir(root: string, rel: string): string | undefined {
  let real: string;
  try {
    real = confinedPath(root, rel);
  } catch (e) {
    if (e instanceof AgentError && /no such file/.test(e.message)) return undefined;
    throw e;
  }
  if (!fs.statSync(real).isDirectory()) throw new AgentError(RpcErrors.NotFound, `${rel}: not a folder`);
  return real;
}
