/**
 * A small seeded pseudo-random generator for the sandbox provider. The same
 * seed always yields the same sequence, on every machine and Node version,
 * which is what makes sandbox outputs reproducible.
 */
export type SeededRandom = {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  float(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** The 32-bit seed as 8 hex digits, handy for unique ids. */
  readonly seedHex: string;
};

/**
 * FNV-1a over UTF-16 code units. It is not cryptographic and need not be:
 * it only spreads similar seeds (index 0 vs 1) far apart.
 */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Creates a deterministic generator (mulberry32) seeded from `seed`. */
export function createSeededRandom(seed: string): SeededRandom {
  const seedNumber = hashString(seed);
  let state = seedNumber;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    float: (min, max) => min + next() * (max - min),
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError("pick() needs a non-empty list.");
      return item;
    },
    seedHex: seedNumber.toString(16).padStart(8, "0"),
  };
}
