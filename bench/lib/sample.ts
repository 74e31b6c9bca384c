// Deterministic sampling for the benches (pure; tested in test/unit/bench/stats.test.ts).
import { mulberry32 } from '../../test/helpers/random.js';

/** n items drawn without replacement, in a seeded random order (Fisher–Yates). */
export function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  if (n > items.length) throw new Error(`cannot draw ${n} of ${items.length}`);
  const a = [...items];
  const rand = mulberry32(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}
