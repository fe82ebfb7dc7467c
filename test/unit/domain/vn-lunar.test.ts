import { expect } from 'chai';
import { lunarDays, lunarMonths } from '../../../src/domain/vn-lunar';

/**
 * The Vietnamese calendar against the days the Government announced: Tết and Giỗ Tổ Hùng Vương
 * (10/3 âm lịch) of 2020–2026, the leap months of those years, and Tết 1985, which Việt Nam kept a
 * month before China because its months are reckoned at UTC+7.
 */
describe('unit: domain/vn-lunar (the Vietnamese lunisolar calendar)', () => {
  const KNOWN: Array<[number, string, string]> = [
    [2020, '2020-01-25', '2020-04-02'],
    [2021, '2021-02-12', '2021-04-21'],
    [2022, '2022-02-01', '2022-04-10'],
    [2023, '2023-01-22', '2023-04-29'],
    [2024, '2024-02-10', '2024-04-18'],
    [2025, '2025-01-29', '2025-04-07'],
    [2026, '2026-02-17', '2026-04-26'],
  ];

  for (const [year, tet, hungKings] of KNOWN) {
    it(`when ${year} is reckoned, then Tết is ${tet} and Giỗ Tổ ${hungKings}`, () => {
      expect(lunarDays(year, [[1, 1], [3, 10]])).to.deep.equal([tet, hungKings]);
    });
  }

  it('when 1985 is reckoned, then Tết is 21 January, a month before China\'s (20 February): month 11 begins a day apart at UTC+7 and UTC+8', () => {
    expect(lunarDays(1985, [[1, 1]])).to.deep.equal(['1985-01-21']);
  });

  it('when years with a leap month are reckoned, then the leap month follows the month it repeats (4 of 2020, 2 of 2023, 6 of 2025), and a year without one has twelve months', () => {
    const leap = (y: number) => lunarMonths(y).filter((m) => m.leap).map((m) => [m.month, m.start]);
    expect(leap(2020)).to.deep.equal([[4, '2020-05-23']]);
    expect(leap(2023)).to.deep.equal([[2, '2023-03-22']]);
    expect(leap(2025)).to.deep.equal([[6, '2025-07-25']]);
    expect(leap(2026)).to.deep.equal([]);
    expect(lunarMonths(2026).map((m) => m.month)).to.deep.equal([11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // In 2023 Giỗ Tổ is 10/3, the month after the leap second month.
    const months2023 = lunarMonths(2023);
    expect(months2023.map((m) => `${m.month}${m.leap ? 'L' : ''}`)).to.deep.equal(['11', '12', '1', '2', '2L', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('when a lunar date outside months 1–10 or days 1–30 is asked for, then it is refused', () => {
    expect(() => lunarDays(2027, [[11, 1]])).to.throw(RangeError);
    expect(() => lunarDays(2027, [[1, 31]])).to.throw(RangeError);
    expect(() => lunarDays(2027, [[0, 1]])).to.throw(RangeError);
  });
});
