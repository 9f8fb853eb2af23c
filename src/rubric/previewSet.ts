/**
 * The preview set: samples pinned from the run (the dashboard and the pairs editor call `selfreward.pinSample`
 * with a PreviewSample), kept per run in workspace state, and/or a labelled set — the shipped one or the user's
 * Open Assistant-style file, loaded here with the seed loaders.
 */
import type * as vscode from 'vscode';
import type { PreviewSample, SeedFormat } from '../../remote/protocol';
import { loadSeed } from '../../remote/seed';
import { labelledSamples } from '../../remote/eval/judgeEval';

const MAX_PINS = 64;
const pinsKey = (runId: string): string => `selfreward.rubric.pins.${runId}`;

export function isPreviewSample(x: unknown): x is PreviewSample {
  const s = x as PreviewSample;
  return !!s && typeof s === 'object' && typeof s.id === 'string' && typeof s.prompt === 'string' && typeof s.answer === 'string';
}

export function pinnedSamples(state: vscode.Memento, runId: string): PreviewSample[] {
  return state.get<PreviewSample[]>(pinsKey(runId), []);
}

/** Pin (or re-pin, replacing) a sample; the oldest pins fall off past MAX_PINS. */
export async function pinSample(state: vscode.Memento, runId: string, sample: PreviewSample): Promise<PreviewSample[]> {
  const pins = pinnedSamples(state, runId).filter((s) => s.id !== sample.id);
  pins.push(sample);
  const kept = pins.slice(-MAX_PINS);
  await state.update(pinsKey(runId), kept);
  return kept;
}

export async function clearPins(state: vscode.Memento, runId: string): Promise<void> {
  await state.update(pinsKey(runId), []);
}

/** Labelled samples from `builtin:labelled` or a file (format auto-detected unless given). */
export function labelledPreviewSamples(pathOrBuiltin: string, format: SeedFormat = 'auto', maxGroups = 12): PreviewSample[] {
  const seed = loadSeed([{ path: pathOrBuiltin, format }]);
  if (!seed.labelled.length) throw new Error(`${pathOrBuiltin}: no prompts with ranked answers in it`);
  return labelledSamples(seed.labelled, maxGroups);
}
