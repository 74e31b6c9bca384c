import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  defaultBackoff,
  type BackoffPolicy,
} from '../../../src/main/core/imap/backoff.js';

/** A "random" that always returns `v`, so each delay is a known fraction of its ceiling. */
const fixed =
  (v: number): (() => number) =>
  () =>
    v;

/** Just under 1: the largest value Math.random can return is 1 - 2^-53. */
const almostOne = 1 - 2 ** -53;

const policy: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };

/** What the doc comment promises as the ceiling for attempt n ≥ 1: min(cap, base·2^(n-1)). */
function expectedCeiling(attempt: number, p: BackoffPolicy): number {
  return Math.min(p.capMs, p.baseMs * 2 ** (attempt - 1));
}

describe('backoffDelay', () => {
  it.each([0, 0.5, almostOne])('retries at once on attempt 0 (random=%s)', (r) => {
    expect(backoffDelay(0, policy, fixed(r))).toBe(0);
  });

  it('does not consult random for the immediate first retry', () => {
    let calls = 0;
    const counting = (): number => {
      calls++;
      return 0.5;
    };
    backoffDelay(0, policy, counting);
    expect(calls).toBe(0);
  });

  // With random just under 1 the delay sits one below its ceiling, so it shows the ceiling.
  it.each([
    // attempt, ceiling
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [5, 16_000],
    [6, 32_000],
    [7, 60_000], // 64 000 capped
    [8, 60_000],
    [30, 60_000],
  ])('attempt %i has ceiling %i (doubling, then capped)', (attempt, ceiling) => {
    expect(backoffDelay(attempt, policy, fixed(almostOne))).toBe(ceiling - 1);
    expect(backoffDelay(attempt, policy, fixed(0.5))).toBe(ceiling / 2);
    expect(backoffDelay(attempt, policy, fixed(0))).toBe(0);
  });

  it('uses the default policy (1 s doubling to 5 min) when none is given', () => {
    expect(defaultBackoff).toEqual({ baseMs: 1_000, capMs: 60_000 });
    expect(backoffDelay(1, undefined, fixed(almostOne))).toBe(999);
    expect(backoffDelay(4, undefined, fixed(0.5))).toBe(4_000);
    expect(backoffDelay(50, undefined, fixed(almostOne))).toBe(59_999);
  });

  it.each([
    // attempt, minMs, random, expected
    [0, 60_000, 0, 60_000], // throttled on the first retry: not immediate
    [0, 60_000, almostOne, 60_000],
    [1, 60_000, 0.5, 60_000],
    [5, 60_000, almostOne, 60_000], // ceiling 16 s < floor
    [10, 60_000, 0, 60_000],
    [10, 60_000, almostOne, 300_000 - 1], // ceiling 5 min > floor: jitter above the floor stands
    [10, 60_000, 0.5, 150_000],
  ])(
    'attempt %i with minMs %i and random %s waits %i (cap 5 min)',
    (attempt, minMs, r, expected) => {
      expect(backoffDelay(attempt, { baseMs: 1_000, capMs: 300_000 }, fixed(r), minMs)).toBe(
        expected,
      );
    },
  );

  it('keeps a throttled retry at or above 60 s whatever the attempt and the random', () => {
    for (let attempt = 0; attempt <= 40; attempt++) {
      for (const r of [0, 0.25, 0.5, almostOne]) {
        expect(backoffDelay(attempt, defaultBackoff, fixed(r), 60_000)).toBeGreaterThanOrEqual(
          60_000,
        );
      }
    }
  });

  it.each([
    { attempt: -1, minMs: 0 },
    { attempt: -100, minMs: 0 },
  ])('treats a negative attempt ($attempt) like the first retry', ({ attempt, minMs }) => {
    expect(backoffDelay(attempt, policy, fixed(almostOne), minMs)).toBe(0);
  });

  describe('property: attempts 0..40', () => {
    const policies: BackoffPolicy[] = [
      defaultBackoff,
      { baseMs: 100, capMs: 1_000 },
      { baseMs: 1_000, capMs: 1_000 },
      { baseMs: 250, capMs: 7_777 },
    ];
    // A tiny deterministic generator (LCG) gives spread without flakiness.
    const lcg = (seed: number): (() => number) => {
      let s = seed >>> 0;
      return () => {
        s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
        return s / 2 ** 32;
      };
    };

    it.each(policies.map((p) => [p.baseMs, p.capMs, p] as const))(
      'base %i cap %i: integer, within [0, ceiling], never over cap, largest delay never shrinks',
      (_base, _cap, p) => {
        const random = lcg(p.baseMs * 31 + p.capMs);
        let previousLargest = 0;
        for (let attempt = 0; attempt <= 40; attempt++) {
          const ceiling = attempt === 0 ? 0 : expectedCeiling(attempt, p);
          const largest = backoffDelay(attempt, p, fixed(almostOne));
          expect(largest).toBeGreaterThanOrEqual(previousLargest);
          previousLargest = largest;
          for (const r of [0, 0.5, almostOne, random(), random()]) {
            const d = backoffDelay(attempt, p, fixed(r));
            expect(Number.isInteger(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(ceiling);
            expect(d).toBeLessThanOrEqual(p.capMs);
          }
          // The extremes of random reach both ends of the range.
          expect(backoffDelay(attempt, p, fixed(0))).toBe(0);
          expect(backoffDelay(attempt, p, fixed(almostOne))).toBe(Math.max(0, ceiling - 1));
        }
      },
    );
  });
});
