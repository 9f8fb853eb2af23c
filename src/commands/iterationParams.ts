/**
 * The Start Next Iteration parameter flow: a QuickPick listing the knobs of an iteration prefilled from the run
 * config (prompts, N, K, temperatures, ρ, review gate, the meta-judge); picking one edits it (InputBox / On-Off pick), picking
 * "Start" confirms. Returns only the changed values, as `iteration/start` overrides; undefined = cancelled.
 */
import * as vscode from 'vscode';
import type { DeepPartial, IterationManifest, RunConfig } from '../../remote/protocol';

type Section = 'prompts' | 'candidates' | 'judge' | 'pairs' | 'review' | 'metaJudge';
interface Param {
  section: Section;
  field: string;
  label: string;
  kind: 'int' | 'number' | 'bool';
  min?: number;
  max?: number;
}

export const ITERATION_PARAMS: readonly Param[] = [
  { section: 'prompts', field: 'perIteration', label: 'Prompts per iteration', kind: 'int', min: 1, max: 1_000_000 },
  { section: 'candidates', field: 'n', label: 'Candidates per prompt (N)', kind: 'int', min: 2, max: 64 },
  { section: 'judge', field: 'k', label: 'Judge samples per candidate (K)', kind: 'int', min: 1, max: 32 },
  { section: 'prompts', field: 'temperature', label: 'Prompt generation temperature', kind: 'number', min: 0, max: 2 },
  { section: 'candidates', field: 'temperature', label: 'Candidate temperature', kind: 'number', min: 0, max: 2 },
  { section: 'judge', field: 'temperature', label: 'Judge temperature', kind: 'number', min: 0, max: 2 },
  { section: 'pairs', field: 'rho', label: 'Length control ρ', kind: 'number', min: 0, max: 1 },
  { section: 'review', field: 'gate', label: 'Review gate (wait for pair review before training)', kind: 'bool' },
  { section: 'metaJudge', field: 'enabled', label: 'Meta-judge (Meta-Rewarding: judge pairs train the judge too)', kind: 'bool' },
  { section: 'metaJudge', field: 'maxJudgeShare', label: 'Judge pairs: at most this share of training rows', kind: 'number', min: 0, max: 1 },
];

export const START_LABEL = '$(play) Start';

type Values = Record<string, number | boolean>;
const key = (p: Param): string => `${p.section}.${p.field}`;
const show = (p: Param, v: number | boolean | undefined): string => (p.kind === 'bool' ? (v ? 'on' : 'off') : String(v ?? '–'));

export function validateParam(p: Param, text: string): string | undefined {
  const t = text.trim();
  if (!/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(t)) return `${p.label}: enter a number`;
  const v = Number(t);
  if (p.kind === 'int' && !Number.isInteger(v)) return `${p.label}: enter a whole number`;
  if (p.min !== undefined && v < p.min) return `${p.label}: at least ${p.min}`;
  if (p.max !== undefined && v > p.max) return `${p.label}: at most ${p.max}`;
  return undefined;
}

/** The overrides object for `iteration/start` from the values that differ from the config. */
export function overridesFrom(config: RunConfig, values: Values): DeepPartial<RunConfig> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of ITERATION_PARAMS) {
    const v = values[key(p)];
    const base = (config[p.section] as unknown as Record<string, unknown> | undefined)?.[p.field];
    if (v === undefined || v === base) continue;
    (out[p.section] ??= {})[p.field] = v;
  }
  return out as DeepPartial<RunConfig>;
}

export function describeOverrides(o: DeepPartial<RunConfig>): string {
  const parts: string[] = [];
  for (const p of ITERATION_PARAMS) {
    const v = (o[p.section] as Record<string, unknown> | undefined)?.[p.field];
    if (v !== undefined) parts.push(`${p.label} = ${show(p, v as number | boolean)}`);
  }
  return parts.length ? parts.join(', ') : 'the run configuration as is';
}

export async function askIterationOverrides(config: RunConfig, iteration: number, runName: string): Promise<DeepPartial<RunConfig> | undefined> {
  const values: Values = {};
  const current = (p: Param): number | boolean => (values[key(p)] ?? (config[p.section] as unknown as Record<string, number | boolean>)?.[p.field]) as number | boolean;
  for (;;) {
    const overrides = overridesFrom(config, values);
    const items: (vscode.QuickPickItem & { param?: Param })[] = [
      { label: `${START_LABEL} iteration ${iteration}`, detail: `with ${describeOverrides(overrides)}` },
      ...ITERATION_PARAMS.map((p) => {
        const changed = values[key(p)] !== undefined && values[key(p)] !== (config[p.section] as unknown as Record<string, unknown>)?.[p.field];
        return { label: p.label, description: `${show(p, current(p))}${changed ? ' (changed)' : ''}`, param: p };
      }),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Start iteration ${iteration} of ${runName}`, placeHolder: 'Pick a setting to change it, or Start', ignoreFocusOut: true });
    if (!pick) return undefined;
    if (!pick.param) {
      const ok = await vscode.window.showInformationMessage(`Start iteration ${iteration} of "${runName}" with ${describeOverrides(overrides)}?`, { modal: true }, 'Start');
      if (ok === 'Start') return overrides;
      continue;
    }
    const p = pick.param;
    if (p.kind === 'bool') {
      const on = await vscode.window.showQuickPick(['On', 'Off'], { title: p.label, placeHolder: `currently ${show(p, current(p))}` });
      if (on !== undefined) values[key(p)] = on === 'On';
      continue;
    }
    const text = await vscode.window.showInputBox({ title: p.label, value: String(current(p)), prompt: `${p.label}${p.min !== undefined ? ` (${p.min}–${p.max})` : ''}`, validateInput: (t) => validateParam(p, t) });
    if (text !== undefined) values[key(p)] = Number(text.trim());
  }
}

export const RESUME_LABEL = '$(debug-continue) Resume';

/**
 * The resume pick of a stopped or failed iteration: the parameters frozen in its manifest, shown but not editable
 * (a resumed iteration keeps them), and Resume. True = resume; undefined = cancelled.
 */
export async function askResume(params: IterationManifest['params'] | undefined, iteration: number, runName: string, status: string): Promise<boolean | undefined> {
  const frozen = (p: Param): number | boolean | undefined => (params?.[p.section] as unknown as Record<string, number | boolean> | undefined)?.[p.field];
  for (;;) {
    const items: (vscode.QuickPickItem & { param?: Param })[] = [
      { label: `${RESUME_LABEL} iteration ${iteration}`, detail: params ? 'with the parameters it started with, listed below' : 'with the parameters it started with (its manifest could not be read)' },
      ...(params ? ITERATION_PARAMS.map((p) => ({ label: `$(lock) ${p.label}`, description: show(p, frozen(p)), param: p })) : []),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Resume iteration ${iteration} of ${runName} (${status})`, placeHolder: 'A resumed iteration keeps the parameters it started with; start a new one to change them', ignoreFocusOut: true });
    if (!pick) return undefined;
    if (!pick.param) return true;
    void vscode.window.showInformationMessage(`${pick.param.label} is frozen at ${show(pick.param, frozen(pick.param))} for iteration ${iteration}: a resumed iteration keeps the parameters it started with.`);
  }
}
