/**
 * The demo's Meta-Rewarding comparison (`agent.js demo --meta-rewarding`): after the demo run (SFT, then the
 * paper's iterations without a meta-judge), a second run starts from the same M1 with the same seed, prompts and
 * iterations, with the meta-judge on. Every model of both runs is measured as a judge on the first run's EFT eval
 * split — the same labelled groups, the same K as the loop uses, `repeats` measurements averaged — and recorded in
 * the first run's iterations/0/agreement.json (the second run's models under their own labels, "M2 · meta", …).
 */
import * as path from 'node:path';
import type { AgreementResult } from '../pipeline/agreement';
import { measureAgreement, readAgreements } from '../pipeline/agreement';
import type { IterationSummary, ModelEntry, RunEvent } from '../protocol';
import type { InferenceBackend } from '../backends/types';
import { InferenceClient } from '../inference/client';
import { modelLabel } from '../modelNames';
import { validateConfig } from '../config/config';
import { RunStore, type Run } from '../store/runStore';
import { runIterations } from './run';

/** How many K-sample measurements each model's agreement averages in the comparison. */
export const DEMO_AGREEMENT_REPEATS = 4;

export const metaLabel = (m: Pick<ModelEntry, 'iteration'>): string => `M${m.iteration} · meta`;

export interface MetaArm {
  run: Run;
  rows: IterationSummary[];
}

/** The second run: M1 of `base` (by its path), the same seed, prompts and iterations, the meta-judge on. */
export async function runMetaArm(base: Run, store: RunStore, o: { iterations: number; agentVersion: string; rubricText: string; signal: AbortSignal; onEvent?(e: RunEvent): void }): Promise<MetaArm> {
  const m1 = base.modelFor(1);
  if (!m1) throw new Error(`${base.dir}: no M1 to start the meta-rewarding run from`);
  const from = m1.path ? path.resolve(base.dir, m1.path) : m1.name;
  const { sft: _sft, ...rest } = base.config;
  const config = validateConfig({ ...rest, name: `${base.config.name}-meta`, model: { ...base.config.model, name: from }, metaJudge: { ...(base.config.metaJudge ?? {}), enabled: true } }, 'demo meta-rewarding config');
  const run = store.create(config, { agentVersion: o.agentVersion, rubricText: o.rubricText });
  const rows = await runIterations(run, { iterations: o.iterations, signal: o.signal, onEvent: o.onEvent });
  return { run, rows };
}

/**
 * Measure models as judges on `base`'s EFT eval split (repeats × K samples per answer; samples already there are
 * kept). `label` names a model of another run.
 */
export async function measureJudges(
  base: Run,
  inference: InferenceBackend,
  models: { model: ModelEntry; label?: string }[],
  o: { repeats: number; signal: AbortSignal; note?(text: string): void },
): Promise<AgreementResult[]> {
  const j = base.readManifest(0);
  if (!j) throw new Error(`${base.dir}: no SFT iteration, so no EFT eval split to measure judges on`);
  const out: AgreementResult[] = [];
  for (const { model, label } of models) {
    const entry = label ? { ...model, label } : model;
    o.note?.(`judge agreement of ${modelLabel(entry)} on the EFT eval split (${o.repeats} × K=${j.params.judge.k})`);
    const client = new InferenceClient(await inference.ensureServing(model, o.signal), { maxRetries: base.config.inference.maxRetries, timeoutMs: base.config.inference.requestTimeoutMs });
    out.push(await measureAgreement(base, { model: entry, client, k: j.params.judge.k, repeats: o.repeats, rubric: j.rubric, judge: j.params.judge, runSeed: j.seed, concurrency: base.config.inference.concurrency, signal: o.signal }));
  }
  return out;
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`);
const pts = (v: number): string => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;

/**
 * The comparison: each arm's judge from M1 to its last model, pairwise accuracy (mean ± spread of the repeats) and
 * rank correlations, and the change over the iterations.
 */
export function comparisonTable(results: readonly AgreementResult[], arms: { name: string; labels: string[] }[]): string {
  const byLabel = new Map(results.map((r) => [r.label, r]));
  const lines: string[][] = [];
  for (const arm of arms) {
    const rs = arm.labels.map((l) => byLabel.get(l)).filter((r): r is AgreementResult => !!r);
    for (const r of rs) {
      const a = r.agreement;
      lines.push([`${arm.name}: ${r.label}`, `${pct(a.pairwiseAccuracy)} ± ${((a.pairwiseAccuracySd ?? 0) * 100).toFixed(1)}`, a.spearman === null ? '–' : a.spearman.toFixed(3), a.kendallTau === null ? '–' : a.kendallTau.toFixed(3)]);
    }
    const [first, last] = [rs[0], rs[rs.length - 1]];
    if (first && last && first !== last && first.agreement.pairwiseAccuracy !== null && last.agreement.pairwiseAccuracy !== null) {
      lines.push([`${arm.name}: change ${first.label} → ${last.label}`, `${pts(last.agreement.pairwiseAccuracy - first.agreement.pairwiseAccuracy)} points`, '', '']);
    }
  }
  const header = ['judge agreement with people (EFT eval split)', 'pairwise accuracy', 'Spearman', 'Kendall τ'];
  const table = [header, ...lines];
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('   '), ...lines.map(line)].join('\n') + '\n';
}

/** The first run's agreement entries as the comparison reads them. */
export function comparisonResults(base: Run): AgreementResult[] {
  return readAgreements(base);
}
