import { expect } from 'chai';
import { round2, roundByDecimalText, roundHalfAway } from '../../../src/scoring/rounding';
import { mulberry32 } from '../../../src/demo/demo-data';


/** Half-away-from-zero at 2 decimals of a decimal STRING, by digit arithmetic only (the oracle). */
function oracle(sign: 1 | -1, intDigits: string, fracDigits: string): number {
  const frac = fracDigits.padEnd(3, '0');
  let cents = BigInt(intDigits + frac.slice(0, 2));
  const rest = frac.slice(2);
  if (rest.length > 0 && Number(rest[0]) >= 5) cents += 1n;
  if (cents === 0n) return 0;
  const s = cents.toString().padStart(3, '0');
  const v = Number(`${s.slice(0, -2)}.${s.slice(-2)}`);
  return sign * v;
}

describe('scoring/rounding', () => {
  const table: Array<[number, number, string]> = [
    [1.005, 1.01, 'the classic binary trap (1.00499999…)'],
    [90.445, 90.45, 'a total exactly half-way'],
    [-2.675, -2.68, 'a negative half, away from zero'],
    [2.675, 2.68, 'a positive half stored below itself'],
    [63.45407196969697, 63.45, 'R of the worked example'],
    [90.45407196969697, 90.45, 'S of the worked example'],
    [90.9090909090909, 90.91, 'quantity% of the worked example'],
    [90.69602272727273, 90.7, 'quality% of the worked example'],
    [90.3409090909091, 90.34, 'progress% of the worked example'],
    [8.345, 8.35, '8.345 (834.4999… after × 100)'],
    [1.255, 1.26, '1.255'],
    [10.235, 10.24, '10.235'],
    [0.125, 0.13, 'an exact binary half'],
    [-0.125, -0.13, 'a negative exact binary half'],
    [0.005, 0.01, 'half a cent'],
    [-0.005, -0.01, 'minus half a cent'],
    [0.0049, 0, 'just under half a cent'],
    [1.0049999, 1, 'just under a half'],
    [99.995, 100, 'a carry into the hundreds'],
    [999.995, 1000, 'a carry into a new digit'],
    [123456789.125, 123456789.13, 'a large value'],
    [0.1 + 0.2, 0.3, 'binary noise above (0.30000000000000004)'],
    [0.03 * 5.5, 0.17, 'binary noise below an exact half (0.03 × 5.5 = 0.16499999999999998)'],
    [0.05 * 2.3, 0.12, 'binary noise below an exact half (0.05 × 2.3 = 0.11499999999999999)'],
    [1e-7, 0, 'a tiny value'],
    [1e21, 1e21, 'a huge value in exponent notation'],
    [100, 100, 'an integer'],
    [1.45, 1.45, 'a value with 2 decimals already'],
  ];
  for (const [x, want, what] of table) {
    it(`when rounding ${what} (${x}), then it gives ${want}`, () => {
      expect(round2(x)).to.equal(want);
    });
  }

  it('when rounding zero or a tiny negative, then the result is +0, never -0', () => {
    expect(Object.is(round2(0), 0)).to.equal(true);
    expect(Object.is(round2(-0), 0)).to.equal(true);
    expect(Object.is(round2(-0.001), 0)).to.equal(true);
  });

  it('when rounding to other precisions, then roundHalfAway follows the same rule', () => {
    expect(roundHalfAway(2.5, 0)).to.equal(3);
    expect(roundHalfAway(-2.5, 0)).to.equal(-3);
    expect(roundHalfAway(0.0005, 3)).to.equal(0.001);
    expect(roundHalfAway(1.23456, 4)).to.equal(1.2346);
    expect(() => roundHalfAway(1, 11)).to.throw(RangeError);
  });

  it('when 300,000 doubles of every shape are rounded (arithmetic noise, exact and near halves, negatives, 0..6 decimals), then the fast path gives the very double of the decimal reading', () => {
    const rnd = mulberry32(42);
    let fast = 0;
    for (let i = 0; i < 300_000; i++) {
      const d = i % 7;
      const shape = i % 5;
      const base = Math.floor(rnd() * 10 ** (1 + (i % 6))) / 10 ** (1 + (i % 4));
      let x: number;
      if (shape === 0) x = base * (rnd() * 3); // products (percentages, penalties)
      else if (shape === 1) x = base + 0.5 / 10 ** d; // an exact decimal half at the rounded place, with binary noise
      else if (shape === 2) x = (base * 7) / 3; // repeating fractions
      else if (shape === 3) x = base + (rnd() - 0.5) * 1e-9; // within a hair of a decimal
      else x = -base * rnd(); // negatives
      const scaled = Math.abs(x) * 10 ** d;
      if (scaled < 1e7 && Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6) fast++;
      const got = roundHalfAway(x, d);
      const want = roundByDecimalText(x, d);
      if (!Object.is(got, want)) expect.fail(`roundHalfAway(${x}, ${d}) = ${got}, the decimal reading gives ${want}`);
    }
    expect(fast, 'most cases take the fast path').to.be.greaterThan(150_000);
  });

  it('when the input is not finite, then it throws a RangeError', () => {
    expect(() => round2(Number.NaN)).to.throw(RangeError);
    expect(() => round2(Number.POSITIVE_INFINITY)).to.throw(RangeError);
    expect(() => round2(Number.NEGATIVE_INFINITY)).to.throw(RangeError);
  });

  it('when rounding 3000 random decimals with up to 7 integer and 1..4 decimal digits, then it agrees with digit arithmetic', () => {
    const rnd = mulberry32(20260301);
    for (let i = 0; i < 3000; i++) {
      const intDigits = String(Math.floor(rnd() * 10 ** Math.floor(rnd() * 8)));
      const nFrac = 1 + Math.floor(rnd() * 4);
      let frac = '';
      for (let k = 0; k < nFrac; k++) frac += String(Math.floor(rnd() * 10));
      // bias towards exact halves: they are the interesting case
      if (rnd() < 0.5) frac = `${frac.slice(0, 2).padEnd(2, '0')}5`;
      const sign: 1 | -1 = rnd() < 0.3 ? -1 : 1;
      const x = sign * Number(`${intDigits}.${frac}`);
      const want = oracle(sign, intDigits, frac);
      expect(round2(x), `${sign < 0 ? '-' : ''}${intDigits}.${frac}`).to.equal(want);
    }
  });

  it('when rounding random doubles, then it is idempotent, odd and never more than half a cent away', () => {
    const rnd = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
      const x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 7);
      const r = round2(x);
      expect(round2(r)).to.equal(r);
      expect(round2(-x)).to.equal(r === 0 ? 0 : -r);
      expect(Math.abs(r - x)).to.be.at.most(0.005 + 1e-9 * Math.max(1, Math.abs(x)));
    }
  });
});
