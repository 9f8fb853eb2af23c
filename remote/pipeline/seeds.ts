/**
 * Deterministic request seeds and sampling: every seed derives from (run seed, iteration, stage, item id), so a
 * rerun — or a resume after a crash — sends exactly the same requests.
 */
import { createHash } from 'node:crypto';

/** A 31-bit seed for one item of one stage (fits every server's `seed` field). */
export function requestSeed(runSeed: number, iteration: number, stage: string, itemId: string): number {
  const h = createHash('sha256').update(`${runSeed}\u0000${iteration}\u0000${stage}\u0000${itemId}`).digest();
  return h.readUInt32BE(0) & 0x7fffffff;
}

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * k distinct items drawn without replacement (partial Fisher–Yates), in draw order. The swaps are kept in a map, so
 * a draw costs O(k) however many items there are (the prompt stage draws from thousands of seeds per attempt).
 */
export function sample<T>(items: readonly T[], k: number, rand: () => number): T[] {
  const n = Math.min(k, items.length);
  const moved = new Map<number, number>(); // position → index of the item now there, where it differs
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (items.length - i));
    const atJ = moved.get(j) ?? j;
    moved.set(j, moved.get(i) ?? i);
    out.push(items[atJ]);
  }
  return out;
}

/** The items in a random order (Fisher–Yates). */
export function shuffle<T>(items: readonly T[], rand: () => number): T[] {
  return sample(items, items.length, rand);
}
