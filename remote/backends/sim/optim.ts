/**
 * What the sim's trainers optimise the judge's parameters with: the parameters as one vector (noise on a log scale)
 * and Adam. Used by SFT (EFT rows, trainer.ts) and DPO on judge pairs (judgeDpo.ts).
 */
import { type JudgeGradient, type JudgeParams, JUDGE_INPUTS, QUALITIES } from './judge';

/** The perception's weights train in steps of this share of the learning rate. */
export const PERCEPTION_STEP = 0.1;

/** The judge's parameters (noise on a log scale) as one vector, and back. */
export function judgeVector(j: Pick<JudgeGradient, 'format' | 'collapse' | 'logNoise' | 'perception'>): number[] {
  return [j.format, j.collapse, j.logNoise, ...QUALITIES.flatMap((q) => j.perception[q])];
}
export function judgeFromVector(v: number[]): JudgeParams {
  const perception = {} as JudgeParams['perception'];
  QUALITIES.forEach((q, i) => (perception[q] = v.slice(3 + i * JUDGE_INPUTS.length, 3 + (i + 1) * JUDGE_INPUTS.length)));
  return { format: v[0], collapse: v[1], noise: Math.exp(v[2]), perception };
}

/**
 * Adam (TRL's default optimiser is AdamW; no weight decay here): per-parameter steps of about the learning rate
 * times the parameter's `scale` (as if it were trained in units of `scale`).
 */
export class Adam {
  private m: number[] = [];
  private v: number[] = [];
  private t = 0;
  step(params: number[], grad: number[], lr: number, scale: readonly number[], b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
    this.t++;
    return params.map((x, i) => {
      this.m[i] = b1 * (this.m[i] ?? 0) + (1 - b1) * grad[i];
      this.v[i] = b2 * (this.v[i] ?? 0) + (1 - b2) * grad[i] * grad[i];
      const mHat = this.m[i] / (1 - b1 ** this.t);
      const vHat = this.v[i] / (1 - b2 ** this.t);
      return x - (lr * scale[i] * mHat) / (Math.sqrt(vHat) + eps);
    });
  }
}

/** Per-parameter step scales of the judge vector: format, collapse and log-noise at full steps, the perception's 56
 * weights in tenths (fitted to a few hundred verdicts at full steps they would chase noise). */
export const JUDGE_STEP_SCALE: readonly number[] = [1, 1, 1, ...QUALITIES.flatMap(() => JUDGE_INPUTS.map(() => PERCEPTION_STEP))];

/** acc += w · g, over every judge parameter. */
export function addJudgeGradient(acc: JudgeGradient, g: JudgeGradient, w: number): void {
  acc.format += w * g.format;
  acc.collapse += w * g.collapse;
  acc.logNoise += w * g.logNoise;
  for (const q of QUALITIES) g.perception[q].forEach((x, j) => (acc.perception[q][j] += w * x));
}
