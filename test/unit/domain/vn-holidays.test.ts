import { expect } from 'chai';
import { dayOfWeek } from '../../../src/domain/period';
import { LUNAR_YEARS, nationalHolidays } from '../../../src/domain/vn-holidays';

describe('unit: domain/vn-holidays (the starting list of national holidays)', () => {
  it('when 2026 is asked for, then the statutory days off are listed, Giỗ Tổ on a Sunday moved to the Monday', () => {
    expect(nationalHolidays(2026)).to.deep.equal({
      days: ['2026-01-01', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-04-27', '2026-04-30', '2026-05-01', '2026-09-01', '2026-09-02'],
      complete: true,
    });
  });

  it('when 2027 is asked for, then Tết (the 29th of Bính Ngọ and the first four of Đinh Mùi) and Giỗ Tổ are reckoned, Tết\'s weekend days moved after it, 1/5 on a Saturday to the Monday', () => {
    // Tết Đinh Mùi is Saturday 6 February 2027; Giỗ Tổ (10/3) Friday 16 April.
    expect(nationalHolidays(2027)).to.deep.equal({
      days: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-04-16', '2027-04-30', '2027-05-03', '2027-09-01', '2027-09-02'],
      complete: true,
    });
  });

  it('when a year outside the reckoned ones is asked for, then the solar-calendar days come, weekend ones moved to the next working day, and it says it is partial', () => {
    const year = 2428; // the Gregorian calendar repeats every 400 years: the weekdays of 2028
    expect(year).to.be.greaterThan(LUNAR_YEARS.to);
    const r = nationalHolidays(year);
    expect(r.complete).to.equal(false);
    // 1 January is a Saturday, 30 April a Sunday: both give the next working day that is not already off.
    expect(r.days).to.deep.equal([`${year}-01-03`, `${year}-05-01`, `${year}-05-02`, `${year}-09-01`, `${year}-09-04`]);
    for (const d of r.days) expect([0, 6], d).to.not.include(dayOfWeek(d));
  });

  it('when any year from 2000 to 2100 is asked for, then it is complete, with eleven working days off, none on a weekend', () => {
    for (let y = 2000; y <= 2100; y++) {
      const r = nationalHolidays(y);
      expect(r.complete, String(y)).to.equal(true);
      expect(r.days, String(y)).to.have.length(11);
      for (const d of r.days) expect([0, 6], d).to.not.include(dayOfWeek(d));
    }
  });
});
