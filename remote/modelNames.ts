/**
 * How models and iterations are named to people: M0, M1, M2 … (the paper's names) or a model's label, and
 * "Iteration 3" / "Iteration 0 · SFT". Full paths live in tooltips.
 */
import type { ModelEntry } from './protocol';

export function modelLabel(m: Pick<ModelEntry, 'iteration' | 'role' | 'label'>): string {
  if (m.label) return m.label;
  return m.role === 'sft-baseline' ? 'SFT baseline' : `M${m.iteration}`;
}

/** Where the model lives: its path, else the id the server knows it by. */
export function modelPath(m: Pick<ModelEntry, 'name' | 'path'>): string {
  return m.path ?? m.name;
}

/** The policy model iteration t runs with (models.json holds one entry per iteration and role). */
export function policyModel(models: readonly ModelEntry[], t: number): ModelEntry | undefined {
  return models.find((m) => m.iteration === t && (m.role ?? 'policy') === 'policy');
}

/** A model's name and its details for a tooltip: "M2" and "M2: /runs/x/iterations/1/train/output (sim-train)". */
export function modelDisplay(m: ModelEntry | undefined, fallback = '–'): { label: string; title: string } {
  if (!m) return { label: fallback, title: fallback === '–' ? 'not trained yet' : fallback };
  const label = modelLabel(m);
  const extra = [m.path && m.path !== m.name ? `at ${m.path}` : '', m.servedName && m.servedName !== m.name ? `served as ${m.servedName}` : '', m.adapterBase ? `LoRA on ${m.adapterBase}` : '', `made by ${m.madeBy}`].filter(Boolean).join(', ');
  return { label, title: `${label}: ${m.name} (${extra})` };
}

/** How an iteration is named to people: "iteration 0 · SFT" for the SFT iteration, else "iteration t". */
export function iterationLabel(t: number): string {
  return t === 0 ? 'iteration 0 · SFT' : `iteration ${t}`;
}

/** The same name at the start of a line or a heading: "Iteration 3", "Iteration 0 · SFT". */
export function iterationTitle(t: number): string {
  return iterationLabel(t).replace(/^i/, 'I');
}
