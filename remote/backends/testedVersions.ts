/**
 * The library versions the command lines are tested against: the versions remote/backends/argv-contract/
 * contract.json was extracted from (a test holds the two together). Preflight warns outside these ranges
 * ([min, below)): the flags may differ there.
 */
export const TESTED: Record<'trl' | 'transformers' | 'accelerate' | 'vllm', { min: string; below: string; contract: string }> = {
  trl: { min: '1.9.0', below: '1.14.0', contract: '1.9.0 and 1.13.0' },
  transformers: { min: '5.17.0', below: '5.18.0', contract: '5.17.0' },
  accelerate: { min: '1.15.0', below: '1.16.0', contract: '1.15.0' },
  vllm: { min: '0.20.0', below: '0.22.0', contract: 'main at 9aaf83e (2026-05-19, after 0.20.2)' },
};

/** Numeric compare of dotted versions (a local or dev suffix such as "+cu128" or ".dev0" is ignored). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => v.replace(/[+].*$/, '').split('.').map((x) => parseInt(x, 10)).map((n) => (Number.isNaN(n) ? 0 : n));
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

export function inTestedRange(pkg: keyof typeof TESTED, version: string): boolean {
  const r = TESTED[pkg];
  return compareVersions(version, r.min) >= 0 && compareVersions(version, r.below) < 0;
}
