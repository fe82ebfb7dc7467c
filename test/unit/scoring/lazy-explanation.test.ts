import { expect } from 'chai';
import { explain } from '../../../src/scoring/explain';
import { pendingExplanation } from '../../../src/scoring/lazy-explanation';
import { applyQuota } from '../../../src/scoring/quota';
import type { EntryInput, OfficialInput, Score } from '../../../src/scoring/types';
import { scoreUnit, scoreUnitDetailed } from '../../../src/scoring/unit';
import { MARCH, buildOfficial, fullDays, only, params } from './fixtures';

/** Explanations built when first read (src/scoring/lazy-explanation.ts): the same object as if built at once. */
describe('scoring/lazy explanations', () => {
  function unit(): OfficialInput[] {
    const list: OfficialInput[] = [];
    const entries = fullDays(10);
    (entries[1] as EntryInput).fails = 1;
    list.push(buildOfficial({ userId: 'u-lead', isLeader: true, workingDays: 10, general: 25, entries: fullDays(10) }));
    list.push(buildOfficial({ userId: 'u-a', workingDays: 10, general: 22, entries }));
    for (let i = 0; i < 8; i++) list.push(buildOfficial({ userId: `u-f${i}`, workingDays: 10, general: 22, entries: fullDays(10, 480 - 20 * i) }));
    return list;
  }

  it('when scores are made, then no explanation is built until one is read, and the one read equals the explanation built at once', () => {
    const officials = unit();
    const detailed = scoreUnitDetailed(officials, params(), MARCH);
    expect(detailed.every((d) => pendingExplanation(d.score) !== null)).to.equal(true);
    detailed.forEach((d, i) => {
      const { explanation: _unused, ...core } = { ...d.score };
      expect(d.score.explanation).to.deep.equal(explain(core, d.internals, officials[i]!.entries));
      expect(pendingExplanation(d.score)).to.equal(null);
    });
  });

  it('when a score is spread, stringified or compared, then its explanation is there, as an own enumerable field, and built once', () => {
    const [s] = scoreUnit(unit(), params(), MARCH) as [Score];
    expect(Object.keys(s)).to.include('explanation');
    const json = JSON.parse(JSON.stringify(s)) as Score;
    expect(json.explanation.kind).to.equal('period');
    expect(s.explanation).to.equal(s.explanation);
    expect({ ...s }.explanation).to.equal(s.explanation);
    expect(Object.getOwnPropertySymbols(json)).to.have.length(0);
  });

  it('when an explanation is assigned before it is read, then the assigned one stays', () => {
    const officials = unit();
    const [s] = scoreUnit(officials, params(), MARCH) as [Score];
    const mine = { ...explain(s, scoreUnitDetailed(officials, params(), MARCH)[0]!.internals), total: -1 };
    s.explanation = mine;
    expect(s.explanation).to.equal(mine);
  });

  it('when the quota is applied to unread scores, then they stay unread, and each one read carries its quota line and class, as when read first', () => {
    const officials = unit();
    const lazy = applyQuota(scoreUnit(officials, params(), MARCH), params(), { applyQuota: true });
    const eager = scoreUnit(officials, params(), MARCH);
    for (const s of eager) void s.explanation;
    const applied = applyQuota(eager, params(), { applyQuota: true });
    expect(lazy.filter((s) => pendingExplanation(s) !== null)).to.have.length(lazy.length);
    for (const s of applied) {
      const l = only(lazy, s.userId);
      expect(l.explanation, s.userId).to.deep.equal(s.explanation);
      expect(l).to.deep.equal(s);
    }
    expect(lazy.some((s) => s.explanation.quota !== null && s.overQuota)).to.equal(true);
  });

  it('when the quota is applied again after a candidate stopped being one, then its unread explanation loses the quota line', () => {
    const once = applyQuota(scoreUnit(unit(), params(), MARCH), params(), {});
    const kept = once.filter((s) => s.classification === 'HTXSNV' && !s.overQuota);
    expect(kept.length).to.be.greaterThan(0);
    // The same objects, now disqualified (as a pool reread after HR's decision would hold them), explanations still unread.
    for (const s of kept) Object.assign(s, { disqualified: true, classification: 'KHTNV' });
    expect(kept.every((s) => pendingExplanation(s) !== null)).to.equal(true);
    const twice = applyQuota(once, params(), {});
    for (const s of kept) expect(only(twice, s.userId).explanation.quota, s.userId).to.equal(null);
  });
});
