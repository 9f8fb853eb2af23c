/**
 * Run files in the editor. Local runs open straight from disk; remote ones through a read-only
 * `selfreward-run:/<runId>/<path>` document whose text the agent serves with `files/read` (paged, capped).
 */
import * as vscode from 'vscode';
import type { AgentApi } from '../connection/agentApi';

export const RUN_FILE_SCHEME = 'selfreward-run';
/** Larger files are shown truncated with a note (the editor is not the place for multi-GB logs). */
export const MAX_REMOTE_BYTES = 32 * 1024 * 1024;
const PAGE = 1 << 20;

export function runFileUri(runId: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_FILE_SCHEME, path: `/${encodeURIComponent(runId)}/${path}` });
}

export function parseRunFileUri(uri: vscode.Uri): { runId: string; path: string } {
  const m = /^\/([^/]+)\/(.+)$/.exec(uri.path);
  if (!m) throw new Error(`not a run file uri: ${uri.toString()}`);
  return { runId: decodeURIComponent(m[1]), path: m[2] };
}

/** Read a whole remote file (up to `max` bytes) through files/read. */
export async function readRunFile(agent: AgentApi, runId: string, path: string, max = MAX_REMOTE_BYTES): Promise<{ text: string; truncated: boolean; size: number }> {
  const parts: string[] = [];
  let offset = 0;
  let size = 0;
  for (let pages = 0; pages < Math.ceil(max / PAGE) + 1; pages++) {
    const res = await agent.request('files/read', { runId, path, offset, length: Math.min(PAGE, max - offset) });
    parts.push(res.data);
    size = res.size;
    offset += Buffer.byteLength(res.data, 'utf8');
    if (res.eof || offset >= max || res.data.length === 0) break;
  }
  return { text: parts.join(''), truncated: offset < size, size };
}

export class RunFileProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly agent: () => AgentApi | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const agent = this.agent();
    if (!agent) throw new Error('Not connected: reconnect to read this run file.');
    const { runId, path } = parseRunFileUri(uri);
    const r = await readRunFile(agent, runId, path);
    return r.truncated ? `${r.text}\n… (truncated: showing ${MAX_REMOTE_BYTES} of ${r.size} bytes)\n` : r.text;
  }
}
