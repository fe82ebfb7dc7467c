import { expect } from 'chai';
import { workingDays } from '../../../src/domain/calendar';
import { ValidationError } from '../../../src/domain/errors';
import { parsePeriod } from '../../../src/domain/period';
import { ND335, validateProfile } from '../../../src/scoring/profiles';
import { scoreUnit } from '../../../src/scoring/unit';
import { scoreYear } from '../../../src/scoring/year';
import type { OfficialInput, Score } from '../../../src/scoring/types';
import { MARCH, buildEntry, buildOfficial, params } from './fixtures';

/** Quarters and years (src/scoring/year.ts). */
describe('scoring/year', () => {
  describe('quarters and years', () => {
    /** A quarter score: `share` of `workingDays` full days worked from `daysFrom` on. */
    const Q = (q: number, over: Partial<OfficialInput>, daysFrom: string, share = 1): Score => {
      const wd = workingDays(daysFrom, parsePeriod(`2026-Q${q}`).to, { holidays: [], makeUpDays: [] });
      const n = Math.round((over.workingDays ?? 10) * share);
      const entries = wd.slice(0, n).map((day) => buildEntry({ day, minutes: 480 }));
      const [s] = scoreUnit([buildOfficial({ workingDays: 10, entries, ...over })], params(), `2026-Q${q}`);
      return s as Score;
    };

    it('when a quarter is scored, then its days span the quarter and a day outside it is refused', () => {
      const s = Q(1, { general: 25 }, '2026-02-20');
      expect(s).to.include({ period: '2026-Q1', total: 95, classification: 'HTXSNV' });
      const outside = buildOfficial({ entries: [buildEntry({ day: '2026-04-01', minutes: 60 })] });
      expect(() => scoreUnit([outside], params(), '2026-Q1')).to.throw(ValidationError).with.property('field', 'officials[0].days[0].day');
    });

    function year(): Score[] {
      const q1 = Q(1, { general: 25 }, '2026-01-05'); // R 70 → 95
      const q2 = Q(2, { general: 24 }, '2026-04-01', 0.8); // R 56 → 80
      const q3 = Q(3, { general: 20 }, '2026-07-01', 0.5); // R 35 → 55
      const q4 = Q(4, { general: 30, workingDays: 0 }, '2026-10-01'); // not scored
      return [q1, q2, q3, q4];
    }

    it('when a year has three scored quarters and one unscored, then it is the mean of the three totals', () => {
      const qs = year();
      expect(qs.map((s) => [s.total, s.scored])).to.deep.equal([
        [95, true],
        [80, true],
        [55, true],
        [30, false],
      ]);
      const [y] = scoreYear(qs);
      expect(y).to.include({ period: '2026', total: 76.67, classification: 'HTTNV', scored: true, incomplete: false, generalScore: 23, taskScore: 53.67 });
      expect(y?.workingDays).to.equal(30);
      expect(y?.explanation.kind).to.equal('year');
    });

    it('when a counted quarter lacks G, then the year has no class yet', () => {
      const qs = year();
      const q3 = Q(3, { general: null }, '2026-07-01', 0.5);
      const [y] = scoreYear([qs[0] as Score, qs[1] as Score, q3, qs[3] as Score]);
      expect(y).to.include({ incomplete: true, classification: null, generalScore: null });
    });

    it('when a quarter was disqualified or HR disqualifies the year, then the year is KHTNV', () => {
      const qs = year();
      const q2 = Q(2, { general: 24, disqualified: true }, '2026-04-01', 0.8);
      expect(scoreYear([qs[0] as Score, q2, qs[2] as Score])[0]?.classification).to.equal('KHTNV');
      expect(scoreYear(qs, undefined, { disqualifiedUserIds: ['u-1'] })[0]?.classification).to.equal('KHTNV');
    });

    it('when no quarter was scored, then the year is unscored', () => {
      const [y] = scoreYear([Q(1, { workingDays: 0, general: 20 }, '2026-01-05')]);
      expect(y).to.include({ scored: false, classification: null, total: 0 });
    });

    it('when given a month or quarters of two years, then it is a ValidationError', () => {
      const [m] = scoreUnit([buildOfficial({ general: 20 })], params(), MARCH);
      expect(() => scoreYear([m as Score])).to.throw(ValidationError);
      const q = year()[0] as Score;
      expect(() => scoreYear([q, { ...q, period: '2025-Q4' }])).to.throw(ValidationError);
      expect(() => scoreYear([q, q])).to.throw(ValidationError);
    });

    it('when the quarters were scored with a custom profile, then its thresholds must be passed', () => {
      const custom = validateProfile({ ...ND335, id: 'strict', thresholds: { excellent: 95, good: 80, complete: 60 } });
      const qs = year().map((s) => ({ ...s, profile: { id: 'strict', version: 1 } }));
      expect(() => scoreYear(qs)).to.throw(ValidationError).with.property('field', 'profile');
      expect(scoreYear(qs, { profile: custom })[0]?.classification).to.equal('HTNV');
    });
  });
});
