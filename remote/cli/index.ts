/**
 * Command registrations, one line each, so the CLI table lives in one place. Commands not built yet say which
 * issue brings them.
 */
import { registerCommand } from './registry';

registerCommand('serve', async () => (await import('./serve')).main);
registerCommand('attach', async () => (await import('./attach')).main);
registerCommand('run', async () => (await import('./run')).main);
registerCommand('demo', async () => (await import('./demo')).main);
registerCommand('sim-server', async () => (await import('./simServer')).main);
registerCommand('sim-train', async () => (await import('./simTrain')).main);
registerCommand('preflight', async () => (await import('./preflight')).main);
registerCommand('eval', async () => (await import('./evalCmd')).main);
