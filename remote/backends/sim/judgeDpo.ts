/**
 * DPO on judge pairs (Meta-Rewarding): the sim's judge becomes trainable by the same DPO step that trains the
 * answer policy. A preference row whose prompt is a judge prompt (the rubric filled with an instruction and an
 * answer) is a judge row: its chosen and rejected texts are two judgments. Under the checkpoint's judge (judge.ts:
 * format, collapse, noise, perception — the model the SFT iteration fits to EFT verdicts), the log-probability of a
 * judgment is that of its verdict (outputLikelihood, exact), so DPO's loss on a judge row is
 *     L = −log σ( β · [(log P_θ(c) − log P_ref(c)) − (log P_θ(r) − log P_ref(r))] )
 * over the judge's parameters, with its exact gradient. What it models openly: a judgment's probability is its
 * score's by the way its text shows it came about (the habitual verdict's fixed words, or an assessment whose
 * wording follows from which criteria were met); judge rows move the judge only and
 * answer rows the answer policy only (a real model shares its weights between the two roles); and judge pairs train
 * how the judge decides — whether it writes a verdict (format), falls back on a habitual score (collapse), how
 * noisy its assessment is — not its perception: which of two verdicts on one answer the model's own meta-judge
 * preferred says little about how to see relevance or detail, and fitting the 56 perception weights to it only
 * drifted them (measured on the demo's run: −2.6 points of pairwise accuracy over two iterations).
 *
 * Optimiser: Adam over the judge vector (optim.ts, as SFT trains it), lr_sim = learningRate × SIM_JUDGE_LR_SCALE:
 * with the DPO default 1e-6 that is 0.05, so a few dozen judge pairs move the judge visibly in one iteration.
 */
import type { PreferenceTriple } from '../rows';
import { type JudgeParams, type PreparedVerdict, type VerdictRoute, outputLikelihood, readVerdict, zeroJudgeGradient } from './judge';
import { Adam, JUDGE_STEP_SCALE, addJudgeGradient, judgeFromVector, judgeVector } from './optim';

/** format, collapse and log-noise at full steps; the perception frozen (see above) */
const STEP_SCALE: readonly number[] = JUDGE_STEP_SCALE.map((x, i) => (i < 3 ? x : 0));

export const SIM_JUDGE_LR_SCALE = 5e4;

export interface JudgeRow {
  prepared: PreparedVerdict;
  chosen: number | null;
  rejected: number | null;
  /** whether each judgment's text shows the habitual verdict or an assessment */
  chosenRoute: VerdictRoute;
  rejectedRoute: VerdictRoute;
  /** log P_ref of each side (fixed: the reference is the input model) */
  refChosen: number;
  refRejected: number;
}

/** The judge rows among preference rows (by index), under the reference judge. */
export function judgeRowsOf(rows: readonly PreferenceTriple[], ref: JudgeParams): Map<number, JudgeRow> {
  const out = new Map<number, JudgeRow>();
  rows.forEach((r, i) => {
    const c = readVerdict(r.prompt, r.chosen);
    if (!c) return;
    const x = readVerdict(r.prompt, r.rejected)!;
    out.set(i, {
      prepared: c.prepared,
      chosen: c.target,
      rejected: x.target,
      chosenRoute: c.route,
      rejectedRoute: x.route,
      refChosen: outputLikelihood(c.prepared, c.target, ref, c.route).logLik,
      refRejected: outputLikelihood(c.prepared, x.target, ref, x.route).logLik,
    });
  });
  return out;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const negLogSigmoid = (z: number): number => (z >= 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z)));

/** The judge's side of a DPO run: its current parameters and one step on the judge rows of a batch. */
export class JudgeDpo {
  readonly params: JudgeParams;
  private readonly adam = new Adam();

  constructor(ref: JudgeParams, private readonly beta: number) {
    this.params = structuredClone(ref);
  }

  /**
   * One Adam step on `rows` (the judge rows of a batch of `batchSize` rows: the loss is the batch mean, as TRL's).
   * Returns the summed loss and DPO rewards of these rows, for the step's log entry.
   */
  step(rows: readonly JudgeRow[], batchSize: number, lrSim: number): { loss: number; chosen: number; rejected: number; correct: number; logpChosen: number; logpRejected: number } {
    const out = { loss: 0, chosen: 0, rejected: 0, correct: 0, logpChosen: 0, logpRejected: 0 };
    if (!rows.length) return out;
    const g = zeroJudgeGradient();
    for (const r of rows) {
      const c = outputLikelihood(r.prepared, r.chosen, this.params, r.chosenRoute);
      const x = outputLikelihood(r.prepared, r.rejected, this.params, r.rejectedRoute);
      const rc = this.beta * (c.logLik - r.refChosen);
      const rr = this.beta * (x.logLik - r.refRejected);
      const z = rc - rr;
      out.loss += negLogSigmoid(z);
      out.chosen += rc;
      out.rejected += rr;
      if (rc > rr) out.correct++;
      out.logpChosen += c.logLik;
      out.logpRejected += x.logLik;
      // dL/dz = −(1 − σ(z)); z rises with log P(c) and falls with log P(r): descend on L = ascend on w·(∇c − ∇r)
      const w = (this.beta * (1 - sigmoid(z))) / batchSize;
      addJudgeGradient(g, c.grad, w);
      addJudgeGradient(g, x.grad, -w);
    }
    const grad = judgeVector(g).map((v) => -v);
    const next = this.adam.step(judgeVector({ ...this.params, logNoise: Math.log(this.params.noise) }), grad, lrSim, STEP_SCALE);
    Object.assign(this.params, judgeFromVector(next));
    return out;
  }
}
