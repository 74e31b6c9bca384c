// Summary statistics for the side-by-side benchmarks (pure; unit-tested in
// test/unit/bench/stats.test.ts). Shared, noisy machines: report medians and ratios.

/**
 * The p-th percentile (0–100) of a non-empty list, by linear interpolation between closest
 * ranks (the "R-7" definition, as numpy's default and Excel's PERCENTILE.INC): p0 is the
 * minimum, p100 the maximum, p50 the median.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be in 0..100, got ${p}`);
  const s = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    min: percentile(values, 0),
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  };
}

/** a / b, or null when b is not a positive number (a ratio that would mean nothing). */
export function ratio(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : null;
}

/**
 * Time a tool added on top of the floor (the bare IDLE listener's EXISTS time, measured in the
 * same rounds): each percentile of the tool's times less the floor's median, never below zero.
 * The floor is Dovecot's fixed IDLE delay (500 ms); its own tail is a stall of the machine in
 * one round, which the tools' tails have too, so subtracting the floor's p99 from the tools'
 * p99 compared two unrelated stalls (one run gave 0 ms added for every tool).
 */
export function addedOverFloor(
  tool: readonly number[],
  floor: readonly number[],
): { p50: number; p99: number } {
  const base = percentile(floor, 50);
  return {
    p50: Math.max(0, percentile(tool, 50) - base),
    p99: Math.max(0, percentile(tool, 99) - base),
  };
}

/**
 * The order subjects run in, round by round: rotated each round so that none always goes first
 * (or always right after another), e.g. [a,b,c], [b,c,a], [c,a,b], [a,b,c]…
 */
export function rotation<T>(subjects: readonly T[], round: number): T[] {
  const n = subjects.length;
  if (n === 0) return [];
  const k = ((round % n) + n) % n;
  return [...subjects.slice(k), ...subjects.slice(0, k)];
}
