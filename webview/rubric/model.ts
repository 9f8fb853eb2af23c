/**
 * The Rubric Preview's state, apart from the DOM (so node tests and the panel share it): the samples, the current
 * draft run and the baseline run (the rubric in use), per-sample rows and the summary, including the A/B of judge
 * agreement with people on labelled samples.
 *
 * Noise: with K judge samples per answer a delta of a few tenths is often just sampling. The judge's sample-to-
 * sample spread σ is pooled over the set (every answer with ≥ 2 valid samples, draft and baseline runs: with K = 3
 * one answer's own spread is too rough to use alone); a delta's standard error is σ·√(1/n_draft + 1/n_in-use), and a
 * delta within 1.96 standard errors (95 %) is marked as within noise. The summary's mean delta is paired over the
 * answers: its standard error is the deltas' standard deviation / √n.
 */
import type { PreviewResult, PreviewSample } from '../../remote/protocol';
import { groupsFromSamples, judgeAgreement, mean, meanScore } from '../../remote/eval/metrics';
import type { PreviewRole, RubricHostMessage } from './protocol';

interface RunState {
  previewId: string;
  k: number;
  /** sampleId → results by sample index */
  results: Map<string, PreviewResult[]>;
  done: boolean;
  cancelled: boolean;
  error?: string;
}

export interface SampleRow {
  sample: PreviewSample;
  /** the K draft samples in order of arrival (null = parse failure) */
  draftScores: (number | null)[];
  draftMean: number | null;
  baseline: number | null;
  delta: number | null;
  parseFailures: number;
  /** the judge's texts for the draft, sample order */
  justifications: string[];
  complete: boolean;
  /** standard error of `delta` (pooled judge spread), null when it cannot be estimated */
  deltaSe: number | null;
  /** |delta| ≤ 1.96 standard errors: the change may be sampling alone */
  withinNoise: boolean | null;
}

/** 95 % two-sided. */
export const Z95 = 1.96;

export interface AbSide {
  pairwiseAccuracy: number | null;
  kendallTau: number | null;
}

export interface PreviewSummary {
  samples: number;
  scoresIn: number;
  scoresExpected: number;
  draftMean: number | null;
  baselineMean: number | null;
  parseFailureRate: number | null;
  /** population standard deviation of the per-sample draft means */
  spread: number | null;
  /** the judge's sample-to-sample standard deviation pooled over the set (null: no answer with ≥ 2 valid samples) */
  sigma: number | null;
  /** mean of the per-answer deltas (draft − in use), its standard error, and whether it is within noise */
  meanDelta: number | null;
  meanDeltaSe: number | null;
  meanDeltaWithinNoise: boolean | null;
  /** answers whose delta is beyond noise up / down, and within noise */
  changed: { up: number; down: number; within: number };
  /** only when the set has labelled samples (humanRank + group) */
  ab?: { draft: AbSide; inUse: AbSide; groups: number };
}

export class PreviewModel {
  samples: PreviewSample[] = [];
  k = 3;
  /** judge samples behind a sample's known in-use score (the run's K) */
  baselineK: number | undefined;
  /** the run the preview compares against */
  runName: string | undefined;
  setLabel = '';
  rubricVersion: number | undefined;
  status: { text: string; level: 'info' | 'error' } | undefined;
  lint: { severity: 'error' | 'warning'; message: string }[] = [];
  private runs: Partial<Record<PreviewRole, RunState>> = {};

  /** Apply a host message; returns the sample ids whose rows changed ('*' = everything). */
  apply(m: RubricHostMessage): Set<string> {
    switch (m.type) {
      case 'set':
        this.samples = m.samples;
        this.k = m.k;
        this.setLabel = m.setLabel;
        this.rubricVersion = m.rubricVersion;
        this.baselineK = m.baselineK;
        this.runName = m.runName;
        this.runs = {};
        return new Set(['*']);
      case 'start':
        this.runs[m.role] = { previewId: m.previewId, k: m.k, results: new Map(), done: false, cancelled: false };
        if (m.role === 'draft') this.k = m.k;
        return new Set(['*']);
      case 'results': {
        const run = this.runs[m.role];
        const changed = new Set<string>();
        if (!run) return changed;
        for (const r of m.results) {
          // The host already drops stale runs; this guards the panel on its own too.
          if (r.previewId !== run.previewId) continue;
          let list = run.results.get(r.sampleId);
          if (!list) run.results.set(r.sampleId, (list = []));
          list[r.sample] = r;
          changed.add(r.sampleId);
        }
        return changed;
      }
      case 'done': {
        const run = this.runs[m.role];
        if (run && run.previewId === m.previewId) {
          run.done = true;
          run.cancelled = m.cancelled;
          run.error = m.error;
        }
        return new Set();
      }
      case 'status':
        this.status = { text: m.text, level: m.level };
        return new Set();
      case 'lint':
        this.lint = m.problems;
        return new Set();
    }
  }

  get draftRun(): Readonly<RunState> | undefined {
    return this.runs.draft;
  }

  private validScores(role: PreviewRole, id: string): number[] {
    return (this.runs[role]?.results.get(id) ?? []).flatMap((r) => (r && r.score !== null ? [r.score] : []));
  }

  /** The judge's per-sample standard deviation, pooled over every answer with ≥ 2 valid samples in either run. */
  sigma(): number | null {
    let ss = 0;
    let df = 0;
    for (const role of ['draft', 'baseline'] as const)
      for (const s of this.samples) {
        const xs = this.validScores(role, s.id);
        if (xs.length < 2) continue;
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        ss += xs.reduce((a, x) => a + (x - m) ** 2, 0);
        df += xs.length - 1;
      }
    return df ? Math.sqrt(ss / df) : null;
  }

  row(sample: PreviewSample, sigma = this.sigma()): SampleRow {
    const draft = this.runs.draft;
    const list = (draft?.results.get(sample.id) ?? []).filter((r): r is PreviewResult => !!r);
    const draftScores = list.map((r) => r.score);
    const draftMean = meanScore(draftScores);
    const baseline = this.baselineOf(sample);
    const delta = draftMean !== null && baseline !== null ? draftMean - baseline : null;
    const nDraft = draftScores.filter((x) => x !== null).length;
    const nBase = sample.baselineScore !== undefined ? (this.baselineK ?? this.k) : this.validScores('baseline', sample.id).length;
    const deltaSe = delta !== null && sigma !== null && nDraft && nBase ? sigma * Math.sqrt(1 / nDraft + 1 / nBase) : null;
    return {
      sample,
      draftScores,
      draftMean,
      baseline,
      delta,
      parseFailures: list.filter((r) => !r.parseOk || r.score === null).length,
      justifications: list.map((r) => r.text),
      complete: !!draft && list.length >= draft.k,
      deltaSe,
      withinNoise: delta === null || deltaSe === null ? null : Math.abs(delta) <= Z95 * deltaSe,
    };
  }

  rows(): SampleRow[] {
    const sigma = this.sigma();
    return this.samples.map((s) => this.row(s, sigma));
  }

  summary(): PreviewSummary {
    const sigma = this.sigma();
    const rows = this.samples.map((s) => this.row(s, sigma));
    const draftMeans = rows.map((r) => r.draftMean).filter((x): x is number => x !== null);
    const baselines = rows.map((r) => r.baseline).filter((x): x is number => x !== null);
    const scoresIn = rows.reduce((a, r) => a + r.draftScores.length, 0);
    const failures = rows.reduce((a, r) => a + r.parseFailures, 0);
    const m = mean(draftMeans);
    const spread = m === null ? null : Math.sqrt(draftMeans.reduce((a, x) => a + (x - m) ** 2, 0) / draftMeans.length);
    const deltas = rows.map((r) => r.delta).filter((x): x is number => x !== null);
    const meanDelta = mean(deltas);
    const meanDeltaSe = meanDelta !== null && deltas.length >= 2 ? Math.sqrt(deltas.reduce((a, x) => a + (x - meanDelta) ** 2, 0) / (deltas.length - 1) / deltas.length) : null;
    const summary: PreviewSummary = {
      samples: rows.length,
      scoresIn,
      scoresExpected: this.runs.draft ? rows.length * this.runs.draft.k : 0,
      draftMean: m,
      baselineMean: mean(baselines),
      parseFailureRate: scoresIn ? failures / scoresIn : null,
      spread,
      sigma,
      meanDelta,
      meanDeltaSe,
      meanDeltaWithinNoise: meanDelta === null || meanDeltaSe === null ? null : Math.abs(meanDelta) <= Z95 * meanDeltaSe,
      changed: {
        up: rows.filter((r) => r.withinNoise === false && r.delta! > 0).length,
        down: rows.filter((r) => r.withinNoise === false && r.delta! < 0).length,
        within: rows.filter((r) => r.withinNoise === true).length,
      },
    };
    const labelled = this.samples.filter((s) => s.group !== undefined && s.humanRank !== undefined);
    if (labelled.length) {
      const byId = new Map(rows.map((r) => [r.sample.id, r]));
      const side = (pick: (r: SampleRow) => number | null): AbSide => {
        const a = judgeAgreement(groupsFromSamples(labelled, (id) => { const r = byId.get(id); return r ? pick(r) : null; }));
        return { pairwiseAccuracy: a.pairwiseAccuracy, kendallTau: a.kendallTau };
      };
      summary.ab = { draft: side((r) => r.draftMean), inUse: side((r) => r.baseline), groups: new Set(labelled.map((s) => s.group)).size };
    }
    return summary;
  }

  private baselineOf(sample: PreviewSample): number | null {
    if (sample.baselineScore !== undefined) return sample.baselineScore;
    const list = this.runs.baseline?.results.get(sample.id) ?? [];
    return meanScore(list.filter((r): r is PreviewResult => !!r).map((r) => r.score));
  }
}
