import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import {
  DEFAULT_CS, LC_FORMULA_MINIMAL, LC_FORMULA_V1, lengthControlledWinRate, parseGamedAnnotations, parseInstructionDifficulty, type LcAnnotation,
} from '../../../remote/eval/lengthControlled';

/**
 * A small table where the model wins mostly when it is longer than the reference: a length-gamed model. Lengths in
 * characters; preference 1 = the model's answer preferred, 0.5 = a draw.
 */
const TABLE: LcAnnotation[] = [
  { referenceChars: 900, modelChars: 1800, preference: 1 },
  { referenceChars: 1000, modelChars: 2100, preference: 1 },
  { referenceChars: 800, modelChars: 1500, preference: 1 },
  { referenceChars: 1200, modelChars: 1900, preference: 0.5 },
  { referenceChars: 950, modelChars: 1700, preference: 1 },
  { referenceChars: 1100, modelChars: 1000, preference: 0 },
  { referenceChars: 1000, modelChars: 800, preference: 0 },
  { referenceChars: 700, modelChars: 650, preference: 1 },
  { referenceChars: 1300, modelChars: 900, preference: 0 },
  { referenceChars: 1000, modelChars: 1600, preference: 0 },
  { referenceChars: 900, modelChars: 700, preference: 0.5 },
  { referenceChars: 1050, modelChars: 2000, preference: 1 },
];

/**
 * The same objective solved another way: the public formula's features computed here by hand (pandas' sample std,
 * tanh of the standardised reference-minus-model length), then liblinear's L1 objective minimised by nested
 * golden-section searches (convex in each weight), no Newton steps, no coordinate descent.
 */
function independentFit(rows: LcAnnotation[], C: number): { theta: number; phi: number; lc: number } {
  const d = rows.map((r) => r.referenceChars - r.modelChars);
  const m = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / (d.length - 1));
  const t = d.map((x) => Math.tanh(x / sd));
  const sp = (z: number): number => Math.log(1 + Math.exp(z));
  const F = (theta: number, phi: number): number =>
    Math.abs(theta) + Math.abs(phi) + C * rows.reduce((acc, r, i) => {
      if (r.preference === null) return acc;
      const z = theta * t[i] + phi;
      return acc + r.preference * sp(-z) + (1 - r.preference) * sp(z);
    }, 0);
  const golden = (f: (x: number) => number, lo: number, hi: number): number => {
    const g = (Math.sqrt(5) - 1) / 2;
    let a = lo;
    let b = hi;
    for (let i = 0; i < 120; i++) {
      const c = b - g * (b - a);
      const e = a + g * (b - a);
      if (f(c) < f(e)) b = e;
      else a = c;
    }
    return (a + b) / 2;
  };
  const bestPhi = (theta: number): number => golden((phi) => F(theta, phi), -15, 15);
  const theta = golden((th) => F(th, bestPhi(th)), -15, 15);
  const phi = bestPhi(theta);
  return { theta, phi, lc: 1 / (1 + Math.exp(-phi)) };
}

test('LC win rate: the public formula, fitted at a given C, matches an independent fit of the same objective', () => {
  for (const C of [0.5, 3, 100]) {
    const r = lengthControlledWinRate(TABLE, { C })!;
    const ref = independentFit(TABLE, C);
    assert.equal(r.formula, LC_FORMULA_MINIMAL);
    assert.ok(Math.abs(r.weights['np.tanh(std_delta_len)'] - ref.theta) < 1e-4, `C=${C}: θ ${r.weights['np.tanh(std_delta_len)']} vs ${ref.theta}`);
    assert.ok(Math.abs(r.weights['not_gamed_baseline.astype(float)'] - ref.phi) < 1e-4, `C=${C}: φ ${r.weights['not_gamed_baseline.astype(float)']} vs ${ref.phi}`);
    assert.ok(Math.abs(r.lcWinRate - ref.lc) < 1e-5, `C=${C}: LC ${r.lcWinRate} vs ${ref.lc}`);
  }
});

test('LC win rate with cross-validated C: below the raw win rate for a model that wins by being longer', () => {
  const raw = TABLE.reduce((a, r) => a + (r.preference ?? 0), 0) / TABLE.length; // 7/12 = 0.583
  const r = lengthControlledWinRate(TABLE)!;
  assert.ok(DEFAULT_CS.includes(r.C), 'C comes from the default grid');
  const ref = independentFit(TABLE, r.C);
  assert.ok(Math.abs(r.lcWinRate - ref.lc) < 1e-5, `LC ${r.lcWinRate} vs independent ${ref.lc} at C=${r.C}`);
  // the model is longer where it wins: θ (on reference-minus-model length) is negative and LC < raw
  assert.ok(r.weights['np.tanh(std_delta_len)'] <= 0);
  assert.ok(r.lcWinRate < raw, `LC ${r.lcWinRate} < raw ${raw}`);
  assert.equal(r.fitted, 12);
});

test('equal lengths everywhere: LC equals the raw preference (nothing to control for)', () => {
  const rows: LcAnnotation[] = [1, 1, 0, 0.5, 1, 0, 1, 1].map((p) => ({ referenceChars: 500, modelChars: 500, preference: p }));
  const r = lengthControlledWinRate(rows, { C: 1e4 })!;
  assert.ok(Math.abs(r.lcWinRate - 5.5 / 8) < 1e-4, `${r.lcWinRate}`);
  assert.equal(r.weights['np.tanh(std_delta_len)'], 0);
});

test('unreadable annotations are not fitted but are predicted; none readable → null', () => {
  const rows = TABLE.map((r, i) => (i % 4 === 0 ? { ...r, preference: null } : r));
  const r = lengthControlledWinRate(rows, { C: 3 })!;
  assert.equal(r.fitted, 9);
  assert.equal(r.predicted, 12);
  const ref = independentFit(rows, 3);
  assert.ok(Math.abs(r.lcWinRate - ref.lc) < 1e-5);
  assert.equal(lengthControlledWinRate(TABLE.map((x) => ({ ...x, preference: null }))), null);
});

test('with instruction difficulty (and gamed rows) the v1 formula is used and LC averages over instructions', () => {
  const rows = TABLE.map((r, i) => ({ ...r, instructionDifficulty: (i % 3) - 1 }));
  const r = lengthControlledWinRate(rows, { C: 50, gamed: [{ preference: 0.9, stdDeltaLen: -1.2, instructionDifficulty: 0 }, { preference: 0.2, stdDeltaLen: 1.1, instructionDifficulty: 0 }] })!;
  assert.equal(r.formula, LC_FORMULA_V1);
  assert.equal(r.gamedRows, 2);
  const g = r.weights.instruction_difficulty;
  const phi = r.weights['not_gamed_baseline.astype(float)'];
  const expected = rows.reduce((a, x) => a + 1 / (1 + Math.exp(-(g * (x.instructionDifficulty as number) + phi))), 0) / rows.length;
  assert.ok(Math.abs(r.lcWinRate - expected) < 1e-12);
});

test('AlpacaEval side files: instruction difficulty and gamed annotations, bad cells named', () => {
  const d = parseInstructionDifficulty(',instruction_difficulty\n0,-0.5\n1,1.25\n', 'diff.csv');
  assert.deepEqual([...d], [[0, -0.5], [1, 1.25]]);
  const g = parseGamedAnnotations('index,preference,std_delta_len,instruction_difficulty,not_gamed_baseline\n0,2,0.3,-0.5,False\n1,1,-1,1.25,False\n', 'gamed.csv');
  assert.deepEqual(g.map((x) => x.preference), [1, 0]);
  assert.throws(() => parseInstructionDifficulty(',instruction_difficulty\n0,abc\n', 'diff.csv'), /diff\.csv:2: column "instruction_difficulty"/);
});
