/** Extension entry point: build the services, let each feature register its commands, views and editors. */
import * as vscode from 'vscode';
import type { CommandHandler, Feature, Services } from './services';
import { connectionFeature, createConnectionManager } from './connection/feature';
import { secretsFeature } from './secrets/feature';
import { sshFeature } from './connection/ssh/feature';
import { runCommandsFeature } from './commands/runCommands';
import { sftCommandFeature } from './commands/sftCommand';
import { dashboardFeature } from './dashboard/feature';
import { runsViewFeature } from './runs/feature';
import { statusFeature } from './status/feature';
import { rubricFeature } from './rubric/feature';
import { evalFeature } from './eval/feature';
import { pairsFeature } from './pairs/feature';
import { metaJudgeFeature } from './metaJudge/feature';

/**
 * One line per feature. Each lives in its own folder under src/ and exports a Feature.
 */
const features: Feature[] = [
  connectionFeature,
  secretsFeature,
  sshFeature,
  runCommandsFeature,
  sftCommandFeature,
  dashboardFeature,
  runsViewFeature,
  statusFeature,
  rubricFeature,
  evalFeature,
  pairsFeature,
  metaJudgeFeature,
];

/** Commands whose feature is not built yet say so instead of failing silently. */
function notYet(title: string): CommandHandler {
  return () => vscode.window.showInformationMessage(`Self-Rewarding: "${title}" is not available in this build yet.`);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Self-Rewarding', { log: true });
  context.subscriptions.push(log);
  const services = await createServices(context, log);
  const handlers = new Map<string, CommandHandler>();
  for (const f of features) for (const [id, factory] of Object.entries(f.commands ?? {})) handlers.set(id, factory(services));
  const pkg = context.extension.packageJSON as { contributes: { commands: { command: string; title: string }[] } };
  for (const c of pkg.contributes.commands) {
    const id = c.command.replace(/^selfreward\./, '');
    context.subscriptions.push(vscode.commands.registerCommand(c.command, handlers.get(id) ?? notYet(c.title)));
  }
  for (const f of features) await f.activate?.(services);
  log.info('Self-Rewarding activated');
}

async function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<Services> {
  const runEmitter = new vscode.EventEmitter<string | undefined>();
  context.subscriptions.push(runEmitter);
  const services: Services = {
    context,
    log,
    connection: createConnectionManager(context, log),
    currentRunId: undefined,
    onDidChangeCurrentRun: runEmitter.event,
    setCurrentRun(runId) {
      services.currentRunId = runId;
      void vscode.commands.executeCommand('setContext', 'selfreward.hasRun', runId !== undefined);
      runEmitter.fire(runId);
    },
  };
  return services;
}

export function deactivate(): void {
  /* services dispose through context.subscriptions */
}
