/**
 * Rounding for storing and showing (docs/hr.md: 2 decimals, half away from zero).
 *
 * Why not `Math.round(x * 100) / 100`: 1.005 is stored as the binary double
 * 1.00499999999999989…, so `1.005 * 100` is 100.49999999999999 and rounds to
 * 100 (1.00, wrong); and Math.round rounds -2.675 towards +∞.
 *
 * What we do instead: read the double as a DECIMAL first, with 15 significant
 * digits (`toPrecision(15)`), then round that decimal string half away from
 * zero at the second decimal. A double carries 15.95 significant decimal
 * digits, so every decimal with at most 15 significant digits (1.005, 90.445,
 * -2.675, any sum of cents and minutes we store) survives the trip exactly;
 * and the noise that binary arithmetic leaves in the 16th–17th digit
 * (0.1 + 0.2 = 0.30000000000000004, 90.44499999999999 for an exact 90.445) is
 * dropped before the half-way decision, so a value that is exactly half-way in
 * decimal is rounded as a person with a pencil would round it.
 * The result is built from its decimal digits (`Number('90.45')`), so it is
 * the double closest to the 2-decimal value, and it is never -0.
 */

const SIG_DIGITS = 15;

export function round2(x: number): number {
  return roundHalfAway(x, 2);
}

const SCALES = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/**
 * Half-away-from-zero rounding to `decimals` places (0..10), decimal-exact as described above.
 *
 * The fast path, for magnitudes whose scaled value stays under 10^7 and is not within 10^-6 of a
 * half: there the binary product |x| × 10^d differs from the 15-digit decimal's by less than
 * 10^-7, so both round to the same integer k, and k / 10^d (one correctly rounded division) is
 * the double nearest to the decimal — the very double `Number('…')` gives. Everything else (a
 * half, or near one; large magnitudes) takes the decimal reading below.
 */
export function roundHalfAway(x: number, decimals: number): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`cannot round a non-finite number: ${String(x)}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) throw new RangeError(`decimals must be an integer 0..10, got ${decimals}`);
  // Integers (most minute counts) are already exact: return them as they are (never -0).
  if (Number.isInteger(x)) return x === 0 ? 0 : x;
  const scale = SCALES[decimals]!;
  const scaled = Math.abs(x) * scale;
  if (scaled < 1e7) {
    const floor = Math.floor(scaled);
    const frac = scaled - floor;
    if (Math.abs(frac - 0.5) > 1e-6) {
      const k = frac < 0.5 ? floor : floor + 1;
      if (k === 0) return 0;
      return x < 0 ? -k / scale : k / scale;
    }
  }
  return roundByDecimalText(x, decimals);
}

/** The decimal reading (see the top of this file): exported for the test that holds the fast path to it. */
export function roundByDecimalText(x: number, decimals: number): number {
  if (Number.isInteger(x)) return x === 0 ? 0 : x;
  const negative = x < 0;
  const text = Math.abs(x).toPrecision(SIG_DIGITS);
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!m) throw new RangeError(`unexpected number text: ${text}`);
  const intPart = m[1] as string;
  const fracPart = m[2] ?? '';
  const exponent = Number(m[3] ?? '0');
  const digits = intPart + fracPart;
  // Number of digits of `digits` that stand before the decimal point.
  const point = intPart.length + exponent;
  const keep = point + decimals;
  let kept: string;
  let next: number;
  if (keep < 0) {
    kept = '0';
    next = 0;
  } else if (keep === 0) {
    kept = '0';
    next = Number(digits[0]);
  } else if (keep >= digits.length) {
    kept = digits + '0'.repeat(keep - digits.length);
    next = 0;
  } else {
    kept = digits.slice(0, keep);
    next = Number(digits[keep]);
  }
  let scaled = BigInt(kept);
  if (next >= 5) scaled += 1n;
  if (scaled === 0n) return 0;
  const s = scaled.toString().padStart(decimals + 1, '0');
  const text2 = decimals === 0 ? s : `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  const magnitude = Number(text2);
  return negative ? -magnitude : magnitude;
}
