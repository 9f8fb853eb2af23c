/** How a model is named to people: M0, M1, M2 … (the paper's names), or its label. Full paths live in tooltips. */
import type { ModelEntry } from './protocol';

export function modelLabel(m: Pick<ModelEntry, 'iteration' | 'role' | 'label'>): string {
  if (m.label) return m.label;
  return m.role === 'sft-baseline' ? 'SFT baseline' : `M${m.iteration}`;
}

/** How an iteration is named to people: "iteration 0 · SFT" for the SFT iteration, else "iteration t". */
export function iterationLabel(t: number): string {
  return t === 0 ? 'iteration 0 · SFT' : `iteration ${t}`;
}
