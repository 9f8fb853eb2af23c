/**
 * POSIX shell quoting for every argument of a remote command, and a wrapper that fences a script's output between
 * unique random markers (login shells print banners, motd lines, rc-file noise; only the fenced part is parsed).
 */
import { randomBytes } from 'node:crypto';
import { shellQuote } from '../../../remote/shellQuote';

export { shellQuote };

/** A command line from words, each quoted. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/**
 * A remote path that may start with `~/`: the home part stays outside the quotes so the remote shell expands it,
 * the rest is quoted. (`"$HOME"/rest` keeps working when the rest contains spaces or metacharacters.)
 */
export function quoteRemotePath(p: string): string {
  if (p === '~') return '"$HOME"';
  if (p.startsWith('~/')) return `"$HOME"/${shellQuote(p.slice(2))}`;
  return shellQuote(p);
}

export interface RemoteScript {
  /** the command to exec: prints the begin marker, runs the body, prints the end marker with the body's status */
  command: string;
  /** the body's output between the markers, and its exit status; throws when the markers are missing */
  parse(stdout: string): { output: string; status: number };
}

/**
 * Wraps a script (already built from quoted words) so its output can be found in noisy stdout. The body runs in
 * `sh -c` with its stdout between two markers that contain a fresh random id.
 */
export function remoteScript(body: string): RemoteScript {
  const id = randomBytes(12).toString('hex');
  const begin = `__SELFREWARD_BEGIN_${id}__`;
  const end = `__SELFREWARD_END_${id}__`;
  const command =
    `printf '%s\\n' ${begin}; sh -c ${shellQuote(body)}; ` + `__sr_status=$?; printf '\\n%s %s\\n' ${end} "$__sr_status"`;
  return {
    command,
    parse(stdout) {
      const a = stdout.indexOf(begin + '\n');
      const b = stdout.indexOf('\n' + end + ' ', a < 0 ? 0 : a);
      if (a < 0 || b < 0) throw new Error(`remote output had no result markers (got: ${JSON.stringify(stdout.slice(0, 300))})`);
      const output = stdout.slice(a + begin.length + 1, b);
      const rest = stdout.slice(b + end.length + 2);
      const status = Number.parseInt(rest, 10);
      return { output, status: Number.isFinite(status) ? status : -1 };
    },
  };
}
