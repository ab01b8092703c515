import { describe, expect, it } from 'vitest';
import { hashSeed, rngFor } from './prng.ts';

const take = (n: number, f: () => number) => Array.from({ length: n }, f);

describe('rngFor', () => {
  it('is a pure function of its labels', () => {
    expect(take(5, rngFor(42, 'a').next)).toEqual(take(5, rngFor(42, 'a').next));
    expect(take(5, rngFor(42, 'a').next)).not.toEqual(take(5, rngFor(42, 'b').next));
    expect(take(5, rngFor(42, 'a').next)).not.toEqual(take(5, rngFor(43, 'a').next));
    // Labels are typed: the number 1 and the string '1' are different streams.
    expect(hashSeed(1)).not.toBe(hashSeed('1'));
  });

  it('gives the same numbers on every run and platform (golden values)', () => {
    const rng = rngFor(42, 'golden');
    expect(take(4, () => rng.int(0, 999))).toEqual([20, 997, 934, 224]);
    expect(hashSeed(42, 'golden')).toBe(2026772250);
  });

  it('draws uniformly within bounds', () => {
    const rng = rngFor(1, 'uniform');
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(1, 6) - 1]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const x = rng.range(-2, 3);
      expect(x).toBeGreaterThanOrEqual(-2);
      expect(x).toBeLessThan(3);
    }
  });

  it('draws normals with mean 0 and sd 1, and exponentials with the given mean', () => {
    const rng = rngFor(2, 'normal');
    const xs = take(40_000, rng.normal);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const es = take(40_000, () => rng.exponential(5));
    expect(Math.abs(es.reduce((a, b) => a + b, 0) / es.length - 5)).toBeLessThan(0.15);
  });

  it('picks by weight', () => {
    const rng = rngFor(3, 'weighted');
    let heavy = 0;
    for (let i = 0; i < 20_000; i++)
      if (rng.weighted(['a', 'b'], (x) => (x === 'a' ? 3 : 1)) === 'a') heavy++;
    expect(Math.abs(heavy / 20_000 - 0.75)).toBeLessThan(0.02);
    expect(() => rng.pick([])).toThrow(/empty/);
  });
});
