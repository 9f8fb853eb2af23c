/**
 * Bounds on what a client may send, checked before vscode-jsonrpc reads it. vscode-jsonrpc frames messages
 * (`Content-Length: N\r\n\r\n` + body) but accepts any header size — it rescans its whole buffer for the blank line
 * on every chunk, so a long header-less line costs quadratic time — and any Content-Length, buffering the body in
 * memory before anyone has checked the token. This transform sits between the transport and the reader: it scans
 * each header once (linear), refuses a header over `maxHeaderBytes`, a malformed header, a missing or non-numeric
 * Content-Length and a body over `maxBodyBytes`, and hands on only whole, checked headers followed by their bodies.
 * On the first violation it stops passing data and calls `onViolation` (the server closes the connection).
 * The limits are small until the client has said hello with the token, larger after.
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface FrameLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

/** Before agent/hello: a hello is a few hundred bytes. */
export const PRE_HELLO_LIMITS: FrameLimits = { maxHeaderBytes: 1024, maxBodyBytes: 8 * 1024 };
/** After it: the largest real requests (a run config with a long rubric, bulk pair decisions, preview samples) are a
 * few MB. */
export const AUTHENTICATED_LIMITS: FrameLimits = { maxHeaderBytes: 8 * 1024, maxBodyBytes: 64 * 1024 * 1024 };

const CR = 0x0d;
const LF = 0x0a;

export class FrameGuard extends Transform {
  private inBody = 0;
  private header: Buffer[] = [];
  private headerBytes = 0;
  /** how much of "\r\n\r\n" the header seen so far ends with */
  private matched = 0;
  private violated = false;
  /** whole messages passed on */
  messages = 0;

  constructor(public limits: FrameLimits, private readonly onViolation: (reason: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let off = 0;
    while (off < chunk.length && !this.violated) {
      if (this.inBody > 0) {
        const n = Math.min(this.inBody, chunk.length - off);
        this.push(chunk.subarray(off, off + n));
        off += n;
        this.inBody -= n;
        if (this.inBody === 0) this.messages++;
        continue;
      }
      // Scan the header for its blank line, never past the limit.
      const stop = Math.min(chunk.length, off + this.limits.maxHeaderBytes - this.headerBytes + 1);
      let i = off;
      while (i < stop && this.matched < 4) {
        const b = chunk[i++];
        if (b === CR) this.matched = this.matched === 2 ? 3 : 1;
        else if (b === LF && (this.matched === 1 || this.matched === 3)) this.matched++;
        else this.matched = 0;
      }
      this.header.push(chunk.subarray(off, i));
      this.headerBytes += i - off;
      off = i;
      if (this.matched < 4) {
        if (this.headerBytes > this.limits.maxHeaderBytes) this.violate(`message header larger than ${this.limits.maxHeaderBytes} bytes`);
        continue;
      }
      const head = Buffer.concat(this.header);
      this.header = [];
      this.headerBytes = 0;
      this.matched = 0;
      const length = this.contentLength(head.toString('latin1'));
      if (length === undefined) return cb();
      this.push(head);
      this.inBody = length;
      if (length === 0) this.messages++;
    }
    cb();
  }

  /** The Content-Length of a complete header block, or undefined after reporting a violation. */
  private contentLength(text: string): number | undefined {
    let length: number | undefined;
    for (const line of text.slice(0, -4).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) return void this.violate('malformed message header');
      if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
      const v = line.slice(colon + 1).trim();
      if (length !== undefined || !/^\d{1,16}$/.test(v)) return void this.violate(`bad Content-Length ${JSON.stringify(v.slice(0, 40))}`);
      length = Number(v);
    }
    if (length === undefined) return void this.violate('message header without Content-Length');
    if (length > this.limits.maxBodyBytes) return void this.violate(`message body of ${length} bytes, more than the ${this.limits.maxBodyBytes} allowed`);
    return length;
  }

  private violate(reason: string): void {
    if (this.violated) return;
    this.violated = true;
    this.header = [];
    this.onViolation(reason);
  }
}
