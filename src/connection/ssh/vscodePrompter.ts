/** The Prompter for VS Code: modal warnings for host keys and offers, password input boxes for secrets. */
import * as vscode from 'vscode';
import type { Prompter } from './prompter';

async function askSecret(title: string, prompt: string): Promise<string | undefined> {
  return vscode.window.showInputBox({ title, prompt, password: true, ignoreFocusOut: true });
}

export const vscodePrompter: Prompter = {
  async confirmHostKey(q) {
    const trust = 'Trust and Connect';
    const where = q.port === 22 ? q.host : `${q.host}:${q.port}`;
    const detail =
      `The authenticity of host ${where}${q.via ? ` (on the way to ${q.via})` : ''} can't be established.\n\n` +
      `${q.keyType} key fingerprint:\n${q.fingerprint}\n\n` +
      (q.otherTypes.length ? `known_hosts already has ${q.otherTypes.join(', ')} key(s) for this host, but not this type.\n\n` : '') +
      'Compare it with the fingerprint the host administrator gave you (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host). ' +
      'Trusting adds it to ~/.ssh/known_hosts.';
    return (await vscode.window.showWarningMessage(`Unknown SSH host ${where}`, { modal: true, detail }, trust)) === trust;
  },
  passphrase: (keyFile, attempt) => askSecret('SSH key passphrase', `${attempt > 1 ? 'Wrong passphrase. ' : ''}Passphrase for ${keyFile} (not stored)`),
  password: (userAtHost, attempt) => askSecret('SSH password', `${attempt > 1 ? 'Wrong password. ' : ''}Password for ${userAtHost} (not stored)`),
  async confirm(message, detail, action) {
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
  },
};
