import { expect } from 'chai';
import { type ActiveRange, type AgencyCalendar, isWorkingDay, workingDays } from '../../../src/domain/calendar';
import { ValidationError } from '../../../src/domain/errors';

const NONE: AgencyCalendar = { holidays: [], makeUpDays: [] };

describe('domain/calendar', () => {
  describe('workingDays', () => {
    const cases: Array<{ name: string; from: string; to: string; cal: AgencyCalendar; active?: ActiveRange; count: number; has?: string[]; hasNot?: string[] }> = [
      { name: 'March 2026 without holidays (the worked example)', from: '2026-03-01', to: '2026-03-31', cal: NONE, count: 22, hasNot: ['2026-03-01', '2026-03-07', '2026-03-08'] },
      { name: 'February 2026 without holidays', from: '2026-02-01', to: '2026-02-28', cal: NONE, count: 20 },
      {
        name: 'February 2026 with five Tết holidays',
        from: '2026-02-01',
        to: '2026-02-28',
        cal: { holidays: ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20'], makeUpDays: [] },
        count: 15,
        hasNot: ['2026-02-16', '2026-02-20'],
      },
      {
        name: 'February 2026 with five holidays and one make-up Saturday',
        from: '2026-02-01',
        to: '2026-02-28',
        cal: { holidays: ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20'], makeUpDays: ['2026-02-07'] },
        count: 16,
        has: ['2026-02-07'],
      },
      { name: 'a holiday on a Sunday', from: '2026-03-01', to: '2026-03-31', cal: { holidays: ['2026-03-01'], makeUpDays: [] }, count: 22 },
      { name: 'a make-up Sunday', from: '2026-03-01', to: '2026-03-31', cal: { holidays: [], makeUpDays: ['2026-03-08'] }, count: 23, has: ['2026-03-08'] },
      { name: 'a day that is both a holiday and a make-up day', from: '2026-03-01', to: '2026-03-31', cal: { holidays: ['2026-03-09'], makeUpDays: ['2026-03-09'] }, count: 22, has: ['2026-03-09'] },
      { name: 'holidays and make-up days outside the range', from: '2026-03-01', to: '2026-03-31', cal: { holidays: ['2026-04-30'], makeUpDays: ['2026-04-25'] }, count: 22 },
      { name: 'an official active from the 16th', from: '2026-03-01', to: '2026-03-31', cal: NONE, active: { from: '2026-03-16' }, count: 12, hasNot: ['2026-03-13'] },
      { name: 'an official active until the 10th', from: '2026-03-01', to: '2026-03-31', cal: NONE, active: { to: '2026-03-10' }, count: 7, hasNot: ['2026-03-11'] },
      { name: 'an official active from the 5th to the 10th', from: '2026-03-01', to: '2026-03-31', cal: NONE, active: { from: '2026-03-05', to: '2026-03-10' }, count: 4 },
      { name: 'open active ends given as null', from: '2026-03-01', to: '2026-03-31', cal: NONE, active: { from: null, to: null }, count: 22 },
      { name: 'an official active only after the range', from: '2026-03-01', to: '2026-03-31', cal: NONE, active: { from: '2026-04-01' }, count: 0 },
      { name: 'an active range wider than the period', from: '2026-03-01', to: '2026-03-31', cal: NONE, active: { from: '2025-01-01', to: '2027-01-01' }, count: 22 },
      { name: 'a reversed range', from: '2026-03-31', to: '2026-03-01', cal: NONE, count: 0 },
      { name: 'the whole year 2026', from: '2026-01-01', to: '2026-12-31', cal: NONE, count: 261 },
    ];
    for (const c of cases) {
      it(`when counting ${c.name}, then there are ${c.count} working days, sorted, within the range`, () => {
        const days = workingDays(c.from, c.to, c.cal, c.active);
        expect(days).to.have.length(c.count);
        expect([...days].sort()).to.deep.equal(days);
        expect(new Set(days).size).to.equal(days.length);
        for (const d of days) {
          expect(d >= c.from && d <= c.to).to.equal(true);
          if (c.active?.from) expect(d >= c.active.from).to.equal(true);
          if (c.active?.to) expect(d <= c.active.to).to.equal(true);
          expect(isWorkingDay(d, c.cal)).to.equal(true);
        }
        for (const d of c.has ?? []) expect(days).to.include(d);
        for (const d of c.hasNot ?? []) expect(days).not.to.include(d);
      });
    }

    it('when a holiday is not a real day, then it throws a ValidationError naming it', () => {
      expect(() => workingDays('2026-03-01', '2026-03-31', { holidays: ['2026-03-02', '2026-02-30'], makeUpDays: [] }))
        .to.throw(ValidationError)
        .with.property('field', 'holidays[1]');
    });

    it('when the range end is not a day, then it throws a ValidationError on "to"', () => {
      expect(() => workingDays('2026-03-01', '2026-03-32', NONE)).to.throw(ValidationError).with.property('field', 'to');
    });
  });

  describe('isWorkingDay', () => {
    const cal: AgencyCalendar = { holidays: ['2026-04-30', '2026-05-01'], makeUpDays: ['2026-04-25'] };
    const cases: Array<[string, boolean, string]> = [
      ['2026-04-24', true, 'a Friday'],
      ['2026-04-25', true, 'a make-up Saturday'],
      ['2026-04-26', false, 'a Sunday'],
      ['2026-04-30', false, 'a holiday Thursday'],
      ['2026-05-01', false, 'a holiday Friday'],
      ['2026-05-02', false, 'a Saturday'],
      ['2026-05-04', true, 'a Monday'],
    ];
    for (const [day, want, what] of cases) {
      it(`when the day is ${what} (${day}), then isWorkingDay is ${want}`, () => {
        expect(isWorkingDay(day, cal)).to.equal(want);
      });
    }
  });
});
