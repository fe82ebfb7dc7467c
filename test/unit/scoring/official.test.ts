import { expect } from 'chai';
import { round2 } from '../../../src/scoring/rounding';
import { ND335, type ScoringProfile, validateProfile } from '../../../src/scoring/profiles';
import { scoreOwn } from '../../../src/scoring/official';
import { scoreUnit } from '../../../src/scoring/unit';
import type { Classification, DayTotal, EntryInput, OfficialInput, ScoringParams } from '../../../src/scoring/types';
import { MARCH, MARCH_WD, allNumbersFinite, buildEntry, buildOfficial, fullDays, params, workedExampleEntries } from './fixtures';

/** One official's numbers (src/scoring/official.ts, day-totals.ts), scored through scoreUnit and scoreOwn: the worked example, the daily cap, fails and delays, A, A = 0, missing G. */
describe('scoring/official', () => {
  describe('the worked example of docs/hr.md', () => {
    const paths: Array<[string, () => OfficialInput]> = [
      ['from plain entries', () => buildOfficial({ general: 27, entries: workedExampleEntries() })],
      [
        'from per-day totals as the database aggregates them',
        () => {
          const days: DayTotal[] = MARCH_WD.slice(0, 20).map((day) => ({ day, m: 480, ml: 480, mt: 480, count: 1 }));
          days[0] = { day: MARCH_WD[0] as string, m: 480, ml: 390 + 90 * 0.75, mt: 480, count: 2 };
          days[1] = { day: MARCH_WD[1] as string, m: 480, ml: 480, mt: 240 + 240 * 0.75, count: 2 };
          return buildOfficial({ general: 27, days });
        },
      ],
    ];
    for (const [how, make] of paths) {
      it(`when scored ${how}, then every number matches docs/hr.md to the cent`, () => {
        const [s] = scoreUnit([make()], params(), MARCH);
        expect(s).to.include({
          period: '2026-03',
          workingDays: 22,
          assignedMinutes: 10560,
          completedMinutes: 9600,
          qualityMinutes: 9577.5,
          progressMinutes: 9540,
          quantityPct: 90.91,
          qualityPct: 90.7,
          progressPct: 90.34,
          ownTaskScore: 63.45,
          taskScore: 63.45,
          generalScore: 27,
          total: 90.45,
          classification: 'HTXSNV',
          overQuota: false,
          scored: true,
          incomplete: false,
          disqualified: false,
          provisional: false,
        });
        expect(s?.profile).to.deep.equal({ id: 'nd335', version: 1 });
        expect(s?.capWarnings).to.deep.equal([]);
      });
    }

    it('when only scoreOwn is asked, then it gives A, C, CL, CT at full precision', () => {
      const own = scoreOwn(buildOfficial({ general: 27, entries: workedExampleEntries() }), params());
      expect(own.assigned.minutes).to.equal(10560);
      expect(own.C).to.equal(9600);
      expect(own.CL).to.equal(9577.5);
      expect(own.CT).to.equal(9540);
      expect(own.quantityPct).to.be.closeTo(90.909090909, 1e-8);
      expect(own.ownTaskScore).to.be.closeTo(63.4540719697, 1e-9);
      expect(own.scored).to.equal(true);
    });
  });

  describe('the daily cap', () => {
    // 10 full days plus one day of 300 + 300 minutes, the first 300 failed once.
    function entries(): EntryInput[] {
      return [...fullDays(10), buildEntry({ day: MARCH_WD[10], minutes: 300, fails: 1 }), buildEntry({ day: MARCH_WD[10], minutes: 300 })];
    }
    const cases: Array<{ policy: 'clip' | 'warn'; C: number; CL: number; quantity: number; quality: number; factor: number }> = [
      // clip: the 600-minute day counts 480; CL of that day = (225 + 300) × 480/600 = 420
      { policy: 'clip', C: 5280, CL: 5220, quantity: 50, quality: 49.43, factor: 0.8 },
      // warn: nothing is scaled
      { policy: 'warn', C: 5400, CL: 5325, quantity: 51.14, quality: 50.43, factor: 1 },
    ];
    for (const c of cases) {
      it(`when a day holds 600 minutes under "${c.policy}", then C = ${c.C}, CL = ${c.CL} and the day is listed as a warning`, () => {
        const [s] = scoreUnit([buildOfficial({ general: 20, entries: entries() })], params({ capPolicy: c.policy }), MARCH);
        expect(s?.completedMinutes).to.equal(c.C);
        expect(s?.qualityMinutes).to.equal(c.CL);
        expect(s?.progressMinutes).to.equal(c.C);
        expect(s?.quantityPct).to.equal(c.quantity);
        expect(s?.qualityPct).to.equal(c.quality);
        expect(s?.capWarnings).to.deep.equal([{ day: MARCH_WD[10], minutes: 600, capMinutes: 480, clipped: c.policy === 'clip', factor: c.factor }]);
      });
    }

    it('when a day holds exactly the cap, then there is no warning and nothing is scaled', () => {
      const [s] = scoreUnit([buildOfficial({ entries: [buildEntry({ minutes: 240 }), buildEntry({ minutes: 240 })] })], params(), MARCH);
      expect(s?.capWarnings).to.deep.equal([]);
      expect(s?.completedMinutes).to.equal(480);
    });

    it('when the cap is lower than the working day, then the configured cap is used', () => {
      const [s] = scoreUnit([buildOfficial({ entries: [buildEntry({ minutes: 450 })] })], params({ capMinutes: 400 }), MARCH);
      expect(s?.completedMinutes).to.equal(400);
      expect(s?.capWarnings[0]).to.include({ minutes: 450, capMinutes: 400, clipped: true });
    });
  });

  describe('fails and delays', () => {
    // One working day (A = 480), one 480-minute entry: the counts arrive already without excused events.
    const cases: Array<{ name: string; fails: number; delays: number; quality: number; progress: number }> = [
      { name: 'clean work', fails: 0, delays: 0, quality: 100, progress: 100 },
      { name: 'one failed assessment', fails: 1, delays: 0, quality: 75, progress: 100 },
      { name: 'two failed assessments', fails: 2, delays: 0, quality: 50, progress: 100 },
      { name: 'three failed assessments', fails: 3, delays: 0, quality: 25, progress: 100 },
      { name: 'four failed assessments', fails: 4, delays: 0, quality: 0, progress: 100 },
      { name: 'five failed assessments (never negative)', fails: 5, delays: 0, quality: 0, progress: 100 },
      { name: 'one non-excused extension', fails: 0, delays: 1, quality: 100, progress: 75 },
      { name: 'an extension and a late completion', fails: 0, delays: 2, quality: 100, progress: 50 },
      { name: 'an excused extension then on-time completion (delays 0)', fails: 0, delays: 0, quality: 100, progress: 100 },
      { name: 'seven delays (never negative)', fails: 0, delays: 7, quality: 100, progress: 0 },
      { name: 'both', fails: 1, delays: 3, quality: 75, progress: 25 },
    ];
    for (const c of cases) {
      it(`when the entry has ${c.name}, then quality is ${c.quality}% and progress ${c.progress}%`, () => {
        const o = buildOfficial({ workingDays: 1, general: 30, entries: [buildEntry({ minutes: 480, fails: c.fails, delays: c.delays })] });
        const [s] = scoreUnit([o], params(), MARCH);
        expect(s?.quantityPct).to.equal(100);
        expect(s?.qualityPct).to.equal(c.quality);
        expect(s?.progressPct).to.equal(c.progress);
        expect(s?.taskScore).to.equal(round2((70 * (100 + c.quality + c.progress)) / 300));
      });
    }

    it('when the late flag is set without a delay count, then it changes nothing (the +1 belongs in delays)', () => {
      const [a] = scoreUnit([buildOfficial({ workingDays: 1, entries: [buildEntry({ minutes: 480, late: true })] })], params(), MARCH);
      expect(a?.progressPct).to.equal(100);
    });
  });

  describe('assigned minutes A', () => {
    const custom = (basis: 'norm' | 'assignments' | 'max'): ScoringProfile =>
      validateProfile({ ...ND335, id: `c-${basis}`, assignedBasis: basis, normRatios: { 'pho-phong': 0.8 } });
    const cases: Array<{ basis: 'norm' | 'assignments' | 'max'; position: string | null; assignments: number; A: number }> = [
      { basis: 'norm', position: null, assignments: 4000, A: 4800 },
      { basis: 'norm', position: 'pho-phong', assignments: 4000, A: 3840 },
      { basis: 'assignments', position: null, assignments: 4000, A: 4000 },
      { basis: 'max', position: null, assignments: 4000, A: 4800 },
      { basis: 'max', position: 'pho-phong', assignments: 4000, A: 4000 },
      { basis: 'max', position: 'pho-phong', assignments: 3000, A: 3840 },
    ];
    for (const c of cases) {
      it(`when the basis is ${c.basis}, the position ${String(c.position)} and assignments ${c.assignments}, then A = ${c.A}`, () => {
        const o = buildOfficial({ workingDays: 10, position: c.position, assignmentMinutes: c.assignments, entries: fullDays(8) });
        const [s] = scoreUnit([o], params({ profile: custom(c.basis) }), MARCH);
        expect(s?.assignedMinutes).to.equal(c.A);
        expect(s?.quantityPct).to.equal(round2(Math.min(100, (100 * 3840) / c.A)));
      });
    }
  });

  describe('A = 0 (not scored)', () => {
    const cases: Array<{ name: string; o: Partial<OfficialInput>; prm?: Partial<ScoringParams>; classification: Classification | null }> = [
      { name: 'no working day', o: { workingDays: 0, general: 28 }, classification: null },
      { name: 'no working day and disqualified', o: { workingDays: 0, general: 28, disqualified: true }, classification: 'KHTNV' },
      {
        name: 'the assignments basis and nothing assigned',
        o: { workingDays: 22, assignmentMinutes: 0, general: 28 },
        prm: { profile: validateProfile({ ...ND335, id: 'by-assignments', assignedBasis: 'assignments' }) },
        classification: null,
      },
    ];
    for (const c of cases) {
      it(`when there is ${c.name}, then the official is shown unscored with 0%, never NaN`, () => {
        const [s] = scoreUnit([buildOfficial({ entries: fullDays(5), ...c.o })], params(c.prm), MARCH);
        expect(s).to.include({ scored: false, quantityPct: 0, qualityPct: 0, progressPct: 0, ownTaskScore: 0, taskScore: 0, assignedMinutes: 0, completedMinutes: 2400 });
        expect(s?.classification).to.equal(c.classification);
        allNumbersFinite(s);
      });
    }
  });

  describe('missing G and disqualification', () => {
    const cases: Array<{ name: string; o: Partial<OfficialInput>; total: number; general: number | null; cls: Classification | null; incomplete: boolean }> = [
      { name: 'G is missing', o: { general: null }, total: 63.45, general: null, cls: null, incomplete: true },
      { name: 'G is missing and the official is disqualified', o: { general: null, disqualified: true }, total: 63.45, general: null, cls: 'KHTNV', incomplete: true },
      { name: 'the official is disqualified with S = 90.45', o: { general: 27, disqualified: true }, total: 90.45, general: 27, cls: 'KHTNV', incomplete: false },
      { name: 'G is 0', o: { general: 0 }, total: 63.45, general: 0, cls: 'HTNV', incomplete: false },
      { name: 'G is 6.5', o: { general: 6.5 }, total: 69.95, general: 6.5, cls: 'HTNV', incomplete: false },
      { name: 'G is 6.55 (S = 70.0041, rounded 70)', o: { general: 6.55 }, total: 70, general: 6.55, cls: 'HTTNV', incomplete: false },
    ];
    for (const c of cases) {
      it(`when ${c.name}, then total ${c.total}, class ${String(c.cls)}`, () => {
        const [s] = scoreUnit([buildOfficial({ entries: workedExampleEntries(), ...c.o })], params(), MARCH);
        expect(s).to.include({ total: c.total, generalScore: c.general, classification: c.cls, incomplete: c.incomplete });
      });
    }

    it('when the total rounds up to a threshold, then the class follows the rounded S (89.995 → 90)', () => {
      // R = 63.454071969…; G = 26.541 → S = 89.995071… → 90.00 → HTXSNV
      const [s] = scoreUnit([buildOfficial({ entries: workedExampleEntries(), general: 26.541 })], params(), MARCH);
      expect(s?.total).to.equal(90);
      expect(s?.classification).to.equal('HTXSNV');
    });
  });
});
