/**
 * Running a short script on the remote over one exec channel, with its output read between unique markers, and
 * SFTP access. Callers build scripts from quoted words only (shellQuote.ts).
 */
import type { Client, SFTPWrapper } from 'ssh2';
import { remoteScript } from './shellQuote';

export interface ScriptResult {
  output: string;
  status: number;
  stderr: string;
}

/** Runs `body` (a POSIX sh script) and returns the fenced stdout and its exit status. */
export function runScript(client: Client, body: string, timeoutMs = 60_000): Promise<ScriptResult> {
  const script = remoteScript(body);
  return new Promise((resolve, reject) => {
    client.exec(script.command, (err, ch) => {
      if (err) return reject(new Error(`remote exec failed: ${err.message}`));
      let out = '';
      let errText = '';
      const timer = setTimeout(() => {
        ch.close();
        reject(new Error(`remote command timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      ch.on('data', (d: Buffer) => (out += d.toString('utf8')));
      ch.stderr.on('data', (d: Buffer) => (errText += d.toString('utf8')));
      ch.on('close', () => {
        clearTimeout(timer);
        try {
          resolve({ ...script.parse(out), stderr: errText });
        } catch (e) {
          reject(new Error(`${(e as Error).message}${errText ? `; stderr: ${errText.slice(0, 500)}` : ''}`));
        }
      });
    });
  });
}

export function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(new Error(`SFTP unavailable: ${err.message}`)) : resolve(sftp))));
}
