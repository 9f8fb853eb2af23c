/**
 * Command registrations, one line each, so the CLI table lives in one place. Commands not built yet say which
 * issue brings them.
 */
import { registerCommand } from './registry';

function notYet(name: string, issue: number) {
  return async () => async () => {
    process.stderr.write(`agent command "${name}" is not built yet (issue #${issue})\n`);
    return 3;
  };
}

registerCommand('serve', async () => (await import('./serve')).main);
registerCommand('attach', async () => (await import('./attach')).main);
registerCommand('run', async () => (await import('./run')).main);
registerCommand('demo', async () => (await import('./demo')).main);
registerCommand('sim-server', async () => (await import('./simServer')).main);
registerCommand('sim-train', async () => (await import('./simTrain')).main);
registerCommand('preflight', notYet('preflight', 5));
