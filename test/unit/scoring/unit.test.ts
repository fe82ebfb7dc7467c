import { expect } from 'chai';
import { ValidationError } from '../../../src/domain/errors';
import { mulberry32 } from '../../../src/demo/demo-data';
import { dayTotalsFromEntries } from '../../../src/scoring/day-totals';
import { KH1636, ND335, type ScoringProfile } from '../../../src/scoring/profiles';
import { scoreOwn } from '../../../src/scoring/official';
import { applyQuota } from '../../../src/scoring/quota';
import { scoreUnit, scoreUnitNumbers } from '../../../src/scoring/unit';
import type { Classification, DayTotal, EntryInput, OfficialInput, Score, ScoringParams } from '../../../src/scoring/types';
import { ALL_MARCH, MARCH, allNumbersFinite, buildEntry, buildOfficial, fullDays, only, params, RANDOM_PROFILES } from './fixtures';

/** Scores of whole units (src/scoring/unit.ts): leaders and U, input validation, and properties over random units. */
describe('scoring/unit', () => {
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

  describe('properties over random inputs (seeded)', () => {

    function randomCase(rnd: () => number): { prm: ScoringParams; officials: Array<OfficialInput & { entries: EntryInput[] }> } {
      const int = (n: number): number => Math.floor(rnd() * n);
      const prm = params({ profile: RANDOM_PROFILES[int(RANDOM_PROFILES.length)] as ScoringProfile, capPolicy: rnd() < 0.5 ? 'clip' : 'warn' });
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

    it('when 600 random units are scored without explanations, then every number equals the explained score\'s, before and after the quota', () => {
      const rnd = mulberry32(2025);
      const bare = (s: Score): Omit<Score, 'explanation'> => {
        const { explanation, ...rest } = s;
        expect(explanation).to.be.an('object');
        return rest;
      };
      let over = 0;
      for (let i = 0; i < 600; i++) {
        const { prm, officials } = randomCase(rnd);
        const full = scoreUnit(officials, prm, MARCH);
        const numbers = scoreUnitNumbers(officials, prm, MARCH);
        for (const n of numbers) expect(n).not.to.have.property('explanation');
        expect(numbers).to.deep.equal(full.map(bare));
        for (const applied of [false, true]) {
          const q = applyQuota(numbers, { ...prm, quotaScope: 'unit' }, { applyQuota: applied });
          expect(q).to.deep.equal(applyQuota(full, { ...prm, quotaScope: 'unit' }, { applyQuota: applied }).map(bare));
          over += q.filter((x) => x.overQuota).length;
        }
      }
      expect(over, 'some random units put officials over the quota').to.be.greaterThan(0);
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
