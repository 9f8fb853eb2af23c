/**
 * The message reader both ends use. vscode-jsonrpc's StreamMessageReader arms a 10 s "partial message" timer while
 * a message is incomplete and re-arms it forever — also after its connection has closed and been disposed (its
 * dispose() does not clear it). A link cut in the middle of a message (an SSH drop, a killed client) thus leaves a
 * timer, the reader and its half message behind for the life of the process: a leak in the daemon, and a process
 * that never exits in a client. The notice is only informational (nothing here listens to it), so it is off.
 */
import { StreamMessageReader } from 'vscode-jsonrpc/node';

export function messageReader(readable: NodeJS.ReadableStream): StreamMessageReader {
  const reader = new StreamMessageReader(readable);
  reader.partialMessageTimeout = 0;
  return reader;
}
