/** Small helpers shared by the unit, quota, year and ranking computations. */

/** The key of a (period, unit) group; null is a unit of its own. */
export function groupKey(period: string, unitId: string | null): string {
  return `${period}\u0000${unitId === null ? '\u0001' : unitId}`;
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
