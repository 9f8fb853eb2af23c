/**
 * `agent.js preflight [--config FILE] [--runs-dir DIR] [--json]`: check this box for real runs. A table on stdout
 * (or JSON with --json); exit code 1 when anything required is missing, 2 on bad usage.
 */
import { loadConfigFile } from '../config/config';
import { DEFAULT_RUNS_DIR, runPreflight } from '../preflight';
import { formatPreflight } from '../preflightReport';
import type { RunConfig } from '../protocol';

export const description = 'check this box for what real runs need (Python, vLLM, TRL, GPUs, disk), or what a config uses';
export const usage = 'usage: agent.js preflight [--config FILE] [--runs-dir DIR] [--json]\n';

export async function main(argv: string[]): Promise<number> {
  let configFile: string | undefined;
  let runsDir = process.env.SELFREWARD_RUNS_DIR || DEFAULT_RUNS_DIR;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--config' && argv[i + 1]) configFile = argv[++i];
    else if (a === '--runs-dir' && argv[i + 1]) runsDir = argv[++i];
    else {
      process.stderr.write(`preflight: unknown argument ${JSON.stringify(a)}\n${usage}`);
      return 2;
    }
  }
  let config: RunConfig | undefined;
  if (configFile) {
    try {
      config = loadConfigFile(configFile);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
  }
  const r = await runPreflight(config, { runsDir });
  process.stdout.write(json ? JSON.stringify(r, null, 2) + '\n' : formatPreflight(r));
  return r.ok ? 0 : 1;
}
