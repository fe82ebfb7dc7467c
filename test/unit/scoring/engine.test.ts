import { expect } from 'chai';
import { workingDays } from '../../../src/domain/calendar';
import { ValidationError } from '../../../src/domain/errors';
import { daysOf, parsePeriod } from '../../../src/domain/period';
import { mulberry32 } from '../../../src/demo/demo-data';
import {
  BUILTIN_PROFILES,
  KH1636,
  ND335,
  type Classification,
  type DayTotal,
  type EntryInput,
  type OfficialInput,
  type Score,
  type ScoringParams,
  type ScoringProfile,
  applyQuota,
  dayTotalsFromEntries,
  getProfile,
  quotaLimit,
  rankUnits,
  round2,
  scoreOwn,
  scoreUnit,
  scoreYear,
  validateProfile,
} from '../../../src/scoring';

// ---------------------------------------------------------------------------
// Factories

const MARCH = '2026-03';
const MARCH_WD = workingDays('2026-03-01', '2026-03-31', { holidays: [], makeUpDays: [] });

function params(overrides: Partial<ScoringParams> = {}): ScoringParams {
  return { profile: ND335, dailyMinutes: 480, capMinutes: 480, capPolicy: 'clip', ...overrides };
}

let nextId = 1;
function buildEntry(overrides: Partial<EntryInput> = {}): EntryInput {
  return { id: nextId++, day: '2026-03-02', minutes: 60, fails: 0, delays: 0, ...overrides };
}

/** `n` full days of `minutes` on the first weekdays of March 2026. */
function fullDays(n: number, minutes = 480, from = 0): EntryInput[] {
  return MARCH_WD.slice(from, from + n).map((day) => buildEntry({ day, minutes }));
}

function buildOfficial(overrides: Partial<OfficialInput> = {}, prm: ScoringParams = params()): OfficialInput {
  const entries = overrides.entries ?? [];
  return {
    userId: 'u-1',
    unitId: 'unit-a',
    isLeader: false,
    position: null,
    workingDays: 22,
    days: dayTotalsFromEntries(entries, prm),
    assignmentMinutes: 0,
    general: null,
    disqualified: false,
    provisional: false,
    ...overrides,
  };
}

/** The worked example of SCORING.md: 9 600 minutes in March 2026, a 90-minute draft returned once, a 240-minute task late. */
function workedExampleEntries(): EntryInput[] {
  const entries = fullDays(20);
  (entries[0] as EntryInput).minutes = 390;
  (entries[1] as EntryInput).minutes = 240;
  entries.push(buildEntry({ day: MARCH_WD[0], minutes: 90, fails: 1, workItemCode: 'VB-DT' }));
  entries.push(buildEntry({ day: MARCH_WD[1], minutes: 240, delays: 1, late: true, workItemCode: 'NV-HT' }));
  return entries;
}

function only(scores: Score[], userId: string): Score {
  const s = scores.find((x) => x.userId === userId);
  if (!s) throw new Error(`no score for ${userId}`);
  return s;
}


function allNumbersFinite(x: unknown): void {
  const bad: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) bad.push(`${path} = ${v}`);
    } else if (Array.isArray(v)) {
      v.forEach((w, i) => walk(w, `${path}[${i}]`));
    } else if (v && typeof v === 'object') {
      for (const [k, w] of Object.entries(v)) walk(w, `${path}.${k}`);
    }
  };
  walk(x, '$');
  expect(bad).to.deep.equal([]);
}

// ---------------------------------------------------------------------------

describe('scoring/engine', () => {
  describe('the worked example of SCORING.md', () => {
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
      it(`when scored ${how}, then every number matches SCORING.md to the cent`, () => {
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

  describe('leaders', () => {
    // A = 10 × 480 = 4800. m1: 100% → R 70; m2: 50% → R 35; leader: 80% → R_own 56 (nd335) or 40 (kh1636).
    function unit(withMembers: boolean, extra: OfficialInput[] = []): OfficialInput[] {
      const leader = buildOfficial({ userId: 'lead', isLeader: true, workingDays: 10, general: 25, entries: fullDays(8) });
      if (!withMembers) return [leader, ...extra];
      return [
        leader,
        buildOfficial({ userId: 'm1', workingDays: 10, general: 20, entries: fullDays(10) }),
        buildOfficial({ userId: 'm2', workingDays: 10, general: 20, entries: fullDays(5) }),
        // not scored: not in U
        buildOfficial({ userId: 'm3', workingDays: 0, general: 20, entries: fullDays(3) }),
        // another unit: not in U
        buildOfficial({ userId: 'x1', unitId: 'unit-b', workingDays: 10, general: 20, entries: fullDays(1) }),
        ...extra,
      ];
    }
    const cases: Array<{ name: string; profile: ScoringProfile; members: boolean; extra?: OfficialInput[]; general?: number; R: number; own: number; U: number | null; total: number; cls: Classification }> = [
      { name: 'nd335 with scored members', profile: ND335, members: true, R: 54.25, own: 56, U: 52.5, total: 79.25, cls: 'HTTNV' },
      { name: 'nd335 without members', profile: ND335, members: false, R: 56, own: 56, U: null, total: 81, cls: 'HTTNV' },
      {
        name: 'nd335 with only another leader',
        profile: ND335,
        members: false,
        extra: [buildOfficial({ userId: 'deputy', isLeader: true, workingDays: 10, general: 25, entries: fullDays(10) })],
        R: 56,
        own: 56,
        U: null,
        total: 81,
        cls: 'HTTNV',
      },
      {
        name: 'nd335 with a disqualified member (still in U: it judges the work)',
        profile: ND335,
        members: true,
        extra: [buildOfficial({ userId: 'm4', workingDays: 10, general: 0, disqualified: true, entries: [] })],
        // U = (70 + 35 + 0) / 3 = 35; R = 28 + 17.5
        R: 45.5,
        own: 56,
        U: 35,
        total: 70.5,
        cls: 'HTTNV',
      },
      // kh1636: leader's task out of 50: R_own = 40, U = 52.5 × 50/70 = 37.5, R = 38.75; G out of 50
      { name: 'kh1636 with scored members', profile: KH1636, members: true, general: 40, R: 38.75, own: 40, U: 37.5, total: 78.75, cls: 'HTTNV' },
      { name: 'kh1636 without members', profile: KH1636, members: false, general: 50, R: 40, own: 40, U: null, total: 90, cls: 'HTXSNV' },
    ];
    for (const c of cases) {
      it(`when a leader is scored under ${c.name}, then R = ${c.R} and S = ${c.total}`, () => {
        const officials = unit(c.members, c.extra);
        if (c.general !== undefined) (officials[0] as OfficialInput).general = c.general;
        const scores = scoreUnit(officials, params({ profile: c.profile }), MARCH);
        const lead = only(scores, 'lead');
        expect(lead).to.include({ isLeader: true, ownTaskScore: c.own, taskScore: c.R, unitMean: c.U, total: c.total, classification: c.cls });
        expect(lead.taskMax).to.equal(c.profile.leader.taskMax);
        expect(lead.generalMax).to.equal(c.profile.leader.generalMax);
        if (c.members) {
          expect(only(scores, 'm1')).to.include({ taskScore: 70, taskMax: 70, generalMax: 30, unitMean: null });
          expect(only(scores, 'm2').taskScore).to.equal(35);
        }
      });
    }

    it('when a kh1636 leader is given G above 50 or a member G above 30, then it is a ValidationError naming the field', () => {
      const officials = unit(true);
      (officials[0] as OfficialInput).general = 51;
      expect(() => scoreUnit(officials, params({ profile: KH1636 }), MARCH)).to.throw(ValidationError).with.property('field', 'officials[0].general');
      (officials[0] as OfficialInput).general = 50;
      (officials[1] as OfficialInput).general = 31;
      expect(() => scoreUnit(officials, params({ profile: KH1636 }), MARCH)).to.throw(ValidationError).with.property('field', 'officials[1].general');
    });
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

  describe('the excellence quota', () => {
    // A = 4800. R 70 = all clean; R 69.4167 = one 480-minute entry failed once (quality 97.5) or late once (progress 97.5).
    function candidate(userId: string, kind: 'clean' | 'failed' | 'late', general: number): OfficialInput {
      const entries = fullDays(10);
      if (kind === 'failed') (entries[0] as EntryInput).fails = 1;
      if (kind === 'late') (entries[0] as EntryInput).delays = 1;
      return buildOfficial({ userId, workingDays: 10, general, entries });
    }
    function unitWith(fillers: number): OfficialInput[] {
      const list = [
        candidate('u-a', 'clean', 22), // S 92, R 70
        candidate('u-b', 'failed', 22.58), // S 91.9967 → 92.00, R 69.42, quality 97.5
        candidate('u-c', 'late', 22.58), // S 92.00, R 69.42, quality 100
        candidate('u-d', 'clean', 22), // identical to u-a
      ];
      for (let i = 0; i < fillers; i++) list.push(candidate(`f-${String(i).padStart(2, '0')}`, 'clean', 10)); // S 80
      list.push(candidate('z-disq', 'clean', 28)); // S 98 but disqualified: not eligible, not a candidate
      (list[list.length - 1] as OfficialInput).disqualified = true;
      list.push(candidate('z-noG', 'clean', 0)); // G missing: not eligible
      (list[list.length - 1] as OfficialInput).general = null;
      return list;
    }
    const cases: Array<{ fillers: number; limit: number; keep: string[]; over: string[]; why: string }> = [
      { fillers: 0, limit: 0, keep: [], over: ['u-a', 'u-b', 'u-c', 'u-d'], why: 'fewer than 5 rated good: nobody' },
      { fillers: 1, limit: 1, keep: ['u-a'], over: ['u-b', 'u-c', 'u-d'], why: 'a full tie at the cut goes to the lower userId' },
      { fillers: 6, limit: 2, keep: ['u-a', 'u-d'], over: ['u-b', 'u-c'], why: 'a tie on S at the cut goes to the higher R' },
      { fillers: 11, limit: 3, keep: ['u-a', 'u-c', 'u-d'], over: ['u-b'], why: 'a tie on S and R at the cut goes to the higher quality' },
      { fillers: 16, limit: 4, keep: ['u-a', 'u-b', 'u-c', 'u-d'], over: [], why: 'room for all' },
    ];
    for (const c of cases) {
      for (const apply of [false, true]) {
        it(`when ${c.fillers + 4} are rated good or better and the quota is ${apply ? 'applied' : 'only flagged'}, then ${c.why}`, () => {
          const scored = scoreUnit(unitWith(c.fillers), params(), MARCH);
          for (const u of ['u-a', 'u-b', 'u-c', 'u-d']) expect(only(scored, u).total).to.equal(92);
          const once = applyQuota(scored, params(), { applyQuota: apply });
          const reversed = applyQuota([...scored].reverse(), params(), { applyQuota: apply });
          for (const result of [once, reversed]) {
            for (const u of c.keep) expect(only(result, u), u).to.include({ classification: 'HTXSNV', overQuota: false });
            for (const u of c.over) expect(only(result, u), u).to.include({ classification: apply ? 'HTTNV' : 'HTXSNV', overQuota: true });
            expect(only(result, 'z-disq')).to.include({ classification: 'KHTNV', overQuota: false });
            expect(only(result, 'z-noG')).to.include({ classification: null, overQuota: false });
            const q = only(result, 'u-a').explanation.quota;
            expect(q).to.include({ eligible: c.fillers + 4, limit: c.limit, candidates: 4 });
            if (apply) expect(result.filter((s) => s.classification === 'HTXSNV')).to.have.length(c.limit);
          }
          // the input is not mutated, and a second application changes nothing
          expect(scored.every((s) => !s.overQuota)).to.equal(true);
          expect(applyQuota(once, params(), { applyQuota: apply }).map((s) => [s.userId, s.classification, s.overQuota])).to.deep.equal(
            once.map((s) => [s.userId, s.classification, s.overQuota]),
          );
        });
      }
    }

    it('when the quota was flagged and is then applied, then the same officials become HTTNV', () => {
      const flagged = applyQuota(scoreUnit(unitWith(6), params(), MARCH), params());
      const applied = applyQuota(flagged, params(), { applyQuota: true });
      expect(applied.filter((s) => s.overQuota).map((s) => s.userId).sort()).to.deep.equal(['u-b', 'u-c']);
      expect(applied.filter((s) => s.overQuota).every((s) => s.classification === 'HTTNV')).to.equal(true);
    });

    it('when units are mixed in one call, then each unit has its own quota', () => {
      const a = unitWith(1);
      const b = unitWith(6).map((o) => ({ ...o, userId: `b-${o.userId}`, unitId: 'unit-b' }));
      const result = applyQuota(scoreUnit([...a, ...b], params(), MARCH), params(), { applyQuota: true });
      expect(result.filter((s) => s.unitId === 'unit-a' && s.classification === 'HTXSNV')).to.have.length(1);
      expect(result.filter((s) => s.unitId === 'unit-b' && s.classification === 'HTXSNV')).to.have.length(2);
    });

    const limits: Array<[number, number, number]> = [
      [0.2, 4, 0],
      [0.2, 5, 1],
      [0.2, 9, 1],
      [0.2, 10, 2],
      [0.2, 35, 7],
      [0.1, 30, 3],
      [0.3, 10, 3],
      [0.7, 10, 7],
    ];
    for (const [ratio, n, want] of limits) {
      it(`when the ratio is ${ratio} of ${n}, then the limit is ${want} (floor, free of binary noise)`, () => {
        expect(quotaLimit(ratio, n)).to.equal(want);
      });
    }
  });

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

  describe('ranking of units', () => {
    function scores(): Score[] {
      return scoreUnit(
        [
          buildOfficial({ userId: 'a1', unitId: 'A', workingDays: 10, general: 20, entries: fullDays(10) }), // 90
          buildOfficial({ userId: 'a2', unitId: 'A', workingDays: 10, general: 20, entries: fullDays(5) }), // 55
          buildOfficial({ userId: 'a3', unitId: 'A', workingDays: 0, general: 20, entries: [] }), // unscored
          buildOfficial({ userId: 'b1', unitId: 'B', workingDays: 10, general: null, entries: fullDays(10) }), // R 70 (G missing)
          buildOfficial({ userId: 'c1', unitId: 'C', workingDays: 10, general: 30, entries: fullDays(10) }), // 100
          buildOfficial({ userId: 'd1', unitId: 'D', workingDays: 0, general: 30, entries: [] }), // unscored
        ],
        params(),
        MARCH,
      );
    }
    it('when ranking highest first, then C, A, B, and a unit with nobody scored comes last', () => {
      const r = rankUnits(scores());
      expect(r.map((u) => [u.unitId, u.mean, u.rank, u.scoredCount, u.officialCount, u.incomplete])).to.deep.equal([
        ['C', 100, 1, 1, 1, false],
        ['A', 72.5, 2, 2, 3, false],
        ['B', 70, 3, 1, 1, true],
        ['D', null, null, 0, 1, false],
      ]);
    });
    it('when ranking lowest first, then B, A, C, and a unit with nobody scored still comes last', () => {
      expect(rankUnits(scores(), { lowestFirst: true }).map((u) => u.unitId)).to.deep.equal(['B', 'A', 'C', 'D']);
    });
    it('when scores of two periods are mixed, then it is a ValidationError', () => {
      const s = scores();
      expect(() => rankUnits([...s, { ...(s[0] as Score), period: '2026-04' }])).to.throw(ValidationError);
    });
  });

  describe('profiles', () => {
    it('when reading the built-in profiles, then every number of SCORING.md is there', () => {
      for (const p of [ND335, KH1636]) {
        expect(p.version).to.equal(1);
        expect(p).to.include({ taskMax: 70, generalMax: 30, failPenalty: 0.25, delayPenalty: 0.25, leaderAlpha: 0.5, quotaRatio: 0.2, assignedBasis: 'norm', defaultNormRatio: 1 });
        expect(p.weights).to.deep.equal({ quantity: 1 / 3, quality: 1 / 3, progress: 1 / 3 });
        expect(p.thresholds).to.deep.equal({ excellent: 90, good: 70, complete: 50 });
        expect(validateProfile(p)).to.deep.equal(p);
        expect(Object.isFrozen(p) && Object.isFrozen(p.weights)).to.equal(true);
      }
      expect(ND335.leader).to.deep.equal({ taskMax: 70, generalMax: 30 });
      expect(KH1636.leader).to.deep.equal({ taskMax: 50, generalMax: 50 });
      expect(Object.keys(BUILTIN_PROFILES).sort()).to.deep.equal(['kh1636', 'nd335']);
      expect(getProfile('kh1636')).to.equal(KH1636);
    });

    it('when asking for an unknown profile, then it is a ValidationError on "profile"; a custom one is found', () => {
      expect(() => getProfile('nd999')).to.throw(ValidationError).with.property('field', 'profile');
      const custom = validateProfile({ ...ND335, id: 'mine' });
      expect(getProfile('mine', [custom])).to.equal(custom);
    });

    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['weights that do not sum to 1', { weights: { quantity: 0.5, quality: 0.5, progress: 0.5 } }, 'profile.weights'],
      ['a negative weight', { weights: { quantity: -0.5, quality: 0.75, progress: 0.75 } }, 'profile.weights.quantity'],
      ['a fail penalty above 1', { failPenalty: 1.5 }, 'profile.failPenalty'],
      ['a delay penalty that is a string', { delayPenalty: '0.25' }, 'profile.delayPenalty'],
      ['α above 1', { leaderAlpha: 2 }, 'profile.leaderAlpha'],
      ['thresholds out of order', { thresholds: { excellent: 90, good: 95, complete: 50 } }, 'profile.thresholds.good'],
      ['an unknown key', { failPenalt: 0.2 }, 'profile.failPenalt'],
      ['an unknown basis', { assignedBasis: 'hours' }, 'profile.assignedBasis'],
      ['a zero norm ratio', { normRatios: { 'pho-phong': 0 } }, 'profile.normRatios.pho-phong'],
      ['version 0', { version: 0 }, 'profile.version'],
      ['an id with spaces', { id: 'my profile' }, 'profile.id'],
      ['a zero task maximum', { taskMax: 0 }, 'profile.taskMax'],
      ['a leader without general maximum', { leader: { taskMax: 50 } }, 'profile.leader.generalMax'],
      ['a quota ratio above 1', { quotaRatio: 1.2 }, 'profile.quotaRatio'],
    ];
    for (const [what, patch, field] of bad) {
      it(`when a custom profile has ${what}, then validateProfile names ${field}`, () => {
        expect(() => validateProfile({ ...ND335, id: 'custom', ...patch })).to.throw(ValidationError).with.property('field', field);
      });
    }

    it('when the engine is given an invalid profile or parameter, then it is a ValidationError naming it', () => {
      const o = [buildOfficial()];
      expect(() => scoreUnit(o, params({ profile: { ...ND335, failPenalty: -1 } }), MARCH)).to.throw(ValidationError).with.property('field', 'profile.failPenalty');
      expect(() => scoreUnit(o, params({ capPolicy: 'cut' as 'clip' }), MARCH)).to.throw(ValidationError).with.property('field', 'capPolicy');
      expect(() => scoreUnit(o, params({ capMinutes: 0 }), MARCH)).to.throw(ValidationError).with.property('field', 'capMinutes');
      expect(() => scoreUnit(o, params(), '2026-13')).to.throw(ValidationError).with.property('field', 'period');
    });
  });

  describe('input validation', () => {
    const cases: Array<[string, () => OfficialInput[], string]> = [
      ['negative minutes on a day', () => [buildOfficial({ days: [{ day: '2026-03-02', m: -1, ml: 0, mt: 0, count: 1 }] })], 'officials[0].days[0].m'],
      ['a day that is not a day', () => [buildOfficial({ days: [{ day: '2026-03-32', m: 1, ml: 1, mt: 1, count: 1 }] })], 'officials[0].days[0].day'],
      ['NaN minutes', () => [buildOfficial({ days: [{ day: '2026-03-02', m: Number.NaN, ml: 0, mt: 0, count: 1 }] })], 'officials[0].days[0].m'],
      ['fractional working days', () => [buildOfficial({ workingDays: 2.5 })], 'officials[0].workingDays'],
      ['a duplicate official', () => [buildOfficial(), buildOfficial()], 'officials[1].userId'],
      ['a negative G', () => [buildOfficial({ general: -1 })], 'officials[0].general'],
    ];
    for (const [what, make, field] of cases) {
      it(`when an official has ${what}, then it is a ValidationError on ${field}`, () => {
        expect(() => scoreUnit(make(), params(), MARCH)).to.throw(ValidationError).with.property('field', field);
      });
    }

    it('when an entry has negative fails, then dayTotalsFromEntries refuses it', () => {
      expect(() => dayTotalsFromEntries([buildEntry({ fails: -1 })], params())).to.throw(ValidationError).with.property('field', 'entries[0].fails');
    });

    it('when the same day comes in two rows, then they are merged before the cap', () => {
      const days: DayTotal[] = [
        { day: '2026-03-02', m: 300, ml: 300, mt: 300, count: 1 },
        { day: '2026-03-02', m: 300, ml: 300, mt: 300, count: 1 },
      ];
      const own = scoreOwn(buildOfficial({ days }), params());
      expect(own.C).to.equal(480);
      expect(own.capWarnings).to.have.length(1);
    });
  });

  // -------------------------------------------------------------------------
  describe('properties over random inputs (seeded)', () => {
    const PROFILES: ScoringProfile[] = [
      ND335,
      KH1636,
      validateProfile({ ...ND335, id: 'by-max', assignedBasis: 'max', normRatios: { 'pho-phong': 0.8 } }),
      validateProfile({ ...ND335, id: 'weighted', assignedBasis: 'assignments', weights: { quantity: 0.5, quality: 0.25, progress: 0.25 } }),
    ];
    const ALL_MARCH = daysOf(parsePeriod(MARCH));

    function randomCase(rnd: () => number): { prm: ScoringParams; officials: Array<OfficialInput & { entries: EntryInput[] }> } {
      const int = (n: number): number => Math.floor(rnd() * n);
      const prm = params({ profile: PROFILES[int(PROFILES.length)] as ScoringProfile, capPolicy: rnd() < 0.5 ? 'clip' : 'warn' });
      const n = 1 + int(6);
      const officials: Array<OfficialInput & { entries: EntryInput[] }> = [];
      for (let k = 0; k < n; k++) {
        const isLeader = (k === 0 && rnd() < 0.6) || rnd() < 0.1;
        const entries: EntryInput[] = [];
        const count = int(30);
        for (let j = 0; j < count; j++) {
          entries.push(
            buildEntry({
              day: ALL_MARCH[int(ALL_MARCH.length)] as string,
              minutes: rnd() < 0.05 ? 0 : Math.round(rnd() * 4000) / 10,
              fails: rnd() < 0.7 ? 0 : 1 + int(5),
              delays: rnd() < 0.7 ? 0 : 1 + int(5),
            }),
          );
        }
        const gmax = isLeader ? prm.profile.leader.generalMax : prm.profile.generalMax;
        const o = buildOfficial(
          {
            userId: `u-${k}`,
            unitId: rnd() < 0.85 ? 'unit-a' : 'unit-b',
            isLeader,
            position: rnd() < 0.3 ? 'pho-phong' : null,
            workingDays: rnd() < 0.05 ? 0 : 15 + int(9),
            assignmentMinutes: int(12000),
            general: rnd() < 0.15 ? null : Math.round(rnd() * gmax * 100) / 100,
            disqualified: rnd() < 0.05,
            provisional: rnd() < 0.2,
            entries,
          },
          prm,
        );
        officials.push(o as OfficialInput & { entries: EntryInput[] });
      }
      return { prm, officials };
    }

    it('when 600 random units are scored, then every percentage is in [0, 100] and every number is finite and in range', () => {
      const rnd = mulberry32(335);
      for (let i = 0; i < 600; i++) {
        const { prm, officials } = randomCase(rnd);
        for (const s of scoreUnit(officials, prm, MARCH)) {
          for (const k of ['quantityPct', 'qualityPct', 'progressPct'] as const) expect(s[k]).to.be.within(0, 100);
          expect(s.taskScore).to.be.within(0, s.taskMax);
          expect(s.total).to.be.within(0, s.taskMax + s.generalMax);
          expect(s.qualityMinutes).to.be.at.most(s.completedMinutes);
          expect(s.progressMinutes).to.be.at.most(s.completedMinutes);
          if (!s.scored) expect([s.quantityPct, s.taskScore]).to.deep.equal([0, 0]);
          if (s.disqualified) expect(s.classification).to.equal('KHTNV');
          else if (s.incomplete || !s.scored) expect(s.classification).to.equal(null);
          allNumbersFinite(s);
        }
      }
    });

    it('when an approved, on-time, error-free entry is added on a day under the cap (600 cases), then no score goes down', () => {
      const rnd = mulberry32(1636);
      for (let i = 0; i < 600; i++) {
        const { prm, officials } = randomCase(rnd);
        const before = scoreUnit(officials, prm, MARCH);
        const k = Math.floor(rnd() * officials.length);
        const target = officials[k] as OfficialInput & { entries: EntryInput[] };
        const raw = new Map(target.days.map((d) => [d.day, d.m] as const));
        const underCap = ALL_MARCH.filter((d) => (raw.get(d) ?? 0) < prm.capMinutes);
        const day = underCap[Math.floor(rnd() * underCap.length)] as string;
        const added = buildEntry({ day, minutes: 1 + Math.floor(rnd() * 480), fails: 0, delays: 0 });
        const entries = [...target.entries, added];
        const changed = officials.map((o, j) => (j === k ? { ...o, entries, days: dayTotalsFromEntries(entries, prm) } : o));
        const after = scoreUnit(changed, prm, MARCH);
        before.forEach((b, j) => {
          const a = after[j] as Score;
          const ctx = `case ${i}, official ${b.userId}`;
          expect(a.total, ctx).to.be.at.least(b.total);
          expect(a.taskScore, ctx).to.be.at.least(b.taskScore);
          expect(a.ownTaskScore, ctx).to.be.at.least(b.ownTaskScore);
          expect(a.quantityPct, ctx).to.be.at.least(b.quantityPct);
          expect(a.qualityPct, ctx).to.be.at.least(b.qualityPct);
          expect(a.progressPct, ctx).to.be.at.least(b.progressPct);
        });
        expect((after[k] as Score).completedMinutes).to.be.at.least((before[k] as Score).completedMinutes);
      }
    });

    it('when the quota is applied to 600 random units, then HTXSNV never exceeds floor(ratio × rated good) and the kept ones outrank the rest', () => {
      const rnd = mulberry32(2025);
      for (let i = 0; i < 600; i++) {
        const prm = params();
        const n = 1 + Math.floor(rnd() * 25);
        const officials: OfficialInput[] = [];
        for (let k = 0; k < n; k++) {
          // few distinct values so that ties are frequent
          const daysWorked = 7 + Math.floor(rnd() * 4);
          officials.push(
            buildOfficial({ userId: `u-${String(Math.floor(rnd() * 1e6))}-${k}`, workingDays: 10, general: [18, 20, 22, 25, 30][Math.floor(rnd() * 5)] as number, disqualified: rnd() < 0.05, entries: fullDays(daysWorked) }),
          );
        }
        const scored = scoreUnit(officials, prm, MARCH);
        const result = applyQuota(scored, prm, { applyQuota: true });
        const eligible = scored.filter((s) => s.classification === 'HTXSNV' || s.classification === 'HTTNV').length;
        const excellent = result.filter((s) => s.classification === 'HTXSNV');
        expect(excellent.length).to.be.at.most(Math.floor((eligible * 2) / 10));
        expect(excellent.length).to.equal(Math.min(Math.floor((eligible * 2) / 10), scored.filter((s) => s.classification === 'HTXSNV').length));
        for (const kept of excellent) {
          for (const over of result.filter((s) => s.overQuota)) {
            const better = kept.total > over.total || (kept.total === over.total && (kept.taskScore > over.taskScore || (kept.taskScore === over.taskScore && (kept.qualityPct > over.qualityPct || (kept.qualityPct === over.qualityPct && kept.userId < over.userId)))));
            expect(better, `${kept.userId} vs ${over.userId}`).to.equal(true);
          }
        }
      }
    });
  });
});
