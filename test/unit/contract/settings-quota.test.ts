import { expect } from 'chai';
import { DEFAULT_SETTINGS, defaultSettings, type AgencySettings } from '../../../src/contract/events';
import { validateSettings } from '../../../src/contract/settings-validator';
import { ValidationError } from '../../../src/domain/errors';
import { settingsError } from '../../helpers/expect-kpi-error';

/** The settings of issue 7 (src/contract/schemas/settings.schema.json): quotaScope, quotaGroups, report. */
describe('contract/settings: the quota pool and the report names', () => {
  it('when the defaults are read, then the pool is the agency, no groups, and every report name blank', () => {
    expect(DEFAULT_SETTINGS).to.deep.include({ quotaScope: 'agency', quotaGroups: [], report: { governingBody: '', place: '', preparedBy: '', headOfAgency: '', headTitle: '' } });
    expect(() => (DEFAULT_SETTINGS.quotaGroups as unknown[]).push({})).to.throw(TypeError);
    expect(() => ((DEFAULT_SETTINGS.report as { place: string }).place = 'Nha Trang')).to.throw(TypeError);
  });

  it('when settings with groups and report names are validated, then they come back equal, as copies', () => {
    const settings: AgencySettings = defaultSettings({
      quotaScope: 'unit',
      quotaGroups: [
        { id: 'lanh-dao', name: 'Lãnh đạo phòng', positions: ['Trưởng phòng', 'Phó Trưởng phòng'] },
        { id: 'chuyen-vien', name: 'Chuyên viên và tương đương', positions: ['Chuyên viên', 'Chuyên viên chính'] },
        { id: 'khac', name: 'Khác', positions: [] },
      ],
      report: { governingBody: 'UBND TỈNH KHÁNH HÒA', place: 'Khánh Hòa', preparedBy: 'Nguyễn Thị Lan', headOfAgency: 'Trần Văn Minh', headTitle: 'GIÁM ĐỐC' },
    });
    const out = validateSettings(settings);
    expect(out).to.deep.equal(settings);
    expect(out.quotaGroups).to.not.equal(settings.quotaGroups);
    expect(out.quotaGroups[0]!.positions).to.not.equal(settings.quotaGroups[0]!.positions);
    expect(out.report).to.not.equal(settings.report);
    expect(validateSettings({ quotaScope: 'agency' }, { partial: true })).to.deep.equal({ quotaScope: 'agency' });
  });

  it('when defaultSettings() is given groups and a report, then it copies them deeply', () => {
    const groups = [{ id: 'g', name: 'G', positions: ['Văn thư'] }];
    const report = { governingBody: 'A', place: 'B', preparedBy: 'C', headOfAgency: 'D', headTitle: 'E' };
    const s = defaultSettings({ quotaGroups: groups, report });
    s.quotaGroups[0]!.positions.push('Lưu trữ');
    s.report.place = 'X';
    expect(groups[0]!.positions).to.deep.equal(['Văn thư']);
    expect(report.place).to.equal('B');
    expect(defaultSettings().report).to.deep.equal(DEFAULT_SETTINGS.report);
    expect(defaultSettings().report === DEFAULT_SETTINGS.report).to.equal(false);
  });

  const wrong: Array<[string, unknown, string]> = [
    ['quotaScope', 'phong', 'quotaScope'],
    ['quotaScope', null, 'quotaScope'],
    ['quotaGroups', {}, 'quotaGroups'],
    ['quotaGroups', [{ id: 'a b', name: 'A', positions: [] }], 'quotaGroups[0].id'],
    ['quotaGroups', [{ id: '-a', name: 'A', positions: [] }], 'quotaGroups[0].id'],
    ['quotaGroups', [{ id: 'a', name: '', positions: [] }], 'quotaGroups[0].name'],
    ['quotaGroups', [{ id: 'a', name: 'x'.repeat(201), positions: [] }], 'quotaGroups[0].name'],
    ['quotaGroups', [{ id: 'a', name: 'A', positions: 'Chuyên viên' }], 'quotaGroups[0].positions'],
    ['quotaGroups', [{ id: 'a', name: 'A', positions: [7] }], 'quotaGroups[0].positions[0]'],
    ['quotaGroups', [{ id: 'a', name: 'A' }], 'quotaGroups[0].positions'],
    ['quotaGroups', [{ id: 'a', name: 'A', positions: [], extra: 1 }], 'quotaGroups[0].extra'],
    ['quotaGroups', [{ id: 'a', name: 'A', positions: [] }, { id: 'a', name: 'B', positions: [] }], 'quotaGroups[1].id'],
    ['quotaGroups', [{ id: 'a', name: 'A', positions: ['Chuyên viên'] }, { id: 'b', name: 'B', positions: [' CHUYÊN VIÊN'.normalize('NFD')] }], 'quotaGroups[1].positions[0]'],
    ['report', 'UBND', 'report'],
    ['report', { ...DEFAULT_SETTINGS.report, place: 'x'.repeat(501) }, 'report.place'],
    ['report', { ...DEFAULT_SETTINGS.report, headTitle: 5 }, 'report.headTitle'],
    ['report', { ...DEFAULT_SETTINGS.report, signer: 'A' }, 'report.signer'],
    ['report', { governingBody: '', place: '', preparedBy: '', headOfAgency: '' }, 'report.headTitle'],
  ];
  for (const [key, value, field] of wrong) {
    it(`when ${key} is ${JSON.stringify(value).slice(0, 80)}, then the error names ${field}`, () => {
      const err = settingsError({ [key]: value });
      expect(err.field).to.equal(field);
      expect(err.message.startsWith(`${field}: `), err.message).to.equal(true);
    });
  }

  it('when a key of issue 7 is missing outside partial mode, then the error names it', () => {
    const { quotaScope: _omitted, ...rest } = defaultSettings();
    expect(settingsError(rest, false).field).to.equal('quotaScope');
  });
});
