import { expect } from 'chai';
import { explanationLines } from '../../../src/i18n/explanation-text';
import { applyQuota, positionKey, quotaLimit } from '../../../src/scoring/quota';
import { scoreUnit } from '../../../src/scoring/unit';
import type { EntryInput, OfficialInput, QuotaGroupDef, Score } from '../../../src/scoring/types';
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

    it('when units are mixed in one call under quotaScope unit, then each unit has its own quota', () => {
      const a = unitWith(1);
      const b = unitWith(6).map((o) => ({ ...o, userId: `b-${o.userId}`, unitId: 'unit-b' }));
      const prm = params({ quotaScope: 'unit' });
      const result = applyQuota(scoreUnit([...a, ...b], prm, MARCH), prm, { applyQuota: true });
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

  // ---------------------------------------------------------------- the pool (Decree 335)

  describe('the pool, as Decree 335 words it (quotaScope, quotaGroups)', () => {
    // A = 4800 (10 working days); every official logs 10 clean full days: R = 70, so S = 70 + G.
    function official(userId: string, unitId: string, general: number, extra: Partial<OfficialInput> = {}): OfficialInput {
      return buildOfficial({ userId, unitId, workingDays: 10, general, entries: fullDays(10), ...extra });
    }
    /**
     * The agency: a small unit of 4 where everyone is excellent (S 92), and a large unit of
     * 11 with two excellent (S 95) and nine good (S 80).
     */
    function twoUnits(): OfficialInput[] {
      const list = ['s-1', 's-2', 's-3', 's-4'].map((id) => official(id, 'p-small', 22));
      list.push(official('b-1', 'p-big', 25), official('b-2', 'p-big', 25));
      for (let i = 3; i <= 11; i++) list.push(official(`b-${String(i).padStart(2, '0')}`, 'p-big', 10));
      return list;
    }
    const excellent = (scores: Score[]) => scores.filter((s) => s.classification === 'HTXSNV').map((s) => s.userId).sort();

    it('when one small unit is all excellent, then the agency pool keeps floor(20% of the agency) and the unit pool none of the small unit', () => {
      for (const apply of [false, true]) {
        const agencyPrm = params({ quotaScope: 'agency' });
        const byAgency = applyQuota(scoreUnit(twoUnits(), agencyPrm, MARCH), agencyPrm, { applyQuota: apply });
        // The decree: 15 rated good or better in the agency → 3 keep HTXSNV: the two 95s, then the first 92 by userId.
        expect(only(byAgency, 's-1').explanation.quota).to.deep.include({ eligible: 15, limit: 3, candidates: 6, rank: 3, overQuota: false });
        expect(only(byAgency, 's-2').explanation.quota).to.deep.include({ eligible: 15, limit: 3, candidates: 6, rank: 4, overQuota: true, applied: apply });
        expect(only(byAgency, 's-1').explanation.quota?.pool).to.deep.equal({ scope: 'agency', kind: 'non-leaders', groupId: null, groupName: null, unitId: null, members: 15 });
        if (apply) expect(excellent(byAgency)).to.deep.equal(['b-1', 'b-2', 's-1']);
        expect(byAgency.filter((s) => s.overQuota).map((s) => s.userId).sort()).to.deep.equal(['s-2', 's-3', 's-4']);

        const unitPrm = params({ quotaScope: 'unit' });
        const byUnit = applyQuota(scoreUnit(twoUnits(), unitPrm, MARCH), unitPrm, { applyQuota: apply });
        // The old result: a unit of 4 has floor(0.8) = 0 places, the large unit floor(2.2) = 2.
        expect(only(byUnit, 's-1').explanation.quota).to.deep.include({ eligible: 4, limit: 0, candidates: 4, rank: 1, overQuota: true });
        expect(only(byUnit, 's-1').explanation.quota?.pool).to.deep.equal({ scope: 'unit', kind: 'unit', groupId: null, groupName: null, unitId: 'p-small', members: 4 });
        expect(only(byUnit, 'b-1').explanation.quota).to.deep.include({ eligible: 11, limit: 2, candidates: 2, rank: 1, overQuota: false });
        if (apply) expect(excellent(byUnit)).to.deep.equal(['b-1', 'b-2']);
        expect(byUnit.filter((s) => s.overQuota).map((s) => s.userId).sort()).to.deep.equal(['s-1', 's-2', 's-3', 's-4']);
      }
    });

    it('when only some scores are kept (`keep`), then they are exactly those of the whole result, explanations and quota lines included', () => {
      const groups: QuotaGroupDef[] = [{ id: 'cv', name: 'Chuyên viên', positions: ['Chuyên viên'] }];
      const mixed = [...twoUnits(), official('ld-1', 'p-big', 22, { isLeader: true, position: 'Trưởng phòng' }), official('ld-2', 'p-small', 25, { isLeader: true, position: 'Trưởng phòng' })];
      const keeps: Array<[string, (s: Score) => boolean]> = [
        ['one official at the mark, over the quota', (s) => s.userId === 's-3'],
        ['one official within it', (s) => s.userId === 'b-1'],
        ['one good official', (s) => s.userId === 'b-05'],
        ['one unit', (s) => s.unitId === 'p-small'],
        ['everyone', () => true],
        ['no one', () => false],
      ];
      for (const prm of [params(), params({ quotaScope: 'unit' }), params({ quotaGroups: groups })]) {
        for (const apply of [false, true]) {
          for (const [what, keep] of keeps) {
            const scored = scoreUnit(mixed, prm, MARCH);
            const whole = applyQuota(scored, prm, { applyQuota: apply }).filter(keep);
            const kept = applyQuota(scoreUnit(mixed, prm, MARCH), prm, { applyQuota: apply, keep });
            // JSON builds the explanations (they are lazy) and compares them with their quota lines.
            expect(JSON.stringify(kept), `${what}, scope ${prm.quotaScope ?? 'agency'}, apply ${apply}`).to.equal(JSON.stringify(whole));
            expect(kept.map((s) => explanationLines(s.explanation, 'vi')), what).to.deep.equal(whole.map((s) => explanationLines(s.explanation, 'vi')));
          }
        }
      }
      // The official asked for is ranked among everyone, not among the kept alone.
      const one = applyQuota(scoreUnit(mixed, params(), MARCH), params(), { keep: (s) => s.userId === 's-3' });
      expect(one).to.have.length(1);
      expect(one[0]!.explanation.quota).to.deep.include({ eligible: 15, limit: 3, overQuota: true });
      expect(one[0]!.explanation.quota!.pool).to.deep.include({ kind: 'non-leaders', members: 15 });
    });

    it('when no scope is given, then the pool is the agency (the default setting)', () => {
      const scored = scoreUnit(twoUnits(), params(), MARCH);
      expect(applyQuota(scored, params()).map((s) => s.overQuota)).to.deep.equal(applyQuota(scored, params({ quotaScope: 'agency' })).map((s) => s.overQuota));
      expect(only(applyQuota(scored, params()), 's-1').explanation.quota?.pool.scope).to.equal('agency');
    });

    it('when the agency defines no groups, then leaders and non-leaders are two pools across the units', () => {
      // Five unit leaders, all S 92 (their R blends with their unit's mean R = 70): 5 good → 1 place among leaders.
      const list = twoUnits();
      for (const [id, unit] of [['l-1', 'p-small'], ['l-2', 'p-big'], ['l-3', 'p-big'], ['l-4', 'p-small'], ['l-5', 'p-big']] as const) list.push(official(id, unit, 22, { isLeader: true }));
      const prm = params({ quotaScope: 'agency' });
      const out = applyQuota(scoreUnit(list, prm, MARCH), prm, { applyQuota: true });
      expect(excellent(out)).to.deep.equal(['b-1', 'b-2', 'l-1', 's-1']);
      expect(only(out, 'l-2').explanation.quota).to.deep.include({ eligible: 5, limit: 1, candidates: 5, rank: 2, overQuota: true, applied: true });
      expect(only(out, 'l-2').explanation.quota?.pool).to.deep.include({ kind: 'leaders', members: 5 });
      expect(only(out, 's-1').explanation.quota?.pool).to.deep.include({ kind: 'non-leaders', members: 15 });
    });

    it('when the agency defines groups by position, then each group is a pool, matched trimmed, NFC and case-insensitive, and the rest form one default pool', () => {
      const groups: QuotaGroupDef[] = [
        { id: 'chuyen-vien', name: 'Chuyên viên và tương đương', positions: ['Chuyên viên', 'Chuyên viên chính'] },
        { id: 'lanh-dao', name: 'Lãnh đạo phòng', positions: ['Trưởng phòng', 'Phó Trưởng phòng'] },
      ];
      const list: OfficialInput[] = [];
      // Ten chuyên viên (positions sent in NFD, odd case and spaces): 2 excellent → 10 good → 2 places.
      for (let i = 0; i < 10; i++) list.push(official(`cv-${i}`, i < 5 ? 'p-a' : 'p-b', i < 3 ? 22 : 10, { position: i % 2 ? ' chuyên VIÊN '.normalize('NFD') : 'Chuyên viên chính' }));
      // Five lãnh đạo phòng, all excellent → 1 place.
      for (let i = 0; i < 5; i++) list.push(official(`ld-${i}`, i < 3 ? 'p-a' : 'p-b', 22, { position: i ? 'Phó trưởng phòng' : 'Trưởng phòng', isLeader: true }));
      // Four others (văn thư, lái xe, no position): one excellent, 4 good → no place.
      list.push(official('vt-1', 'p-a', 22, { position: 'Văn thư' }), official('lx-1', 'p-b', 10, { position: 'Lái xe' }), official('np-1', 'p-b', 10), official('np-2', 'p-a', 10));
      const prm = params({ quotaScope: 'agency', quotaGroups: groups });
      const out = applyQuota(scoreUnit(list, prm, MARCH), prm, { applyQuota: true });
      expect(only(out, 'cv-0').explanation.quota).to.deep.include({ eligible: 10, limit: 2, candidates: 3 });
      expect(only(out, 'cv-0').explanation.quota?.pool).to.deep.equal({ scope: 'agency', kind: 'group', groupId: 'chuyen-vien', groupName: 'Chuyên viên và tương đương', unitId: null, members: 10 });
      expect(only(out, 'ld-1').explanation.quota).to.deep.include({ eligible: 5, limit: 1, candidates: 5 });
      expect(only(out, 'ld-1').explanation.quota?.pool).to.deep.include({ kind: 'group', groupId: 'lanh-dao', members: 5 });
      expect(only(out, 'vt-1').explanation.quota).to.deep.include({ eligible: 4, limit: 0, candidates: 1, overQuota: true });
      expect(only(out, 'vt-1').explanation.quota?.pool).to.deep.equal({ scope: 'agency', kind: 'other', groupId: null, groupName: null, unitId: null, members: 4 });
      expect(excellent(out)).to.deep.equal(['cv-0', 'cv-1', 'ld-0']);
      expect(positionKey(' chuyên VIÊN '.normalize('NFD'))).to.equal(positionKey('Chuyên viên'));
    });

    it('when periods are mixed in one call, then each period is a pool of its own', () => {
      const march = twoUnits();
      const april = twoUnits().map((o) => ({ ...o }));
      const prm = params({ quotaScope: 'agency' });
      const scored = [...scoreUnit(march, prm, MARCH), ...scoreUnit(april, prm, MARCH).map((s) => ({ ...s, period: '2026-04' }))];
      const out = applyQuota(scored, prm);
      expect(out.filter((s) => s.period === MARCH && s.overQuota)).to.have.length(3);
      expect(out.filter((s) => s.period === '2026-04' && s.overQuota)).to.have.length(3);
      expect(out.find((s) => s.period === '2026-04' && s.userId === 's-1')?.explanation.quota?.pool.members).to.equal(15);
    });

    it('when the explanation is written, then a line names the pool and its size, in vi and en', () => {
      const groups: QuotaGroupDef[] = [{ id: 'cv', name: 'Chuyên viên', positions: ['Chuyên viên'] }];
      const agency = applyQuota(scoreUnit(twoUnits(), params(), MARCH), params());
      expect(explanationLines(only(agency, 's-2').explanation, 'vi')).to.include('Nhóm xét tỷ lệ HTXSNV: toàn cơ quan, nhóm công chức không giữ chức vụ lãnh đạo (15 người).');
      expect(explanationLines(only(agency, 's-2').explanation, 'en')).to.include('Quota pool: the whole agency, officials without a leading position (15 officials).');
      expect(explanationLines(only(agency, 's-2').explanation, 'vi').some((l) => l.includes('chỉ tiêu 3 (15 người từ HTTNV trở lên); xếp thứ 4: vượt chỉ tiêu'))).to.equal(true);
      const unit = applyQuota(scoreUnit(twoUnits(), params({ quotaScope: 'unit' }), MARCH), params({ quotaScope: 'unit' }));
      expect(explanationLines(only(unit, 's-1').explanation, 'vi')).to.include('Nhóm xét tỷ lệ HTXSNV: phòng, ban p-small (4 người).');
      expect(explanationLines(only(unit, 's-1').explanation, 'en')).to.include('Quota pool: unit p-small (4 officials).');
      const list = twoUnits().map((o, i) => ({ ...o, position: i < 8 ? 'Chuyên viên' : 'Văn thư' }));
      const grouped = applyQuota(scoreUnit(list, params({ quotaGroups: groups }), MARCH), params({ quotaGroups: groups }));
      expect(explanationLines(only(grouped, 's-1').explanation, 'vi')).to.include('Nhóm xét tỷ lệ HTXSNV: toàn cơ quan, nhóm "Chuyên viên" (8 người).');
      // A snapshot closed before the pools existed has no pool: its quota line stays, without a pool line.
      const old = only(agency, 's-2').explanation;
      const { pool: _pool, ...noPool } = old.quota!;
      const lines = explanationLines({ ...old, quota: noPool } as never, 'en');
      expect(lines.some((l) => l.startsWith('Quota pool'))).to.equal(false);
      expect(lines.some((l) => l.includes('ranked 4: over the quota'))).to.equal(true);
    });
  });
});
