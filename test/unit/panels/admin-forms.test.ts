import { expect } from 'chai';
import { validateSettings } from '../../../src/contract/settings-validator';
import { DEFAULT_SETTINGS } from '../../../src/contract/events';
import { ruleOfForm } from '../../../src/panels/admin-rules';
import { settingsOfForm, settingsProblems } from '../../../src/panels/admin-settings';

describe('unit: panels/admin forms (what a person types, read as a rule or settings)', () => {
  it('when a rule form is read, then conditions become values (true/false and numbers typed), tables value = factor with a comma decimal, a word in quantity a path', () => {
    expect(ruleOfForm({
      id: ' r-1 ', eventType: 'document.drafted', workItemCode: 'CV-04', cond0Path: 'subject.docType', cond0Values: 'cong-van, to-trinh', cond1Path: 'data.excused', cond1Values: 'false',
      cond2Path: 'data.level', cond2Values: '2', coef0Path: 'subject.urgency', coef0Values: 'khan = 1,2\r\nhoa-toc=1.5\n\n', quantity: 'data.quantity', coefficient: '0,5', priority: '10', active: 'on',
    })).to.deep.equal({
      id: 'r-1', eventType: 'document.drafted', workItemCode: 'CV-04',
      when: { 'subject.docType': ['cong-van', 'to-trinh'], 'data.excused': false, 'data.level': 2 },
      coefficientBy: { 'subject.urgency': { khan: 1.2, 'hoa-toc': 1.5 } }, quantity: { path: 'data.quantity' }, coefficient: 0.5, priority: 10, active: true,
    });
  });

  it('when a rule form is left mostly empty or typed wrong, then what cannot be read is passed on for the validator to name', () => {
    const r = ruleOfForm({ id: 'r-2', eventType: 'document.signed', workItemCode: 'LD-01', coef0Path: 'subject.urgency', coef0Values: 'khan', priority: 'mười' });
    expect(r).to.deep.include({ priority: 'mười', active: false });
    expect(Number.isNaN((r.coefficientBy as Record<string, Record<string, number>>)['subject.urgency']!.khan)).to.equal(true);
    expect(r).to.not.have.any.keys('when', 'quantity', 'coefficient');
  });

  it('when a settings form is read, then days typed dd/mm/yyyy, origins with a trailing slash and groups with ; are what the validator accepts', () => {
    const s = settingsOfForm({
      profile: 'nd335', timeZone: 'Asia/Ho_Chi_Minh', dailyMinutes: '480', capMinutes: '480', capPolicy: 'clip', holidays: '1/1/2026\n2026-04-30, 01/05/2026', makeUpDays: '',
      autoApproveEventEntries: 'on', hostOrigins: 'https://a.gov.vn/\n', quotaScope: 'agency', group0Id: 'cv', group0Name: 'Chuyên viên', group0Positions: 'Chuyên viên; Chuyên viên chính',
      governingBody: 'UBND', place: 'Hà Nội', preparedBy: '', headOfAgency: '', headTitle: '', manualBackdateDays: '30', appealDays: '15',
    });
    // The form does not show the pull connector: the handler keeps the agency's (here the default).
    s.pull = DEFAULT_SETTINGS.pull;
    expect(validateSettings(s)).to.deep.equal({
      profile: 'nd335', timeZone: 'Asia/Ho_Chi_Minh', dailyMinutes: 480, capMinutes: 480, capPolicy: 'clip', holidays: ['2026-01-01', '2026-04-30', '2026-05-01'], makeUpDays: [],
      autoApproveEventEntries: true, manualEntriesNeedApproval: false, hostOrigins: ['https://a.gov.vn'], quotaScope: 'agency',
      quotaGroups: [{ id: 'cv', name: 'Chuyên viên', positions: ['Chuyên viên', 'Chuyên viên chính'] }],
      report: { governingBody: 'UBND', place: 'Hà Nội', preparedBy: '', headOfAgency: '', headTitle: '' }, manualBackdateDays: 30,
      pull: { source: '', view: 'eoffice_kpi_events', every: 60, batch: 500, columns: {} }, hrEditsCatalogue: false, appealDays: 15,
    });
    expect(settingsProblems('vi', s)).to.deep.equal({});
  });

  it('when several settings are wrong, then each is named under its own field, in the viewer\'s language, without the key in front', () => {
    const s = { ...settingsOfForm({ capPolicy: 'cut', holidays: '30/02/2026', manualBackdateDays: 'x', place: 'x'.repeat(501) }), pull: DEFAULT_SETTINGS.pull };
    const vi = settingsProblems('vi', s);
    expect(Object.keys(vi).sort()).to.deep.equal(['appealDays', 'capMinutes', 'capPolicy', 'dailyMinutes', 'holidays', 'manualBackdateDays', 'place', 'profile', 'quotaScope', 'timeZone']);
    expect(vi.holidays).to.equal('phải là một ngày có thật dạng YYYY-MM-DD');
    expect(vi.place).to.equal('dài tối đa 500 ký tự');
    expect(settingsProblems('en', s).holidays).to.equal('must be a real day, YYYY-MM-DD');
  });
});
