/**
 * The Rubric Preview's state, apart from the DOM (so node tests and the panel share it): the samples, the current
 * draft run and the baseline run (the rubric in use), per-sample rows and the summary, including the A/B of judge
 * agreement with people on labelled samples.
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
}

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
  /** only when the set has labelled samples (humanRank + group) */
  ab?: { draft: AbSide; inUse: AbSide; groups: number };
}

export class PreviewModel {
  samples: PreviewSample[] = [];
  k = 3;
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

  row(sample: PreviewSample): SampleRow {
    const draft = this.runs.draft;
    const list = (draft?.results.get(sample.id) ?? []).filter((r): r is PreviewResult => !!r);
    const draftScores = list.map((r) => r.score);
    const draftMean = meanScore(draftScores);
    const baseline = this.baselineOf(sample);
    return {
      sample,
      draftScores,
      draftMean,
      baseline,
      delta: draftMean !== null && baseline !== null ? draftMean - baseline : null,
      parseFailures: list.filter((r) => !r.parseOk || r.score === null).length,
      justifications: list.map((r) => r.text),
      complete: !!draft && list.length >= draft.k,
    };
  }

  rows(): SampleRow[] {
    return this.samples.map((s) => this.row(s));
  }

  summary(): PreviewSummary {
    const rows = this.rows();
    const draftMeans = rows.map((r) => r.draftMean).filter((x): x is number => x !== null);
    const baselines = rows.map((r) => r.baseline).filter((x): x is number => x !== null);
    const scoresIn = rows.reduce((a, r) => a + r.draftScores.length, 0);
    const failures = rows.reduce((a, r) => a + r.parseFailures, 0);
    const m = mean(draftMeans);
    const spread = m === null ? null : Math.sqrt(draftMeans.reduce((a, x) => a + (x - m) ** 2, 0) / draftMeans.length);
    const summary: PreviewSummary = {
      samples: rows.length,
      scoresIn,
      scoresExpected: this.runs.draft ? rows.length * this.runs.draft.k : 0,
      draftMean: m,
      baselineMean: mean(baselines),
      parseFailureRate: scoresIn ? failures / scoresIn : null,
      spread,
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
