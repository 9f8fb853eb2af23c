/**
 * "Use for Next Iteration" of an edited template (the rubric, or the meta-judge template): refused while the text has
 * errors, else stored as the run's next version of that kind. Also the labelled-file picker both previews offer.
 */
import * as vscode from 'vscode';
import type { TemplateKind } from '../../remote/protocol';
import type { AgentApi } from '../connection/agentApi';
import { lintRubric, type TemplateSpec } from './lint';

/** Store `doc`'s text as the next version; undefined when it has errors (shown) or equals the version in use (shown). */
export async function storeTemplate(agent: AgentApi, runId: string, text: string, spec: TemplateSpec, kind: TemplateKind): Promise<{ before: number; version: number } | undefined> {
  const errors = lintRubric(text, spec).filter((p) => p.severity === 'error');
  if (errors.length) {
    void vscode.window.showErrorMessage(`Self-Rewarding: the ${spec.what} cannot be used yet: ${errors.map((e) => e.message).join(' ')}`);
    return undefined;
  }
  const which = kind === 'rubric' ? {} : { kind };
  const before = await agent.request('rubric/get', { runId, ...which });
  const r = await agent.request('rubric/set', { runId, text, ...which });
  if (r.version === before.version) {
    void vscode.window.showInformationMessage(`Self-Rewarding: the run already uses this ${spec.what} (v${r.version}).`);
    return undefined;
  }
  return { before: before.version, version: r.version };
}

/** Ask for a labelled file (Open Assistant-style ranked replies); its path, or undefined when cancelled. */
export async function pickLabelledFile(): Promise<string | undefined> {
  const files = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use as Labelled Set', filters: { 'Labelled data': ['jsonl', 'json'] } });
  return files?.[0]?.fsPath;
}
