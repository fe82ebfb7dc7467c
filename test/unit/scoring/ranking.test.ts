import { expect } from 'chai';
import { ValidationError } from '../../../src/domain/errors';
import { rankUnits } from '../../../src/scoring/ranking';
import { scoreUnit } from '../../../src/scoring/unit';
import type { Score } from '../../../src/scoring/types';
import { MARCH, buildOfficial, fullDays, params } from './fixtures';

/** The ranking of units (src/scoring/ranking.ts). */
describe('scoring/ranking', () => {
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
});
