import { expect } from 'chai';
import { SETTINGS_KEYS, type AgencySettings } from '../../src/contract/events';
import { fullFormsOf, type FullForm } from '../helpers/form-fields';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { decode } from '../helpers/html';

/**
 * The agency's settings as a form: every setting round-trips through it, the words are a
 * person's (never a raw key or value), refusals come from the settings validator and are said
 * in Vietnamese next to their field, the year's national holidays are offered, and the
 * manual back-date window is a setting the journal obeys.
 */
describe('e2e: the settings form of the admin page', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  const NOW = new Date('2026-03-20T10:00:00+07:00');

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    a = await h.addAgency('ag-settings', { hostOrigins: ['https://eoffice.example.gov.vn'] });
  });

  after(async () => {
    await h.close();
  });

  const admin = () => h.userToken(a, 'admin-1', ['admin']);

  async function open(path: string): Promise<{ status: number; html: string }> {
    const res = await fetch(`${h.url}${path}${path.includes('?') ? '&' : '?'}jwt=${admin()}`, { redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  }

  async function submit(f: FullForm, changes: Record<string, string>): Promise<{ status: number; html: string; location: string | null }> {
    const res = await fetch(new URL(f.action, h.url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...f.fields, ...changes }).toString(),
    });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  const settingsForm = (html: string): FullForm => fullFormsOf(html).find((f) => f.action.endsWith('/admin/settings'))!;
  const settings = async (): Promise<AgencySettings> => (await h.api('GET', '/api/v1/settings', admin())).body as AgencySettings;

  it('when every setting is changed in the form, then the API reads them all back; sent again unchanged, nothing changes', async () => {
    const p = await open('/panels/admin/settings');
    expect(p.status).to.equal(200);
    const f = settingsForm(p.html);
    const changes: Record<string, string> = {
      profile: 'kh1636', timeZone: 'Asia/Bangkok', dailyMinutes: '450', capMinutes: '600', capPolicy: 'warn',
      holidays: '01/01/2026\n2026-04-30', makeUpDays: '25/04/2026', hostOrigins: 'https://eoffice.example.gov.vn\nhttps://portal.example.gov.vn/',
      manualBackdateDays: '10', appealDays: '14', hrEditsCatalogue: 'on', quotaScope: 'unit', group0Id: 'ld', group0Name: 'Lãnh đạo', group0Positions: 'Trưởng phòng; Phó trưởng phòng',
      governingBody: 'UBND TỈNH KHÁNH HÒA', place: 'Khánh Hòa', preparedBy: 'Trần Thị B', headOfAgency: 'Lê Văn C', headTitle: 'GIÁM ĐỐC',
    };
    // The two boxes unticked: a browser then sends nothing for them.
    const unticked = Object.fromEntries(Object.entries(f.fields).filter(([k]) => k !== 'autoApproveEventEntries' && k !== 'manualEntriesNeedApproval'));
    const r = await submit({ ...f, fields: unticked }, changes);
    expect(r.status, decode(r.html).slice(0, 3000)).to.equal(303);
    expect(r.location).to.contain('notice=settings-saved');
    const expected: AgencySettings = {
      profile: 'kh1636', timeZone: 'Asia/Bangkok', dailyMinutes: 450, capMinutes: 600, capPolicy: 'warn',
      holidays: ['2026-01-01', '2026-04-30'], makeUpDays: ['2026-04-25'], autoApproveEventEntries: false, manualEntriesNeedApproval: false,
      hostOrigins: ['https://eoffice.example.gov.vn', 'https://portal.example.gov.vn'], quotaScope: 'unit',
      quotaGroups: [{ id: 'ld', name: 'Lãnh đạo', positions: ['Trưởng phòng', 'Phó trưởng phòng'] }],
      report: { governingBody: 'UBND TỈNH KHÁNH HÒA', place: 'Khánh Hòa', preparedBy: 'Trần Thị B', headOfAgency: 'Lê Văn C', headTitle: 'GIÁM ĐỐC' },
      manualBackdateDays: 10,
      // Not on the form: the pull connector names a connection, set with the CLI or the API (docs/pull.md).
      pull: { source: '', view: 'eoffice_kpi_events', every: 60, batch: 500, columns: {} },
      hrEditsCatalogue: true,
      appealDays: 14,
    };
    expect(await settings()).to.deep.equal(expected);
    expect(Object.keys(expected).sort()).to.deep.equal([...SETTINGS_KEYS].sort());

    // The form shows what was saved; sent back as it is, it changes nothing.
    const again = await open('/panels/admin/settings');
    const r2 = await submit(settingsForm(again.html), {});
    expect(r2.status).to.equal(303);
    expect(await settings()).to.deep.equal(expected);
    // And a person reads it: no raw key or value on the form or the page.
    for (const html of [again.html, (await open('/panels/admin')).html]) {
      const text = decode(html.replace(/<style[\s\S]*?<\/style>/, '')).replace(/<[^>]*>/g, ' ');
      for (const raw of ['capPolicy', 'clip', 'warn', 'true', 'false', 'quotaScope', 'autoApproveEventEntries', 'manualBackdateDays', 'appealDays', 'hrEditsCatalogue', 'kh1636', 'nd335']) expect(text, raw).to.not.match(new RegExp(`\\b${raw}\\b`));
    }
  });

  it('when the agency words form no. 01 its own way (through the API), then saving the settings form keeps that wording', async () => {
    const before = await settings();
    const labels = { 'I.1': 'Đạo đức công vụ (theo quy chế của Sở)', III: 'Sáng kiến trong năm' };
    const put = await h.api('PUT', '/api/v1/settings', admin(), { report: { ...before.report, form01Labels: labels } });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    const r = await submit(settingsForm((await open('/panels/admin/settings')).html), { place: 'Nha Trang' });
    expect(r.status).to.equal(303);
    const after = await settings();
    expect(after.report).to.deep.equal({ ...before.report, place: 'Nha Trang', form01Labels: labels });
  });

  it('when values are wrong, then nothing is saved and each field says what is wrong in Vietnamese', async () => {
    const before = await settings();
    const f = settingsForm((await open('/panels/admin/settings')).html);
    const r = await submit(f, { dailyMinutes: '2000', holidays: '31/02/2026', timeZone: 'Asia/Nowhere', hostOrigins: 'eoffice/không-phải-địa-chỉ', manualBackdateDays: '-1' });
    expect(r.status).to.equal(400);
    const html = decode(r.html);
    expect(html).to.match(/id="s-daily-err" class="field-err">phải nhỏ hơn hoặc bằng 1440</);
    expect(html).to.match(/id="s-holidays-err" class="field-err">phải là một ngày có thật dạng YYYY-MM-DD</);
    expect(html).to.match(/id="s-tz-err" class="field-err">không phải múi giờ IANA có thật/);
    expect(html).to.match(/id="s-origins-err" class="field-err">phải là origin/);
    expect(html).to.match(/id="s-backdate-err" class="field-err">phải lớn hơn hoặc bằng 0</);
    expect(html).to.contain('Cấu hình chưa được lưu');
    expect(await settings()).to.deep.equal(before);
    // What depends on two settings: a day both a holiday and a make-up day.
    const both = await submit(f, { holidays: '25/04/2026', makeUpDays: '25/04/2026' });
    expect(both.status).to.equal(400);
    expect(decode(both.html)).to.match(/id="s-makeup-err" class="field-err">Một ngày không được vừa là ngày nghỉ lễ vừa là ngày làm bù.</);
    expect(await settings()).to.deep.equal(before);
  });

  it('when the year\'s holidays are asked for, then the statutory days off fill the box, unsaved', async () => {
    const before = await settings();
    const p = await open('/panels/admin/settings?holidays=2026');
    const f = settingsForm(p.html);
    expect(f.fields.holidays!.split('\n')).to.include.members(['01/01/2026', '16/02/2026', '20/02/2026', '27/04/2026', '30/04/2026', '01/05/2026', '01/09/2026', '02/09/2026']);
    expect(decode(p.html)).to.contain('Đã điền các ngày nghỉ lễ năm 2026');
    expect(await settings()).to.deep.equal(before);
  });

  it('when next year\'s holidays are asked for, then its Tết and Giỗ Tổ are reckoned from the lunar calendar too, and the page says the list is whole', async () => {
    const p = await open('/panels/admin/settings?holidays=2027');
    const days = settingsForm(p.html).fields.holidays!.split('\n');
    // Tết Đinh Mùi: Friday 5 February (the last day of Bính Ngọ) and the four working days after the weekend; Giỗ Tổ: Friday 16 April.
    expect(days).to.include.members(['05/02/2027', '08/02/2027', '09/02/2027', '10/02/2027', '11/02/2027', '16/04/2027']);
    expect(decode(p.html)).to.contain('Đã điền các ngày nghỉ lễ năm 2027').and.to.not.contain('hãy tự thêm Tết Nguyên đán');
  });

  it('when the back-date window is set, then a manual entry older than it is refused and one inside it is taken', async () => {
    await h.api('PUT', '/api/v1/settings', admin(), { manualBackdateDays: 3, manualEntriesNeedApproval: true });
    const me = h.userToken(a, 'cv-9', ['official']);
    const old = await h.api('POST', '/api/v1/journal', me, { date: '2026-03-16', workItemCode: 'CH-01', quantity: 1 });
    expect([old.status, old.body.error?.code]).to.deep.equal([400, 'date_too_old']);
    const ok = await h.api('POST', '/api/v1/journal', me, { date: '2026-03-17', workItemCode: 'CH-01', quantity: 1 });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
    const bad = await h.api('PUT', '/api/v1/settings', admin(), { manualBackdateDays: 400 });
    expect([bad.status, bad.body.error.field]).to.deep.equal([400, 'manualBackdateDays']);
  });
});
