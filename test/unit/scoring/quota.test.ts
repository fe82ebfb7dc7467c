import { expect } from 'chai';
import { applyQuota, quotaLimit } from '../../../src/scoring/quota';
import { scoreUnit } from '../../../src/scoring/unit';
import type { EntryInput, OfficialInput } from '../../../src/scoring/types';
import { MARCH, buildOfficial, fullDays, only, params } from './fixtures';

/** The excellence quota (src/scoring/quota.ts). */
describe('scoring/quota', () => {
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
});
