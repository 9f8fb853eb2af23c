/**
 * Commands as a map of factories (rust-analyzer's style): each feature module contributes `id → factory(ctx)`;
 * `extension.ts` registers them all. Ids are the suffix after `selfreward.` in package.json.
 */
import type * as vscode from 'vscode';

export interface ExtensionContextLike {
  readonly extension: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
}

export type CommandFactory<C extends ExtensionContextLike = ExtensionContextLike> = (ctx: C) => (...args: unknown[]) => unknown;
