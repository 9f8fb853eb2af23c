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
registerCommand('run', notYet('run', 4));
registerCommand('demo', notYet('demo', 4));
registerCommand('sim-server', notYet('sim-server', 3));
registerCommand('sim-train', notYet('sim-train', 3));
registerCommand('preflight', notYet('preflight', 5));
