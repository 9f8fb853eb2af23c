/**
 * The agent's command table. Each command module declares itself — a one-line `description`, its `usage` and
 * `main(argv) → exit code` — and is registered by name with a lazy loader (remote/cli/index.ts), so a new command or
 * flag is one module plus one line. The table answers `help`, `--version` and `<command> --help` for every command.
 */
import { AGENT_VERSION } from '../version';

export type CommandMain = (argv: string[]) => Promise<number>;

export interface CommandModule {
  /** one line, shown by `agent.js help` */
  description: string;
  /** the usage text, shown by `<command> --help` and on bad usage */
  usage: string;
  main: CommandMain;
}

export const commands: Record<string, () => Promise<CommandModule>> = {};

export function registerCommand(name: string, load: () => Promise<CommandModule>): void {
  commands[name] = load;
}

export async function helpText(): Promise<string> {
  const names = Object.keys(commands).sort();
  const mods = await Promise.all(names.map((n) => commands[n]()));
  const width = Math.max(...names.map((n) => n.length));
  return [
    `selfreward agent ${AGENT_VERSION}`,
    'usage: agent.js <command> [options]   (agent.js <command> --help for its options)',
    '',
    'commands:',
    ...names.map((n, i) => `  ${n.padEnd(width)}  ${mods[i].description}`),
    '',
  ].join('\n');
}

/** `--help`/`-h` before a `--` asks for the command's help, whatever else is on the line. */
const wantsHelp = (argv: string[]): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') return (await commands.version()).main([]);
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(await helpText());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`unknown command ${JSON.stringify(name)}\n${await helpText()}`);
    return 2;
  }
  const cmd = await load();
  if (wantsHelp(rest)) {
    process.stdout.write(`${cmd.description}\n\n${cmd.usage.trimEnd()}\n`);
    return 0;
  }
  return cmd.main(rest);
}
