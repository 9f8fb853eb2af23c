/**
 * API keys and preflight from VS Code.
 *  - "Set API Key…": the key is stored in SecretStorage under the name of the environment variable the run config
 *    names (model.apiKeyEnv) and handed to the agent in memory (`secrets/set`) now and on every connect; it is never
 *    written on the GPU box. An empty key removes it.
 *  - "Run Preflight Checks": asks the connected agent (`preflight/run`) and shows the table in an output channel,
 *    with the problems and their fixes in a quick pick (picking one copies its fix command).
 */
import * as vscode from 'vscode';
import type { AgentApi } from '../connection/agentApi';
import type { Feature, Services } from '../services';
import { formatPreflight } from '../../remote/preflightReport';
import { runsModel } from '../runs/runsModel';

const SECRET_PREFIX = 'selfreward.apiKey.';
/** names only (not secret), so keys can be re-sent on connect */
const NAMES_KEY = 'selfreward.apiKeyNames';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function names(s: Services): string[] {
  return s.context.globalState.get<string[]>(NAMES_KEY) ?? [];
}

/** Hand every stored key to the agent (memory only on its side). */
export async function sendKeys(s: Services, agent: AgentApi): Promise<number> {
  let sent = 0;
  for (const name of names(s)) {
    const value = await s.context.secrets.get(SECRET_PREFIX + name);
    if (!value) continue;
    await agent.request('secrets/set', { name, value });
    sent++;
  }
  return sent;
}

function setApiKey(s: Services) {
  return async (preset?: unknown): Promise<void> => {
    const name =
      typeof preset === 'string' && ENV_NAME.test(preset)
        ? preset
        : await vscode.window.showInputBox({
            title: 'Set API Key (1/2): name',
            prompt: 'The environment-variable name your run config uses in model.apiKeyEnv',
            value: names(s)[0] ?? 'OPENAI_API_KEY',
            validateInput: (v) => (ENV_NAME.test(v) ? undefined : 'Letters, digits and _, not starting with a digit'),
          });
    if (!name) return;
    const value = await vscode.window.showInputBox({
      title: `Set API Key (2/2): ${name}`,
      prompt: 'Kept in VS Code SecretStorage and handed to the agent in memory, never written on the GPU box. Leave empty to remove.',
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return;
    const known = names(s).filter((n) => n !== name);
    if (value) {
      await s.context.secrets.store(SECRET_PREFIX + name, value);
      await s.context.globalState.update(NAMES_KEY, [name, ...known]);
    } else {
      await s.context.secrets.delete(SECRET_PREFIX + name);
      await s.context.globalState.update(NAMES_KEY, known);
    }
    const agent = s.connection.agent;
    if (agent) await agent.request('secrets/set', { name, value });
    void vscode.window.showInformationMessage(
      value
        ? `Self-Rewarding: API key ${name} stored${agent ? ' and handed to the agent' : '; it goes to the agent when you connect'}.`
        : `Self-Rewarding: API key ${name} removed.`,
    );
  };
}

function preflight(s: Services) {
  let channel: vscode.OutputChannel | undefined;
  return async (): Promise<void> => {
    const agent = s.connection.agent;
    if (!agent) {
      void vscode.window.showWarningMessage('Self-Rewarding: connect to a GPU host (or start the local agent) to run preflight checks there.');
      return;
    }
    // Check what the current run uses (a sim run needs no vLLM, TRL or GPU); without a run, everything real runs need.
    const snap = s.currentRunId ? runsModel(s).snapshot(s.currentRunId) : undefined;
    const what = snap ? `run "${snap.run.name}" (model ${snap.config.model.backend}, trainer ${snap.config.trainer.backend})` : 'real runs (vLLM, TRL, GPUs)';
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Self-Rewarding: preflight on ${agent.label} for ${what}…` },
      () => agent.request('preflight/run', snap ? { config: snap.config } : {}),
    );
    if (!channel) {
      channel = vscode.window.createOutputChannel('Self-Rewarding Preflight');
      s.context.subscriptions.push(channel);
    }
    channel.clear();
    channel.append(`Preflight on ${agent.label} for ${what}\n\n${formatPreflight(r)}`);
    channel.show(true);
    const problems = r.checks.filter((c) => !c.ok && c.required !== false);
    if (!problems.length) {
      void vscode.window.showInformationMessage(`Self-Rewarding: ${agent.label} is ready for ${what}.`);
      return;
    }
    const pick = await vscode.window.showQuickPick(
      problems.map((c) => ({ label: `$(error) ${c.name}`, description: c.detail, detail: c.fix ? `fix: ${c.fix}` : undefined, fix: c.fix })),
      { title: `Preflight: ${problems.length} problem${problems.length === 1 ? '' : 's'} on ${agent.label} for ${what} (pick one to copy its fix)` },
    );
    if (pick?.fix) {
      await vscode.env.clipboard.writeText(pick.fix);
      void vscode.window.showInformationMessage(`Copied: ${pick.fix}`);
    }
  };
}

export const secretsFeature: Feature = {
  commands: { setApiKey, preflight },
  activate(s) {
    const push = (agent: AgentApi | undefined): void => {
      if (!agent) return;
      sendKeys(s, agent).catch((e: unknown) => s.log.warn(`could not hand API keys to the agent: ${e instanceof Error ? e.message : String(e)}`));
    };
    s.context.subscriptions.push(s.connection.onDidChange(push));
    push(s.connection.agent);
  },
};
