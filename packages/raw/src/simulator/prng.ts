/**
 * A small seeded pseudo-random generator, so a simulated plant is a pure function of its seed.
 *
 * The core is a 32-bit Weyl sequence (add a constant with an odd step, so every state is visited)
 * passed through an avalanche mix (xor-shifts and odd multiplications), which decorrelates
 * neighbouring states. That is plenty for synthetic data and cheap in JavaScript (`Math.imul`).
 * Not for cryptography.
 */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Standard normal (mean 0, sd 1). */
  normal(): number;
  /** Exponentially distributed with the given mean (waiting times of a Poisson process). */
  exponential(mean: number): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One element, with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T;
}

const GOLDEN = 0x9e3779b9;

function mix32(x: number): number {
  let z = x;
  z ^= z >>> 16;
  z = Math.imul(z, 0x7feb352d);
  z ^= z >>> 15;
  z = Math.imul(z, 0x846ca68b);
  z ^= z >>> 16;
  return z >>> 0;
}

/**
 * Hashes labels into a 32-bit seed, so independent streams can be derived by name
 * (`rngFor(seed, 'signal', 'TEMPERATURA_BASE')`): adding a signal never shifts another's numbers.
 */
export function hashSeed(...parts: ReadonlyArray<string | number>): number {
  // FNV-1a over the labels' text, then one mix round for avalanche on short inputs.
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${typeof part}:${part}|`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return mix32(h);
}

/**
 * A generator seeded by a number or by labels hashed with {@link hashSeed}.
 *
 * @example
 * const rng = rngFor(42, 'alarms');
 * rng.int(1, 6); // the same sequence for seed 42 on every run and platform
 */
export function rngFor(...parts: ReadonlyArray<string | number>): Rng {
  let state = hashSeed(...parts);
  // Box-Muller makes normals in pairs; the second waits here for the next call.
  let spare = Number.NaN;
  const next = () => {
    state = (state + GOLDEN) >>> 0;
    return mix32(state) / 4294967296;
  };
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor((max - min + 1) * next()),
    chance: (p) => next() < p,
    normal() {
      if (!Number.isNaN(spare)) {
        const z = spare;
        spare = Number.NaN;
        return z;
      }
      // 1 - u keeps the logarithm's argument in (0, 1].
      const r = Math.sqrt(-2 * Math.log(1 - next()));
      const theta = 2 * Math.PI * next();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    exponential: (mean) => -mean * Math.log(1 - next()),
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(items.length * next())] as T;
    },
    weighted<T>(items: readonly T[], weight: (item: T) => number): T {
      let total = 0;
      for (const item of items) total += weight(item);
      let x = next() * total;
      for (const item of items) {
        x -= weight(item);
        if (x < 0) return item;
      }
      const last = items[items.length - 1];
      if (last === undefined) throw new Error('pick from an empty list');
      return last;
    },
  };
}
