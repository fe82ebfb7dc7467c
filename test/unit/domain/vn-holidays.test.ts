import { expect } from 'chai';
import { dayOfWeek } from '../../../src/domain/period';
import { LUNAR_HOLIDAY_YEARS, nationalHolidays } from '../../../src/domain/vn-holidays';

describe('unit: domain/vn-holidays (the starting list of national holidays)', () => {
  it('when 2026 is asked for, then the statutory days off are listed, Giỗ Tổ on a Sunday moved to the Monday', () => {
    expect(nationalHolidays(2026)).to.deep.equal({
      days: ['2026-01-01', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-04-27', '2026-04-30', '2026-05-01', '2026-09-01', '2026-09-02'],
      complete: true,
    });
  });

  it('when a year without known lunar days is asked for, then the solar-calendar days come, weekend ones moved to the next working day, and it says it is partial', () => {
    const r = nationalHolidays(2028);
    expect(r.complete).to.equal(false);
    // 2028-01-01 is a Saturday, 2028-04-30 a Sunday: both give the next working day that is not already off.
    expect(r.days).to.deep.equal(['2028-01-03', '2028-05-01', '2028-05-02', '2028-09-01', '2028-09-04']);
    for (const d of r.days) expect([0, 6], d).to.not.include(dayOfWeek(d));
    expect(LUNAR_HOLIDAY_YEARS).to.include(2026);
  });
});
