/**
 * The services every feature gets. One instance per activation, built in extension.ts. Features (one folder each
 * under src/) export a `Feature`: commands as a map of factories plus an optional activate hook.
 */
import type * as vscode from 'vscode';
import type { AgentApi, LinkState } from './connection/agentApi';
import type { AgentClientOptions, LinkFactory } from './connection/agentClient';

export interface ConnectionManager {
  /** The agent of the current link (local child process or SSH), if connected. */
  readonly agent: AgentApi | undefined;
  readonly state: LinkState;
  onDidChange: vscode.Event<AgentApi | undefined>;
  onDidChangeState: vscode.Event<LinkState>;
  /** Start (or reuse) the agent on this machine. */
  connectLocal(): Promise<AgentApi>;
  /** Use an agent reached by another transport (SSH); the link factory is called again on every reconnect. */
  attach(linkFactory: LinkFactory, label: string, opts?: Pick<AgentClientOptions, 'isFatal' | 'backoff'>): Promise<AgentApi>;
  disconnect(): Promise<void>;
}

export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly connection: ConnectionManager;
  /** The run the user is working on (the dashboard's, the tree's selection); undefined before one exists. */
  currentRunId: string | undefined;
  readonly onDidChangeCurrentRun: vscode.Event<string | undefined>;
  setCurrentRun(runId: string | undefined): void;
}

export type CommandHandler = (...args: unknown[]) => unknown;

export interface Feature {
  /** command id suffix (after `selfreward.`) → factory */
  commands?: Record<string, (services: Services) => CommandHandler>;
  activate?(services: Services): void | Promise<void>;
}
