import { describe, expect, it } from 'vitest';
import { sample } from '../../../bench/lib/sample.js';
import { mulberry32 } from '../../helpers/random.js';
import {
  addedOverFloor,
  median,
  percentile,
  ratio,
  rotation,
  summarize,
} from '../../../bench/lib/stats.js';

describe('percentile', () => {
  it('interpolates between closest ranks (R-7): p0 min, p50 median, p100 max', () => {
    const xs = [40, 10, 30, 20];
    expect(percentile(xs, 0)).toBe(10);
    expect(percentile(xs, 100)).toBe(40);
    expect(percentile(xs, 50)).toBe(25);
    expect(percentile(xs, 25)).toBeCloseTo(17.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBeCloseTo(9.1);
  });

  it('p99 of a small sample is near its maximum, not past it', () => {
    const xs = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(percentile(xs, 99)).toBeCloseTo(39.61);
    expect(percentile([7], 99)).toBe(7);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('refuses an empty list and a percentile outside 0..100', () => {
    expect(() => percentile([], 50)).toThrow(/nothing/);
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/);
    expect(() => percentile([1], Number.NaN)).toThrow(/0\.\.100/);
  });

  it('summarizes', () => {
    expect(summarize([5, 1, 3])).toEqual({ n: 3, min: 1, p50: 3, p90: 4.6, p99: 4.96, max: 5 });
  });
});

describe('ratio and time added over the floor', () => {
  it('gives null when the divisor means nothing', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(3, -1)).toBeNull();
    expect(ratio(Number.NaN, 2)).toBeNull();
  });

  it("subtracts the floor's median from each percentile, never below zero", () => {
    // The floor's one stall (600) must not hide the tool's tail.
    const floor = [500, 502, 504, 506, 600];
    const tool = [510, 512, 514, 516, 530];
    const added = addedOverFloor(tool, floor);
    expect(added.p50).toBeCloseTo(10);
    expect(added.p99).toBeCloseTo(percentile(tool, 99) - 504);
    expect(addedOverFloor([400], floor)).toEqual({ p50: 0, p99: 0 });
  });
});

describe('rotation', () => {
  it('rotates so no subject always goes first', () => {
    const s = ['a', 'b', 'c'];
    expect(rotation(s, 0)).toEqual(['a', 'b', 'c']);
    expect(rotation(s, 1)).toEqual(['b', 'c', 'a']);
    expect(rotation(s, 2)).toEqual(['c', 'a', 'b']);
    expect(rotation(s, 3)).toEqual(['a', 'b', 'c']);
    expect(rotation(s, -1)).toEqual(['c', 'a', 'b']);
    expect(rotation([], 5)).toEqual([]);
  });

  it('never puts the same subject last in one round and first in the next (n ≥ 3)', () => {
    const s = ['a', 'b', 'c', 'd'];
    for (let r = 0; r < 10; r++) expect(rotation(s, r).at(-1)).not.toBe(rotation(s, r + 1)[0]);
  });
});

describe('sample', () => {
  it('is deterministic for a seed and draws without replacement', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const a = sample(items, 30, 7);
    expect(sample(items, 30, 7)).toEqual(a);
    expect(new Set(a).size).toBe(30);
    expect(sample(items, 30, 8)).not.toEqual(a);
    expect(() => sample(items, 101, 1)).toThrow(/cannot draw/);
  });

  it('mulberry32 stays in [0, 1)', () => {
    const r = mulberry32(1);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
