/**
 * The agent's command line: one bundle (`dist/agent.js`) that runs on the GPU box or locally. `agent.js help` lists
 * the commands (remote/cli/index.ts registers them; each module declares its description and usage).
 */
import { runCli } from './cli/registry';
import './cli/index';
// Loading the bundle in the prompt filter's worker thread starts the filter there instead of the command line.
import { isFilterWorker } from './pipeline/promptFilterWorker';

export { runCli };

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
