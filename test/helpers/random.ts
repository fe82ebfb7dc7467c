/**
 * Seeded randomness for tests: the demo's mulberry32 generator (so a failure can be replayed
 * from its seed), and the two list helpers the stream-building tests share.
 */
export { mulberry32 as rng } from '../../src/demo/demo-data';

/** A shuffled copy of `xs` (Fisher–Yates, driven by `rand`). */
export function shuffle<T>(xs: readonly T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** `xs` cut into consecutive slices of `size` (the last one may be shorter). */
export function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
