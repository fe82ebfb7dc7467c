import { expect } from 'chai';
import { scoreRows, scoreSummary } from '../../../src/cli/score';
import { scoreUnit } from '../../../src/scoring';
import { buildOfficial, fullDays, MARCH, params } from '../scoring/fixtures';

/** The `score` command's table and last line, from real scores of the engine. */
describe('cli score: the table and the summary line', () => {
  const prm = params();
  const scores = scoreUnit([
    buildOfficial({ userId: 'u-good', entries: fullDays(20), general: 27 }, prm),
    buildOfficial({ userId: 'u-low', entries: fullDays(5), general: 20 }, prm),
    buildOfficial({ userId: 'u-nog', entries: fullDays(10) }, prm),
    buildOfficial({ userId: 'u-zero', workingDays: 0 }, prm),
  ], prm, MARCH).map((s) => ({ ...s, provisional: true }));

  it('when officials are scored, then the last line counts each class in order, the unclassified with why, and says provisional', () => {
    const cls = (id: string) => scores.find((s) => s.userId === id)!.classification;
    expect([cls('u-good'), cls('u-low'), cls('u-nog'), cls('u-zero')]).to.deep.equal(['HTXSNV', 'KHTNV', null, null]);
    expect(scoreSummary(MARCH, scores)).to.equal('Kỳ 2026-03: 4 cán bộ — HTXSNV 1, KHTNV 1, chưa xếp loại 2 (thiếu điểm tiêu chí chung 1, không chấm 1); tạm tính (provisional).');
  });

  it('when nobody is classified yet, then the line says so instead of a bare dash', () => {
    const none = scores.filter((s) => s.classification === null).map((s) => ({ ...s, provisional: false }));
    expect(scoreSummary('2026-11', none)).to.equal('Kỳ 2026-11: 2 cán bộ — chưa xếp loại 2 (thiếu điểm tiêu chí chung 1, không chấm 1).');
  });

  it('when the table is printed, then it names officials and units (with their ids) and gives points out of their maximum', () => {
    const rows = scoreRows(scores, { user: (id) => (id === 'u-good' ? 'Nguyễn Văn An' : null), unit: (id) => (id === 'unit-a' ? 'Phòng Tổng hợp' : null) });
    const good = rows.find((r) => r[0]!.startsWith('Nguyễn Văn An'))!;
    expect(good[0]).to.equal('Nguyễn Văn An (u-good)');
    expect(good[1]).to.equal('Phòng Tổng hợp (unit-a)');
    expect(good[3]).to.equal('27/30');
    expect(good[2]).to.match(/^\d+(,\d+)?\/70$/);
    expect(rows.find((r) => r[0] === 'u-nog')![5]).to.equal('chưa xếp loại');
  });
});
