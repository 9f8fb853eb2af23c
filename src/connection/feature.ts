/**
 * The connection feature: the real ConnectionManager for the services (local agent + the `attach` point SSH uses)
 * and the "Show Agent Log" command. The connection log goes to the LogOutputChannel; it never contains tokens.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Feature, Services } from '../services';
import { AgentConnectionManager } from './manager';

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

export function createConnectionManager(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): AgentConnectionManager {
  const storage = context.globalStorageUri.fsPath;
  const manager = new AgentConnectionManager({
    local: () => {
      const configured = vscode.workspace.getConfiguration('selfreward').get<string>('local.runsDir', '');
      return {
        agentJs: context.asAbsolutePath(path.join('dist', 'agent.js')),
        runsDir: configured ? expandHome(configured) : path.join(storage, 'runs'),
        stateDir: path.join(storage, 'agent'),
      };
    },
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
  });
  context.subscriptions.push(manager);
  manager.onDidChangeState((s) => log.info(`agent link: ${s}`));
  return manager;
}

let agentChannel: vscode.OutputChannel | undefined;

/** Show the agent's own log (its last lines, fetched from the daemon) beside the connection log. */
export async function showAgentLog(services: Services): Promise<void> {
  const agent = services.connection.agent;
  if (!agent || agent.state !== 'connected') {
    services.log.show(true);
    void vscode.window.showInformationMessage('Self-Rewarding: not connected to an agent; showing the connection log.');
    return;
  }
  const { lines } = await agent.request('agent/logTail', { lines: 1000 });
  agentChannel ??= vscode.window.createOutputChannel('Self-Rewarding Agent');
  services.context.subscriptions.push(agentChannel);
  agentChannel.replace(`# agent log (${agent.label}), last ${lines.length} lines\n${lines.join('\n')}\n`);
  agentChannel.show(true);
}

export const connectionFeature: Feature = {
  commands: {
    showAgentLog: (services) => () => showAgentLog(services),
  },
};
