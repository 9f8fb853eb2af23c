/**
 * The agent's command line: one bundle (`dist/agent.js`) that runs on the GPU box or locally.
 *   serve       JSON-RPC daemon (Unix socket or --stdio)
 *   attach      bridge stdin/stdout to a running daemon's socket (for SSH exec)
 *   run         headless iterations from a config file
 *   demo        two iterations on the simulated model, with a table at the end
 *   sim-server  the simulated OpenAI-compatible model server
 *   sim-train   the simulated DPO trainer
 *   preflight   check the box for what real runs need
 * Each command is a lazily-loaded module with `main(argv): Promise<number>` (its exit code).
 */
import { AGENT_VERSION } from './version';
import { commands, registerCommand } from './cli/registry';
import './cli/index';
// Loading the bundle in the prompt filter's worker thread starts the filter there instead of the command line.
import { isFilterWorker } from './pipeline/promptFilterWorker';

registerCommand('version', async () => async () => {
  process.stdout.write(AGENT_VERSION + '\n');
  return 0;
});

function usage(): string {
  return `selfreward agent ${AGENT_VERSION}\nusage: agent.js <command> [options]\ncommands: ${Object.keys(commands).sort().join(', ')}\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`unknown command ${JSON.stringify(name)}\n${usage()}`);
    return 2;
  }
  const main = await load();
  return main(rest);
}

if (require.main === module && !isFilterWorker) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
