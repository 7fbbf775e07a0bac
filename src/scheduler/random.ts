// A small seeded random number generator, so that a random exploration can be run again exactly.

/**
 * Mulberry32 (Tommy Ettinger's 32-bit generator): a few lines, fast, and good enough to pick which
 * worker goes next. Returns a function giving numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // the same sequence for the same seed, every time
 * ```
 * Warning: not for cryptography.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
