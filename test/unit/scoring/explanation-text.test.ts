import { expect } from 'chai';
import { workingDays } from '../../../src/domain/calendar';
import { parsePeriod } from '../../../src/domain/period';
import { explanationLines, withExplanationText } from '../../../src/i18n/explanation-text';
import { formatNumber, formatVi } from '../../../src/i18n/i18n';
import { scoreUnit } from '../../../src/scoring/unit';
import { scoreYear } from '../../../src/scoring/year';
import type { PeriodExplanation, Score } from '../../../src/scoring/types';
import { MARCH, buildEntry, buildOfficial, en, params, vi, workedExample } from './fixtures';

/** The explanation's sentences at the edge (src/i18n/explanation-text.ts) and the Vietnamese number style they use. */
describe('i18n/explanation-text', () => {
  describe('formatVi (i18n)', () => {
    const cases: Array<[number, string, number?, boolean?]> = [
      [9577.5, '9 577,50'],
      [10560, '10 560'],
      [9600, '9 600'],
      [90.9090909, '90,91'],
      [90.7, '90,70'],
      [1234567.891, '1 234 567,89'],
      [999.995, '1 000'],
      [100, '100'],
      [0, '0'],
      [-2.675, '-2,68'],
      [0.25, '0,25', 4, true],
      [0.5, '0,5', 4, true],
      [1 / 3, '0,3333', 4, true],
      [480, '480', 4, true],
    ];
    for (const [x, want, decimals, trim] of cases) {
      it(`when formatting ${x}, then it reads "${want}"`, () => {
        expect(formatVi(x, decimals, trim)).to.equal(want);
      });
    }
  });

  it('when factors are formatted with trim, then vi and en drop the trailing zeros alike', () => {
    expect([0.25, 0.5, 1 / 3, 480, 0.9].map((x) => formatNumber('vi', x, 4, true))).to.deep.equal(['0,25', '0,5', '0,3333', '480', '0,9']);
    expect([0.25, 0.5, 1 / 3, 480, 0.9].map((x) => formatNumber('en', x, 4, true))).to.deep.equal(['0.25', '0.5', '0.3333', '480', '0.9']);
    expect(formatNumber('en', 9577.5)).to.equal('9,577.50');
  });

  describe('withExplanationText (the score JSON)', () => {
    const [s] = scoreUnit([workedExample()], params(), MARCH);
    const score = s as Score;

    it('when a score is written for JSON, then its explanation carries the lines and the formula, and the engine\'s score is left as it was', () => {
      const out = withExplanationText(score, 'vi');
      const e = out.explanation as PeriodExplanation;
      expect(e.lines).to.deep.equal(vi(score));
      expect(e.assigned.formula).to.equal('22 × 480 × 1');
      expect({ ...out, explanation: undefined }).to.deep.equal({ ...score, explanation: undefined });
      expect(score.explanation).to.not.have.property('lines');
      expect(JSON.stringify(score)).to.not.contain('"lines"');
      const parsed = JSON.parse(JSON.stringify(out)) as Score;
      expect(Object.keys(parsed.explanation).pop()).to.equal('lines');
      expect(withExplanationText(score, 'en').explanation.lines).to.deep.equal(en(score));
    });

    it('when an old snapshot holds lines, then they are rendered again from its numbers; an explanation that is not the engine\'s is left as is', () => {
      const old = JSON.parse(JSON.stringify({ ...score, explanation: { ...score.explanation, lines: ['stale'], assigned: { ...(score.explanation as PeriodExplanation).assigned, formula: 'stale' } } })) as Score;
      const out = withExplanationText(old, 'vi');
      expect(out.explanation.lines).to.deep.equal(vi(score));
      expect((out.explanation as PeriodExplanation).assigned.formula).to.equal('22 × 480 × 1');
      const text = { ...score, explanation: 'chưa chấm' } as unknown as Score;
      expect(withExplanationText(text, 'vi')).to.equal(text);
    });

    it('when a year score is written for JSON, then its lines are the year\'s', () => {
      const quarters = [1, 2].map((q) => {
        const p = parsePeriod(`2026-Q${q}`);
        const wd = workingDays(p.from, p.to, { holidays: [], makeUpDays: [] });
        return scoreUnit([buildOfficial({ workingDays: 10, general: 20, entries: wd.slice(0, 8).map((day) => buildEntry({ day, minutes: 480 })) })], params(), p.key)[0] as Score;
      });
      const [y] = scoreYear(quarters);
      const out = withExplanationText(y as Score, 'vi');
      expect(out.explanation.lines).to.deep.equal(explanationLines((y as Score).explanation, 'vi'));
      expect(out.explanation.lines?.[0]).to.equal('Năm 2026 (01/01/2026 – 31/12/2026); hồ sơ chấm điểm nd335, phiên bản 1');
    });
  });
});
