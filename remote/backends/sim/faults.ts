/**
 * Fault injection for the simulated server (off by default): a share of requests gets a 429 with retry-after, a
 * 500, a stream that stays open sending nothing, a connection cut mid-response, or a malformed JSON body.
 * Decisions are a pure function of (fault seed, request arrival number), so a test sees the same faults each run.
 */
import type { SimFaultRates } from '../../protocol';
import { Rng, hashSeed } from './rng';

export type FaultKind = '429' | '500' | 'hang' | 'cut' | 'malformed';
export const FAULT_KINDS: readonly FaultKind[] = ['429', '500', 'hang', 'cut', 'malformed'];
const RATE_KEY: Record<FaultKind, keyof SimFaultRates> = { '429': 'rate429', '500': 'rate500', hang: 'rateHang', cut: 'rateCut', malformed: 'rateMalformed' };

/** Environment variables the CLI and backend read when flags/config leave a rate unset. */
export const FAULT_ENV: Record<FaultKind, string> = {
  '429': 'SELFREWARD_SIM_FAULT_429',
  '500': 'SELFREWARD_SIM_FAULT_500',
  hang: 'SELFREWARD_SIM_FAULT_HANG',
  cut: 'SELFREWARD_SIM_FAULT_CUT',
  malformed: 'SELFREWARD_SIM_FAULT_MALFORMED',
};
export const FAULT_SEED_ENV = 'SELFREWARD_SIM_FAULT_SEED';

export function validateFaultRates(r: SimFaultRates, where = 'faults'): SimFaultRates {
  let sum = 0;
  for (const k of FAULT_KINDS) {
    const v = r[RATE_KEY[k]];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`${where}.${RATE_KEY[k]}: must be a number in [0, 1] (got ${JSON.stringify(v)})`);
    sum += v;
  }
  if (sum > 1 + 1e-9) throw new Error(`${where}: the fault rates add up to ${Number(sum.toFixed(6))}, more than 1`);
  return r;
}

/** Rates from SELFREWARD_SIM_FAULT_* variables (unset → absent). Errors name the variable. */
export function faultRatesFromEnv(env: NodeJS.ProcessEnv = process.env): SimFaultRates {
  const out: SimFaultRates = {};
  for (const k of FAULT_KINDS) {
    const raw = env[FAULT_ENV[k]];
    if (raw === undefined || raw === '') continue;
    const v = Number(raw);
    if (!(v >= 0 && v <= 1)) throw new Error(`environment variable ${FAULT_ENV[k]}: must be a number in [0, 1] (got ${JSON.stringify(raw)})`);
    out[RATE_KEY[k]] = v;
  }
  return out;
}

export class FaultInjector {
  private arrivals = 0;
  readonly counts: Record<string, number> = {};

  constructor(private readonly rates: SimFaultRates = {}, private readonly seed = 0) {
    validateFaultRates(rates);
  }

  get enabled(): boolean {
    return FAULT_KINDS.some((k) => (this.rates[RATE_KEY[k]] ?? 0) > 0);
  }

  /** The fault for the next arriving request, if any. */
  next(): FaultKind | undefined {
    const n = this.arrivals++;
    if (!this.enabled) return undefined;
    let u = new Rng(hashSeed('fault', this.seed, n)).next();
    for (const k of FAULT_KINDS) {
      u -= this.rates[RATE_KEY[k]] ?? 0;
      if (u < 0) {
        this.counts[k] = (this.counts[k] ?? 0) + 1;
        return k;
      }
    }
    return undefined;
  }
}
