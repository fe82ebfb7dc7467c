import { httpStatus } from '../../../src/http/errors';
import { expect } from 'chai';
import { ValidationError } from '../../../src/domain/errors';
import {
  addDays,
  containsDay,
  dayOfWeek,
  daysOf,
  eachDay,
  isPeriodKey,
  monthsOfPeriod,
  parsePeriod,
  periodOfDay,
  quartersOfYear,
  type Period,
  type PeriodKind,
} from '../../../src/domain/period';

describe('domain/period', () => {
  describe('parsePeriod', () => {
    const valid: Array<[string, Partial<Period>]> = [
      ['2026-03', { kind: 'month', year: 2026, month: 3, from: '2026-03-01', to: '2026-03-31' }],
      ['2026-02', { kind: 'month', year: 2026, month: 2, from: '2026-02-01', to: '2026-02-28' }],
      ['2024-02', { kind: 'month', year: 2024, month: 2, from: '2024-02-01', to: '2024-02-29' }],
      ['2026-04', { kind: 'month', year: 2026, month: 4, from: '2026-04-01', to: '2026-04-30' }],
      ['2026-12', { kind: 'month', year: 2026, month: 12, from: '2026-12-01', to: '2026-12-31' }],
      ['2026-Q1', { kind: 'quarter', year: 2026, quarter: 1, from: '2026-01-01', to: '2026-03-31' }],
      ['2026-Q2', { kind: 'quarter', year: 2026, quarter: 2, from: '2026-04-01', to: '2026-06-30' }],
      ['2026-Q3', { kind: 'quarter', year: 2026, quarter: 3, from: '2026-07-01', to: '2026-09-30' }],
      ['2026-Q4', { kind: 'quarter', year: 2026, quarter: 4, from: '2026-10-01', to: '2026-12-31' }],
      ['2026', { kind: 'year', year: 2026, from: '2026-01-01', to: '2026-12-31' }],
      ['2000', { kind: 'year', year: 2000, from: '2000-01-01', to: '2000-12-31' }],
    ];
    for (const [key, want] of valid) {
      it(`when given "${key}", then it is a ${String(want.kind)} from ${String(want.from)} to ${String(want.to)}`, () => {
        const p = parsePeriod(key);
        expect(p).to.include(want);
        expect(p.key).to.equal(key);
        if (p.kind !== 'month') expect(p).not.to.have.property('month');
        if (p.kind !== 'quarter') expect(p).not.to.have.property('quarter');
      });
    }

    const invalid = ['2026-13', '2026-00', '2026-Q5', '2026-Q0', '26', '', '2026-3', '2026-q1', ' 2026-03', '2026-03 ', '2026-03-01', '1899', 'abcd', '2026-M03', '20261'];
    for (const key of invalid) {
      it(`when given ${JSON.stringify(key)}, then it throws a ValidationError on "period" with a Vietnamese message`, () => {
        let caught: unknown;
        try {
          parsePeriod(key);
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(ValidationError);
        const err = caught as ValidationError;
        expect(err.field).to.equal('period');
        expect(httpStatus(err)).to.equal(400);
        expect(err.message).to.match(/^Kỳ đánh giá không hợp lệ/);
        expect(isPeriodKey(key)).to.equal(false);
      });
    }

    it('when the process time zone has a DST shift or a large offset, then month ends do not move', () => {
      const saved = process.env['TZ'];
      try {
        for (const tz of ['America/Sao_Paulo', 'Pacific/Kiritimati', 'America/Santiago', 'Asia/Ho_Chi_Minh', 'UTC']) {
          process.env['TZ'] = tz;
          for (let m = 1; m <= 12; m++) {
            const p = parsePeriod(`2026-${String(m).padStart(2, '0')}`);
            const expectedLast = new Date(Date.UTC(2026, m, 0)).getUTCDate();
            expect(p.to, `${tz} month ${m}`).to.equal(`2026-${String(m).padStart(2, '0')}-${String(expectedLast).padStart(2, '0')}`);
          }
        }
      } finally {
        if (saved === undefined) delete process.env['TZ'];
        else process.env['TZ'] = saved;
      }
    });
  });

  describe('periodOfDay', () => {
    const cases: Array<[string, PeriodKind, string]> = [
      ['2026-03-12', 'month', '2026-03'],
      ['2026-03-12', 'quarter', '2026-Q1'],
      ['2026-03-12', 'year', '2026'],
      ['2026-04-01', 'quarter', '2026-Q2'],
      ['2026-06-30', 'quarter', '2026-Q2'],
      ['2026-12-31', 'quarter', '2026-Q4'],
      ['2026-12-31', 'month', '2026-12'],
      ['2026-01-01', 'year', '2026'],
    ];
    for (const [day, kind, key] of cases) {
      it(`when the day is ${day} and the kind ${kind}, then the period is ${key}`, () => {
        const p = periodOfDay(day, kind);
        expect(p.key).to.equal(key);
        expect(containsDay(p, day)).to.equal(true);
      });
    }

    it('when the day is not a real day, then it throws a ValidationError', () => {
      expect(() => periodOfDay('2026-02-30', 'month')).to.throw(ValidationError);
      expect(() => periodOfDay('2026-3-1', 'month')).to.throw(ValidationError);
    });

    it('when the kind is unknown, then it throws a ValidationError on "kind"', () => {
      expect(() => periodOfDay('2026-03-01', 'week' as PeriodKind)).to.throw(ValidationError).with.property('field', 'kind');
    });
  });

  describe('quartersOfYear, monthsOfPeriod, daysOf, containsDay', () => {
    it('when splitting a year into quarters, then they are contiguous and cover every day once', () => {
      const qs = quartersOfYear(2026);
      expect(qs.map((q) => q.key)).to.deep.equal(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
      for (let i = 1; i < qs.length; i++) expect((qs[i] as Period).from).to.equal(addDays((qs[i - 1] as Period).to, 1));
      const all = qs.flatMap((q) => daysOf(q));
      expect(all).to.deep.equal(daysOf(parsePeriod('2026')));
      expect(new Set(all).size).to.equal(365);
    });

    const monthsCases: Array<[string, string[]]> = [
      ['2026-03', ['2026-03']],
      ['2026-Q3', ['2026-07', '2026-08', '2026-09']],
      ['2026-Q1', ['2026-01', '2026-02', '2026-03']],
      ['2026', ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'].map((m) => `2026-${m}`)],
    ];
    for (const [key, months] of monthsCases) {
      it(`when listing the months of ${key}, then they are ${months.length === 12 ? 'the 12 months' : months.join(', ')}`, () => {
        const ms = monthsOfPeriod(parsePeriod(key));
        expect(ms.map((m) => m.key)).to.deep.equal(months);
        expect(ms.every((m) => m.kind === 'month')).to.equal(true);
      });
    }

    const lengths: Array<[string, number]> = [
      ['2026-02', 28],
      ['2024-02', 29],
      ['2026-03', 31],
      ['2026-Q1', 90],
      ['2024-Q1', 91],
      ['2026', 365],
      ['2024', 366],
      ['2100', 365],
    ];
    for (const [key, n] of lengths) {
      it(`when listing the days of ${key}, then there are ${n}, in order, from first to last`, () => {
        const p = parsePeriod(key);
        const days = daysOf(p);
        expect(days).to.have.length(n);
        expect(days[0]).to.equal(p.from);
        expect(days[days.length - 1]).to.equal(p.to);
        for (let i = 1; i < days.length; i++) expect((days[i] as string) > (days[i - 1] as string)).to.equal(true);
      });
    }

    it('when a day is on the boundary, then containsDay includes both ends and nothing outside', () => {
      const p = parsePeriod('2026-Q2');
      expect(containsDay(p, '2026-04-01')).to.equal(true);
      expect(containsDay(p, '2026-06-30')).to.equal(true);
      expect(containsDay(p, '2026-03-31')).to.equal(false);
      expect(containsDay(p, '2026-07-01')).to.equal(false);
      expect(() => containsDay(p, '2026-06-31')).to.throw(ValidationError);
    });

    const weekdays: Array<[string, number]> = [
      ['1970-01-01', 4],
      ['2026-03-01', 0],
      ['2026-03-02', 1],
      ['2026-03-07', 6],
      ['2024-02-29', 4],
    ];
    for (const [day, w] of weekdays) {
      it(`when asking the weekday of ${day}, then it is ${w}`, () => {
        expect(dayOfWeek(day)).to.equal(w);
        expect(dayOfWeek(day)).to.equal(new Date(`${day}T12:00:00Z`).getUTCDay());
      });
    }

    it('when the range is reversed, then eachDay is empty', () => {
      expect(eachDay('2026-03-02', '2026-03-01')).to.deep.equal([]);
      expect(eachDay('2026-02-27', '2026-03-02')).to.deep.equal(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    });
  });
});
