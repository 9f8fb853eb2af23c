/**
 * AlpacaEval 2.0's length-controlled (LC) win rate, the same model as the public implementation
 * (tatsu-lab/alpaca_eval v0.6.6, src/alpaca_eval/metrics/glm_winrate.py, GLM "length_controlled_v1"):
 *
 *   logit P(model preferred over the reference on instruction i)
 *       = θ · tanh(std_delta_len_i) + γ · instruction_difficulty_i + φ · not_gamed_baseline_i        (no intercept)
 *
 *   std_delta_len_i = (len(reference_i) − len(model_i)) / std_j(len(reference_j) − len(model_j))   (characters;
 *                     sample std over every annotation of the model, as pandas computes it)
 *   preference_i    ∈ [0, 1]: 1 = the model's answer preferred, 0 = the reference's, 0.5 = a draw
 *
 * fitted as an L1-penalised logistic regression with probabilities as targets (each annotation twice: label 1 with
 * weight p, label 0 with weight 1 − p), no intercept, the penalty's C chosen from 10 values log-spaced in
 * [1e-4, 1e4] by 5-fold grouped cross-validation on the (weighted) log loss, then refitted on everything. The LC win
 * rate is the mean over the instructions of the predicted preference with the length term set to zero:
 *   LC = mean_i σ(γ · instruction_difficulty_i + φ).
 * With "gamed" baseline annotations (AlpacaEval's df_gamed.csv: the reference model prompted to be verbose or
 * concise, not_gamed_baseline = 0) added to the fit with weight λ/2 each (λ = 0.2), θ is regularised towards the
 * length effect seen on the baseline, as the public code does.
 *
 * Where a prompt set of your own must differ (the README says so too): instruction_difficulty is a per-instruction
 * value AlpacaEval fitted once over many leaderboard models on its 805 instructions, and df_gamed exists only for
 * them. Without those files the γ term and the gamed rows are left out — the public code's own
 * "length_controlled_minimal" formula (θ · tanh(std_delta_len) + φ) — so the LC win rate is σ(φ): the preference
 * with the length difference removed, not re-weighted by instruction difficulty. Supply `instructionDifficulty` (and
 * `gamed`) to get length_controlled_v1 exactly.
 *
 * Differences in mechanics, not in the model: the optimum is computed to 1e-10 by proximal Newton (liblinear stops at
 * tol 1e-4), and cross-validation folds put annotation k in fold k mod 5 (sklearn's GroupKFold orders equal-size
 * groups the way numpy's sort leaves them). With fewer than 5 fitted annotations there is no cross-validation and C =
 * 100, the public code's value when it does not cross-validate.
 */

export const LC_FORMULA_V1 = 'np.tanh(std_delta_len) + instruction_difficulty + not_gamed_baseline.astype(float) - 1';
export const LC_FORMULA_MINIMAL = 'np.tanh(std_delta_len) + not_gamed_baseline.astype(float) - 1';
/** sklearn LogisticRegressionCV's default Cs = 10: np.logspace(-4, 4, 10) */
export const DEFAULT_CS = Array.from({ length: 10 }, (_, i) => 10 ** (-4 + (8 * i) / 9));
const FALLBACK_C = 100;

export interface LcAnnotation {
  /** 1: the model's answer preferred, 0: the reference's, 0.5: a draw; null: unreadable (not fitted, still predicted) */
  preference: number | null;
  referenceChars: number;
  modelChars: number;
  /** the instruction's pre-fitted difficulty (AlpacaEval's instruction_difficulty.csv); all or none */
  instructionDifficulty?: number;
}

/** A gamed-baseline annotation (df_gamed.csv), already standardised. */
export interface GamedAnnotation {
  preference: number;
  stdDeltaLen: number;
  instructionDifficulty: number;
}

export interface LcOptions {
  gamed?: readonly GamedAnnotation[];
  /** weight of the gamed rows (split over the two gamed baselines: λ/2 each); default 0.2 */
  lambda?: number;
  nSplits?: number;
  Cs?: readonly number[];
  /** fit at this C, no cross-validation (tests, and callers that know better) */
  C?: number;
}

export interface LcResult {
  /** mean predicted preference at zero length difference, a fraction (AlpacaEval prints × 100) */
  lcWinRate: number;
  /** standard error of the mean of the predicted preferences (AlpacaEval's lc_standard_error, as a fraction) */
  standardError: number | null;
  formula: string;
  weights: Record<string, number>;
  C: number;
  /** annotations in the fit (readable), annotations predicted (all), gamed rows added */
  fitted: number;
  predicted: number;
  gamedRows: number;
}

// ------------------------------------------------------------------------------------------------ the fit itself

export interface WeightedDesign {
  /** feature rows (no intercept column) */
  x: number[][];
  /** weight of label 1 (p·s) and of label 0 ((1 − p)·s) per row */
  pos: number[];
  neg: number[];
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ||w||₁ + C · Σ_i [pos_i · log(1 + e^{−z_i}) + neg_i · log(1 + e^{z_i})],  z = X w — liblinear's L1 objective. */
export function l1LogisticObjective(d: WeightedDesign, w: readonly number[], C: number): number {
  let loss = 0;
  for (let i = 0; i < d.x.length; i++) {
    const z = dot(d.x[i], w);
    loss += d.pos[i] * softplus(-z) + d.neg[i] * softplus(z);
  }
  return C * loss + w.reduce((a, b) => a + Math.abs(b), 0);
}

/** Minimise l1LogisticObjective by proximal Newton (coordinate descent on each quadratic model, backtracking). */
export function fitL1Logistic(d: WeightedDesign, C: number, maxIter = 200): number[] {
  const p = d.x[0]?.length ?? 0;
  let w = new Array<number>(p).fill(0);
  let f = l1LogisticObjective(d, w, C);
  for (let iter = 0; iter < maxIter; iter++) {
    const g = new Array<number>(p).fill(0);
    const H = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < d.x.length; i++) {
      const xi = d.x[i];
      const s = sigmoid(dot(xi, w));
      const tot = d.pos[i] + d.neg[i];
      const r = C * (tot * s - d.pos[i]);
      const c = C * tot * s * (1 - s);
      for (let j = 0; j < p; j++) {
        g[j] += r * xi[j];
        for (let k = 0; k < p; k++) H[j][k] += c * xi[j] * xi[k];
      }
    }
    // u minimises g·(u − w) + ½ (u − w)ᵀ H (u − w) + ||u||₁, one coordinate at a time (soft thresholding)
    const u = w.slice();
    for (let sweep = 0; sweep < 500; sweep++) {
      let moved = 0;
      for (let j = 0; j < p; j++) {
        const a = H[j][j];
        let c = g[j];
        for (let k = 0; k < p; k++) if (k !== j) c += H[j][k] * (u[k] - w[k]);
        let next: number;
        if (a > 1e-300) {
          const v = w[j] - c / a;
          next = Math.sign(v) * Math.max(Math.abs(v) - 1 / a, 0);
        } else next = Math.abs(c) <= 1 ? 0 : u[j];
        moved = Math.max(moved, Math.abs(next - u[j]));
        u[j] = next;
      }
      if (moved < 1e-15) break;
    }
    const step = u.map((x, j) => x - w[j]);
    if (Math.max(0, ...step.map(Math.abs)) < 1e-12) break;
    const l1 = (v: readonly number[]): number => v.reduce((a, b) => a + Math.abs(b), 0);
    const decrease = dot(g, step) + l1(u) - l1(w);
    let t = 1;
    let next = u;
    let fNext = l1LogisticObjective(d, next, C);
    while (fNext > f + 0.25 * t * decrease && t > 1e-12) {
      t /= 2;
      next = w.map((x, j) => x + t * step[j]);
      fNext = l1LogisticObjective(d, next, C);
    }
    if (fNext > f) break; // no descent left at machine precision
    const change = Math.max(...next.map((x, j) => Math.abs(x - w[j])));
    w = next;
    f = fNext;
    if (change < 1e-12) break;
  }
  return w;
}

/** The public code's validation score: the (sample-weighted) mean cross-entropy of p against the prediction. */
function foldLogLoss(x: number[][], p: number[], s: number[] | null, w: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(dot(x[i], w))));
    total += (s ? s[i] : 1) * (p[i] * Math.log(q) + (1 - p[i]) * Math.log(1 - q));
  }
  // each annotation is in the scored data twice (labels 1 and 0) with the same value: the mean is the same
  return -total / Math.max(1, x.length);
}

function design(x: number[][], p: number[], s: number[]): WeightedDesign {
  return { x, pos: p.map((pi, i) => pi * s[i]), neg: p.map((pi, i) => (1 - pi) * s[i]) };
}

/** C by grouped k-fold cross-validation (annotation i in fold i mod k), then the fit on everything at that C. */
export function fitWithCv(x: number[][], p: number[], s: number[], opts: { nSplits?: number; Cs?: readonly number[]; C?: number; weighted: boolean }): { w: number[]; C: number } {
  const k = opts.nSplits ?? 5;
  if (opts.C !== undefined) return { w: fitL1Logistic(design(x, p, s), opts.C), C: opts.C };
  if (x.length < k || k < 2) return { w: fitL1Logistic(design(x, p, s), FALLBACK_C), C: FALLBACK_C };
  const Cs = opts.Cs ?? DEFAULT_CS;
  let best = 0;
  let bestScore = -Infinity;
  Cs.forEach((C, ci) => {
    let score = 0;
    for (let fold = 0; fold < k; fold++) {
      const tr = x.map((_, i) => i).filter((i) => i % k !== fold);
      const te = x.map((_, i) => i).filter((i) => i % k === fold);
      const w = fitL1Logistic(design(tr.map((i) => x[i]), tr.map((i) => p[i]), tr.map((i) => s[i])), C);
      score -= foldLogLoss(te.map((i) => x[i]), te.map((i) => p[i]), opts.weighted ? te.map((i) => s[i]) : null, w);
    }
    // strictly better only: a tie keeps the first (smallest) C, as numpy's argmax does
    if (score > bestScore + 1e-12) {
      bestScore = score;
      best = ci;
    }
  });
  return { w: fitL1Logistic(design(x, p, s), Cs[best]), C: Cs[best] };
}

/** Sample standard deviation (ddof 1), as pandas' Series.std(). */
function sampleStd(v: readonly number[]): number {
  if (v.length < 2) return NaN;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

/** The LC win rate of one model against the reference answers; null when no annotation is readable. */
export function lengthControlledWinRate(annotations: readonly LcAnnotation[], opts: LcOptions = {}): LcResult | null {
  if (!annotations.length) return null;
  const withDifficulty = annotations.every((a) => a.instructionDifficulty !== undefined && Number.isFinite(a.instructionDifficulty));
  const gamed = withDifficulty ? (opts.gamed ?? []) : [];
  const deltas = annotations.map((a) => a.referenceChars - a.modelChars);
  const sd = sampleStd(deltas);
  // equal lengths everywhere (or one annotation): no length signal to control for
  const std = deltas.map((dl) => (Number.isFinite(sd) && sd > 0 ? dl / sd : 0));
  const row = (tanhLen: number, difficulty: number | undefined, notGamed: number): number[] =>
    withDifficulty ? [tanhLen, difficulty as number, notGamed] : [tanhLen, notGamed];
  const x: number[][] = [];
  const p: number[] = [];
  const s: number[] = [];
  const lambda = opts.lambda ?? 0.2;
  for (const g of gamed) {
    x.push(row(Math.tanh(g.stdDeltaLen), g.instructionDifficulty, 0));
    p.push(g.preference);
    s.push(lambda / 2);
  }
  annotations.forEach((a, i) => {
    if (a.preference === null || !Number.isFinite(a.preference)) return;
    x.push(row(Math.tanh(std[i]), a.instructionDifficulty, 1));
    p.push(a.preference);
    s.push(1);
  });
  const fitted = x.length - gamed.length;
  if (fitted === 0) return null;
  const { w, C } = fitWithCv(x, p, s, { nSplits: opts.nSplits, Cs: opts.Cs, C: opts.C, weighted: gamed.length > 0 });
  const predictions = annotations.map((a) => sigmoid(dot(row(0, a.instructionDifficulty, 1), w)));
  const mean = predictions.reduce((a, b) => a + b, 0) / predictions.length;
  const sdPred = sampleStd(predictions);
  const names = withDifficulty ? ['np.tanh(std_delta_len)', 'instruction_difficulty', 'not_gamed_baseline.astype(float)'] : ['np.tanh(std_delta_len)', 'not_gamed_baseline.astype(float)'];
  return {
    lcWinRate: mean,
    standardError: Number.isFinite(sdPred) ? sdPred / Math.sqrt(predictions.length) : null,
    formula: withDifficulty ? LC_FORMULA_V1 : LC_FORMULA_MINIMAL,
    weights: Object.fromEntries(names.map((n, j) => [n, w[j]])),
    C,
    fitted,
    predicted: annotations.length,
    gamedRows: gamed.length,
  };
}

// ------------------------------------------------------------------------------------------------ AlpacaEval files

/** A small CSV reader for the two AlpacaEval files (plain numeric columns, a header row, no quoted commas). */
function readCsv(text: string, file: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  if (!lines.length) throw new Error(`${file}: empty`);
  const header = lines[0].split(',').map((h) => h.trim());
  return lines.slice(1).map((l, i) => {
    const cells = l.split(',');
    if (cells.length !== header.length) throw new Error(`${file}:${i + 2}: ${cells.length} columns, the header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j].trim()]));
  });
}

const num = (v: string | undefined, file: string, line: number, col: string): number => {
  const x = Number(v);
  if (v === undefined || v === '' || !Number.isFinite(x)) throw new Error(`${file}:${line}: column "${col}" is not a number (${JSON.stringify(v)})`);
  return x;
};

/** instruction_difficulty.csv: first column the instruction's index in the set, then `instruction_difficulty`. */
export function parseInstructionDifficulty(text: string, file: string): Map<number, number> {
  const rows = readCsv(text, file);
  const out = new Map<number, number>();
  rows.forEach((r, i) => {
    const keys = Object.keys(r);
    const col = keys.includes('instruction_difficulty') ? 'instruction_difficulty' : keys[1];
    if (!col) throw new Error(`${file}: needs an index column and an instruction_difficulty column`);
    out.set(num(r[keys[0]], file, i + 2, keys[0] || 'index'), num(r[col], file, i + 2, col));
  });
  return out;
}

/** df_gamed.csv: columns preference, std_delta_len, instruction_difficulty (others ignored). Preferences coded 1–2
 * (AlpacaEval's raw coding) are moved to 0–1 as the public code does for the model's own annotations. */
export function parseGamedAnnotations(text: string, file: string): GamedAnnotation[] {
  const rows = readCsv(text, file).map((r, i) => ({
    preference: num(r.preference, file, i + 2, 'preference'),
    stdDeltaLen: num(r.std_delta_len, file, i + 2, 'std_delta_len'),
    instructionDifficulty: num(r.instruction_difficulty, file, i + 2, 'instruction_difficulty'),
  }));
  const raw = rows.some((r) => r.preference > 1);
  return rows.map((r) => ({ ...r, preference: raw ? (r.preference === 0 ? 1.5 : r.preference) - 1 : r.preference }));
}
