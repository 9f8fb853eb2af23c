/**
 * Command registrations, one line each, so the CLI table lives in one place. Each module exports its own
 * `description`, `usage` and `main` (remote/cli/registry.ts).
 */
import { AGENT_VERSION } from '../version';
import { helpText, registerCommand } from './registry';

registerCommand('serve', () => import('./serve'));
registerCommand('attach', () => import('./attach'));
registerCommand('run', () => import('./run'));
registerCommand('demo', () => import('./demo'));
registerCommand('sim-server', () => import('./simServer'));
registerCommand('sim-train', () => import('./simTrain'));
registerCommand('preflight', () => import('./preflight'));
registerCommand('eval', () => import('./evalCmd'));
registerCommand('version', async () => ({
  description: 'print the agent version',
  usage: 'usage: agent.js version   (or agent.js --version)',
  main: async () => {
    process.stdout.write(AGENT_VERSION + '\n');
    return 0;
  },
}));
registerCommand('help', async () => ({
  description: 'list the commands with a line each',
  usage: 'usage: agent.js help',
  main: async () => {
    process.stdout.write(await helpText());
    return 0;
  },
}));
