/** A JSON object (not null, not an array): what a request body or a rule's part must be. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True when `n` has at most `d` decimals (tolerating binary representation: 0.1 × 100). */
export function hasAtMostDecimals(n: number, d: number): boolean {
  const scaled = n * 10 ** d;
  return Math.abs(scaled - Math.round(scaled)) < 1e-7 * Math.max(1, Math.abs(scaled));
}
