/**
 * JSON text passed to the wire as it is: a `RawJsonArray` holds array items that are already JSON (the event log's
 * lines), and the agent's message encoder splices them into the message instead of parsing and re-stringifying
 * each. The message on the wire is the same JSON either way; a client cannot tell.
 */
import * as crypto from 'node:crypto';
import type { ContentTypeEncoder } from 'vscode-jsonrpc/node';

/** Marks a spliced array in the stringified message; the nonce keeps any string a client sent from matching. */
const MARK = `\u0000raw-json-${crypto.randomBytes(8).toString('hex')}:`;
const MARK_RE = new RegExp(`"${JSON.stringify(MARK).slice(1, -1).replace(/\\/g, '\\\\')}(\\d+)"`, 'g');

/** Arrays being spliced into the message being encoded now (JSON.stringify is synchronous: one message at a time). */
let splicing: string[][] | undefined;

export class RawJsonArray {
  /** `items`: each a complete JSON value, trusted (the caller checked it). */
  constructor(readonly items: readonly string[]) {}

  /** Inside the agent's encoder a marker; anywhere else (a log line, a test) the parsed items. */
  toJSON(): unknown {
    if (!splicing) return this.items.map((s) => JSON.parse(s) as unknown);
    splicing.push(this.items as string[]);
    return `${MARK}${splicing.length - 1}`;
  }
}

/** A typed view of raw items where the protocol declares parsed ones (they are the same on the wire). */
export function rawJsonArray<T>(items: readonly string[]): T[] {
  return new RawJsonArray(items) as unknown as T[];
}

/** JSON text of a message, with every RawJsonArray in it spliced in as written. */
export function stringifyMessage(msg: unknown): string {
  const arrays: string[][] = [];
  splicing = arrays;
  let text: string;
  try {
    text = JSON.stringify(msg);
  } finally {
    splicing = undefined;
  }
  if (!arrays.length) return text;
  return text.replace(MARK_RE, (_, i: string) => `[${arrays[Number(i)].join(',')}]`);
}

/** vscode-jsonrpc's application/json encoder, with RawJsonArray spliced in. */
export const rawAwareJsonEncoder: ContentTypeEncoder = {
  name: 'application/json',
  encode: (msg, options) => Promise.resolve(Buffer.from(stringifyMessage(msg), options.charset)),
};
