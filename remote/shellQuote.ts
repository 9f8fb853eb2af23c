/** POSIX shell quoting: one place for the agent (logged command lines, job scripts) and the SSH layer. */

/** One argument as a POSIX single-quoted word: safe for any byte string (metacharacters, quotes, newlines). */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new Error('a shell argument cannot contain a NUL byte');
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
