// Deterministic sampling for the benches (pure; tested in test/unit/bench/stats.test.ts).

/** mulberry32: a small seeded PRNG, so a bench run can be repeated message for message. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
