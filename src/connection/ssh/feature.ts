/**
 * "Connect to GPU Host…" and "Disconnect": pick a host (recent first, then ~/.ssh/config, or type user@host[:port]),
 * open a verified SSH link, deploy/reuse the agent, hand the agent connection to the ConnectionManager, and show the
 * link state in the status bar. Every step goes to the LogOutputChannel (never a secret).
 */
import * as vscode from 'vscode';
import type { Feature, Services } from '../../services';
import type { LinkState } from '../agentApi';
import { sshAgentConnector } from './agentConnector';
import { defaultKnownHostsFiles } from './knownHosts';
import { pickerHosts, recentHosts, rememberHost } from './recentHosts';
import { parseHostSpec, SshConfigFile } from './sshConfig';
import { HostKeyError, SshAuthError, SshLink } from './sshLink';
import { vscodePrompter } from './vscodePrompter';
import { attachToManager } from './managerAdapter';

let current: SshLink | undefined;
let status: vscode.StatusBarItem | undefined;

/** The SSH link's state, or — while SSH is up — the agent link's (its channel can drop on its own). */
function shownState(link: SshLink, services: Services): LinkState {
  return link.state === 'connected' && services.connection.state !== 'offline' ? services.connection.state : link.state;
}

/**
 * The main status item (src/status) already shows the link while it is up or coming back; this one appears only
 * when an SSH link has failed, with the reason and a click to connect again.
 */
function showState(link: SshLink | undefined, state: LinkState): void {
  if (!status) return;
  if (!link || state !== 'offline') {
    status.hide();
    return;
  }
  status.text = `$(debug-disconnect) ${link.label} (offline)`;
  status.tooltip = `SSH link to ${link.label} is down${link.lastError ? `: ${link.lastError.message}` : ''}. Click to connect again.`;
  status.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  status.show();
}

const OTHER = 'Other host…';

/** Recent hosts first, then ~/.ssh/config's; "Other host…" asks for user@host[:port]. */
async function pickHost(services: Services, cfg: SshConfigFile): Promise<string | undefined> {
  const items: vscode.QuickPickItem[] = [
    ...pickerHosts(recentHosts(services.context.globalState), cfg.hosts()).map(({ host, recent }) => ({ label: host, description: recent ? 'recent' : 'ssh config' })),
    { label: OTHER, description: 'user@host[:port]', alwaysShow: true },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Connect to GPU Host', placeHolder: 'Pick a host from ~/.ssh/config, or Other host…', ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.label !== OTHER) return picked.label;
  const typed = await vscode.window.showInputBox({
    title: 'Connect to GPU Host',
    prompt: 'user@host[:port]',
    placeHolder: 'me@gpu-box.example:22',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        parseHostSpec(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  return typed?.trim() || undefined;
}

async function connect(services: Services, arg: unknown): Promise<void> {
  const log = services.log;
  const settings = vscode.workspace.getConfiguration('selfreward');
  let cfg: SshConfigFile;
  try {
    cfg = SshConfigFile.load({ file: settings.get<string>('ssh.configFile') || undefined });
  } catch (e) {
    void vscode.window.showErrorMessage(`Self-Rewarding: cannot read the SSH config: ${(e as Error).message}`);
    return;
  }
  const host = typeof arg === 'string' ? arg : await pickHost(services, cfg);
  if (!host) return;
  let link: SshLink;
  try {
    const target = cfg.resolve(host);
    link = new SshLink(target, {
      prompter: vscodePrompter,
      knownHosts: defaultKnownHostsFiles(),
      log,
      keepaliveIntervalMs: settings.get<number>('ssh.keepaliveIntervalMs') ?? 15_000,
    });
  } catch (e) {
    void vscode.window.showErrorMessage(`Self-Rewarding: ${(e as Error).message}`);
    return;
  }
  await disconnect(services);
  current = link;
  const refresh = () => {
    if (current === link) showState(link, shownState(link, services));
  };
  link.onDidChangeState(refresh);
  const sub = services.connection.onDidChangeState(refresh);
  link.onDidChangeState((s) => s === 'offline' && link !== current && sub.dispose());
  log.info(`ssh: connecting to ${host} (${link.label}${link.target.jumps.length ? ` via ${link.target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(' → ')}` : ''})`);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Connecting to ${link.label}`, cancellable: false },
      async (progress) => {
        progress.report({ message: 'SSH…' });
        await link.session();
        progress.report({ message: 'checking the agent…' });
        const connector = sshAgentConnector(link, {
          bundlePath: services.context.asAbsolutePath('dist/agent.js'),
          nodePath: settings.get<string>('agent.nodePath') || undefined,
          runsDir: settings.get<string>('agent.runsDir') || undefined,
          prompter: vscodePrompter,
          log,
        });
        await attachToManager(services.connection, connector, link.label);
      },
    );
  } catch (e) {
    link.dispose();
    if (current === link) current = undefined;
    showState(link, 'offline');
    const err = e as Error;
    log.error(`ssh: ${err.message}`);
    if (err instanceof HostKeyError && err.verdict.status === 'changed') {
      void vscode.window.showErrorMessage(`Self-Rewarding: host key of ${err.host} changed — connection refused`, { modal: true, detail: err.message });
    } else if (err instanceof SshAuthError) {
      void vscode.window.showErrorMessage(`Self-Rewarding: ${err.message}. Check the user, your ssh-agent and IdentityFile, then connect again.`);
    } else {
      void vscode.window.showErrorMessage(`Self-Rewarding: could not connect to ${link.label}: ${err.message}`);
    }
    return;
  }
  await rememberHost(services.context.globalState, host);
  void vscode.commands.executeCommand('setContext', 'selfreward.connected', true);
  log.info(`ssh: connected to ${link.label}`);
}

async function disconnect(services: Services): Promise<void> {
  const link = current;
  current = undefined;
  if (link) services.log.info(`ssh: disconnecting from ${link.label}`);
  // The agent client first, so it does not try to re-attach over the SSH link being closed.
  await services.connection.disconnect();
  if (link) {
    link.dispose();
    showState(undefined, 'offline');
  }
  void vscode.commands.executeCommand('setContext', 'selfreward.connected', false);
}

export const sshFeature: Feature = {
  commands: {
    connect: (services) => (arg?: unknown) => connect(services, arg),
    disconnect: (services) => () => disconnect(services),
  },
  activate(services) {
    status = vscode.window.createStatusBarItem('selfreward.ssh', vscode.StatusBarAlignment.Left, 50);
    status.name = 'Self-Rewarding SSH link';
    status.command = 'selfreward.connect';
    services.context.subscriptions.push(status, {
      dispose: () => {
        current?.dispose();
        current = undefined;
      },
    });
  },
};
