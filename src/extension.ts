/** Extension entry point: build the services, register commands, views and editors. */
import * as vscode from 'vscode';
import type { CommandFactory, ExtensionContextLike } from './commands/registry';

/** Commands whose feature is not built yet: they say so instead of failing silently. */
function notYet(title: string): CommandFactory {
  return () => () => vscode.window.showInformationMessage(`Self-Rewarding: "${title}" is not available in this build yet.`);
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Self-Rewarding', { log: true });
  context.subscriptions.push(log);
  const ctx: ExtensionContextLike = { extension: context, log };
  const pkg = context.extension.packageJSON as { contributes: { commands: { command: string; title: string }[] } };
  const factories: Record<string, CommandFactory> = {};
  for (const c of pkg.contributes.commands) {
    const id = c.command.replace(/^selfreward\./, '');
    const factory = factories[id] ?? notYet(c.title);
    context.subscriptions.push(vscode.commands.registerCommand(c.command, factory(ctx)));
  }
  log.info('Self-Rewarding activated');
}

export function deactivate(): void {
  /* services dispose through context.subscriptions */
}
