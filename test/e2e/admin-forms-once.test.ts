import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { countRows } from '../helpers/count-rows';
import { fullFormsOf, type FullForm } from '../helpers/form-fields';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { decode } from '../helpers/html';
import { formTarget, open, sendForm, type Sent } from '../helpers/panel-forms';

/**
 * Forms that cannot double (docs/hr.md, docs/integrators.md (panels)), for the admin's, the
 * catalogue's and HR's close forms: each form token works once — the same form POSTed twice
 * (same context token and form token) changes nothing the second time and is sent where the
 * first went; a form refused with a message (400, 409) can be corrected and sent again with
 * its token; a trial ("try it", a catalogue dry run) changes nothing, so it may be sent again
 * and does not use the token up. The plugin's clock: Saturday 4 April 2026, 10:00 in Hà Nội.
 */
const NOW = new Date('2026-04-04T10:00:00+07:00');

describe('e2e: the admin, catalogue and close forms work once', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;

  const admin = (): string => h.userToken(a, 'admin-1', ['admin']);
  const hr = (): string => h.userToken(a, 'hr-1', ['official', 'hr'], { unit: 'p-tc' });
  const get = (path: string, token: string): Promise<Sent> => open(h.url, `${h.url}${path}${path.includes('?') ? '&' : '?'}jwt=${token}`);
  const send = (f: FullForm, changes: Record<string, string | undefined> = {}): Promise<Sent> => sendForm(h.url, f, changes);

  function formTo(html: string, pathEnd: string): FullForm {
    const f = fullFormsOf(html).find((x) => new URL(x.action, 'http://x').pathname.endsWith(pathEnd));
    expect(f, `a form posting to …${pathEnd}`).to.not.equal(undefined);
    return f!;
  }

  const audits = (action: string, target?: string): Promise<number> => countRows(h.knex, 'kpi_audit_log', { agency_code: a.code, action, ...(target ? { target } : {}) });
  const versions = (code: string): Promise<number> => countRows(h.knex, 'kpi_work_items', { agency_code: a.code, code });

  /** What a page says went wrong (its alert and the messages next to fields), for a failed expectation's message. */
  const said = (p: Sent): string => [...p.text.matchAll(/class="(?:flash err|field-err[^"]*|warn problems)"[^>]*>([\s\S]*?)<\/(?:p|span|ul|div)>/g)].map((m) => m[1]).join(' | ') || p.text.replace(/<style[\s\S]*?<\/style>/, '').slice(0, 1500);

  /** Sends `f` twice as it is; both go to the same place, the first being `expected`. */
  async function twice(f: FullForm, changes: Record<string, string | undefined>, expected: string): Promise<Sent> {
    const first = await send(f, changes);
    expect(first.status, said(first)).to.equal(303);
    expect(formTarget(first.location)).to.equal(expected);
    const second = await send(f, changes);
    expect(second.status, said(second)).to.equal(303);
    expect(formTarget(second.location)).to.equal(expected);
    return second;
  }

  /** The page a redirect leads to. */
  async function landing(r: Sent): Promise<Sent> {
    const p = await open(h.url, r.location!);
    expect(p.status).to.equal(200);
    return p;
  }

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    a = await h.addAgency('ag-once');
  });
  after(async () => { await h?.close(); });

  describe('the catalogue pages', () => {
    /** The catalogue file (the upload's template) as downloaded, with the standard minutes (column G) of rows `from`…`to` changed by `minutes`; and their codes. */
    async function catalogueFile(from: number, to: number, minutes: (was: number) => number): Promise<{ file: Buffer; codes: string[] }> {
      const page = await get('/panels/admin/catalogue', admin());
      const href = decode(/<a href="([^"]+)" download>Tải danh mục/.exec(page.html)![1]!);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(await (await fetch(new URL(href, h.url))).arrayBuffer());
      const ws = wb.getWorksheet('Danh mục')!;
      const codes: string[] = [];
      for (let row = from; row <= to; row++) {
        ws.getRow(row).getCell(7).value = minutes(Number(ws.getRow(row).getCell(7).value));
        codes.push(String(ws.getRow(row).getCell(1).value));
      }
      return { file: Buffer.from(await wb.xlsx.writeBuffer()), codes };
    }

    async function upload(html: string, fields: Record<string, string>, file: Buffer): Promise<Sent> {
      const m = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html);
      expect(m, 'the upload form').to.not.equal(null);
      const body = new FormData();
      body.append('_csrf', decode(m![2]!));
      for (const [k, v] of Object.entries(fields)) body.append(k, v);
      body.append('file', new Blob([file]), 'danh-muc.xlsx');
      const res = await fetch(new URL(decode(m![1]!), h.url), { method: 'POST', body, redirect: 'manual' });
      const text = await res.text();
      return { status: res.status, html: text, text: decode(text), location: res.headers.get('location') };
    }

    it('when the same upload is sent twice, then the file is imported once and both go to the page listing the change; a dry run may be sent again and leaves the token unused; a refused file can be corrected', async () => {
      const page = await get('/panels/admin/catalogue', admin());
      const bad = await catalogueFile(3, 3, () => -10);
      const good = await catalogueFile(3, 3, () => 7);
      const code = good.codes[0]!;
      const [before, imports] = [await versions(code), await audits('catalogue.import')];

      const refused = await upload(page.html, { validFrom: '2026-05-04' }, bad.file);
      expect(refused.status).to.equal(400);
      expect(refused.text).to.contain('Dòng 3, cột G');
      for (let i = 0; i < 2; i++) {
        const dry = await upload(page.html, { validFrom: '2026-05-04', dryRun: 'on' }, good.file);
        expect(dry.status, dry.text.slice(0, 1500)).to.equal(200);
        expect(dry.text).to.contain('Chạy thử, chưa thay đổi gì').and.contain(`Sửa: ${code}`);
      }
      expect(await versions(code)).to.equal(before);

      const first = await upload(page.html, { validFrom: '2026-05-04' }, good.file);
      expect(first.status, said(first)).to.equal(303);
      expect(formTarget(first.location)).to.match(new RegExp(`^/kpi/panels/admin/catalogue\\?applied=2026-05-04&added=&changed=${code}&deactivated=&unchanged=\\d+$`));
      const second = await upload(page.html, { validFrom: '2026-05-04' }, good.file);
      expect(second.status, said(second)).to.equal(303);
      expect(formTarget(second.location)).to.equal(formTarget(first.location));
      expect(await versions(code)).to.equal(before + 1);
      expect(await audits('catalogue.import')).to.equal(imports + 1);
      expect((await landing(second)).text).to.contain('Đã cập nhật danh mục, hiệu lực từ 04/05/2026').and.contain(`Sửa: ${code}`).and.contain('Thêm: —');
    });

    it('when the same adopt form is sent twice, then the template is adopted once; an unknown template is refused and the corrected form goes through', async () => {
      const f = formTo((await get('/panels/admin/catalogue', admin())).html, '/admin/catalogue/adopt');
      const [items, adopts] = [await countRows(h.knex, 'kpi_work_items', { agency_code: a.code }), await audits('catalogue.adopt')];
      const refused = await send(f, { template: 'khong-co', dryRun: undefined });
      expect(refused.status).to.equal(400);
      expect(await audits('catalogue.adopt')).to.equal(adopts);

      const r = await send(f, { template: 'noi-vu', dryRun: undefined });
      expect(r.status, r.text.slice(0, 1500)).to.equal(303);
      const added = new URL(r.location!, 'http://x').searchParams.get('added')!.split(',');
      expect(added.length).to.be.above(0);
      const again = await send(f, { template: 'noi-vu', dryRun: undefined });
      expect(again.status).to.equal(303);
      expect(formTarget(again.location)).to.equal(formTarget(r.location));
      expect(await countRows(h.knex, 'kpi_work_items', { agency_code: a.code })).to.equal(items + added.length);
      expect(await audits('catalogue.adopt')).to.equal(adopts + 1);
    });

    it('when the same add-item form is sent twice, then one item is made; a refused item can be corrected and sent again', async () => {
      const f = formTo((await get('/panels/admin/catalogue', admin())).html, '/admin/catalogue/items');
      const item = { code: 'ONCE-01', name: 'Việc chỉ thêm một lần', unit: 'việc', standardMinutes: '45' };
      const refused = await send(f, { ...item, standardMinutes: '99999' });
      expect(refused.status).to.equal(400);
      expect(refused.text).to.contain('phải lớn hơn 0 và không quá 9600');
      expect(await versions('ONCE-01')).to.equal(0);
      const second = await twice(f, item, `/kpi/panels/admin/catalogue?applied=2026-04-04&added=ONCE-01&changed=&deactivated=&unchanged=0`);
      expect(await versions('ONCE-01')).to.equal(1);
      expect(await audits('catalogue.create')).to.equal(1);
      expect((await landing(second)).text).to.contain('Thêm: ONCE-01');
    });

    it('when the same new-version form of an item is sent twice, then one version is made and both go to the item\'s page; a refused value can be corrected', async () => {
      const f = formTo((await get('/panels/admin/catalogue/items/CV-05', admin())).html, '/admin/catalogue/items/CV-05');
      const before = await versions('CV-05');
      const refused = await send(f, { standardMinutes: '99999' });
      expect(refused.status).to.equal(400);
      expect(await versions('CV-05')).to.equal(before);
      const second = await twice(f, { standardMinutes: '130', validFrom: '2026-05-04' }, '/kpi/panels/admin/catalogue/items/CV-05?notice=version-saved');
      expect(await versions('CV-05')).to.equal(before + 1);
      expect(await audits('catalogue.update')).to.equal(1);
      expect((await landing(second)).text).to.contain('Đã lưu phiên bản mới.');
    });

    it('when an applied file changes more items than the page\'s address names, then the page names the first 30 and counts the rest', async () => {
      const { file, codes } = await catalogueFile(2, 41, (was) => was + 1);
      const r = await upload((await get('/panels/admin/catalogue', admin())).html, { validFrom: '2026-06-01' }, file);
      expect(r.status, said(r)).to.equal(303);
      const changed = new URL(r.location!, 'http://x').searchParams.get('changed')!.split(',');
      expect(changed).to.have.length(31);
      expect(changed.at(-1)).to.equal('+10');
      expect(codes).to.include.members(changed.slice(0, 30));
      const listed = /Sửa: ([^<]*)<\/li>/.exec((await landing(r)).text)![1]!;
      expect(listed).to.equal(`${changed.slice(0, 30).join(', ')} và 10 mã khác`);
    });
  });

  describe('the mapping rules', () => {
    const rule = { op: 'save', id: 'once-issued', eventType: 'document.issued', workItemCode: 'VT-04', cond0Path: 'subject.docType', cond0Values: 'thong-bao', priority: '40' };

    it('when the same new-rule form is sent twice, then one rule is saved and audited once; a refused rule can be corrected and sent again', async () => {
      const f = formTo((await get('/panels/admin/rules/new', admin())).html, '/admin/rules');
      const refused = await send(f, { ...rule, priority: 'abc' });
      expect(refused.status).to.equal(400);
      expect(refused.text).to.contain('Độ ưu tiên phải là một số');
      const second = await twice(f, rule, '/kpi/panels/admin?notice=rule-saved');
      expect((await h.api('GET', '/api/v1/rules', admin())).body.rules.filter((r: { id: string }) => r.id === 'once-issued')).to.have.length(1);
      expect(await audits('rules.add', 'once-issued')).to.equal(1);
      expect((await landing(second)).text).to.contain('Đã lưu quy tắc');
    });

    it('when the same edit of a rule is sent twice, then it is saved and audited once; refused, it can be corrected', async () => {
      const f = formTo((await get('/panels/admin/rules/doc-received', admin())).html, '/admin/rules/doc-received');
      const before = await audits('rules.edit', 'doc-received');
      expect((await send(f, { op: 'save', coefficient: '-1' })).status).to.equal(400);
      await twice(f, { op: 'save', priority: '95' }, '/kpi/panels/admin?notice=rule-saved');
      expect(await audits('rules.edit', 'doc-received')).to.equal(before + 1);
      expect((await h.api('GET', '/api/v1/rules', admin())).body.rules.find((r: { id: string }) => r.id === 'doc-received').priority).to.equal(95);
    });

    it('when the same switch-off form is sent twice, then the rule is switched off and audited once', async () => {
      // The switch has no refusal to correct: it has no field but its one value; an unknown rule is a 404.
      const f = formTo((await get('/panels/admin/rules/doc-signed', admin())).html, '/admin/rules/doc-signed/active');
      expect(f.fields.active).to.equal('false');
      await twice(f, {}, '/kpi/panels/admin?notice=rule-deactivated');
      expect(await audits('rules.deactivate', 'doc-signed')).to.equal(1);
      expect((await h.api('GET', '/api/v1/rules', admin())).body.rules.find((r: { id: string }) => r.id === 'doc-signed').active).to.equal(false);
    });

    it('when a trial is sent again with the same form token, then it is answered each time, and the token still saves the rule afterwards', async () => {
      const uses = await countRows(h.knex, 'kpi_form_uses', { agency_code: a.code });
      const event = JSON.stringify(buildEvent({ agency: a.code, type: 'document.issued', actor: { id: 'cv-1' }, subject: { kind: 'document', id: 'TB-1', title: 'Thông báo', docType: 'thong-bao' }, data: {} }));
      const box = formTo((await get('/panels/admin', admin())).html, '/admin/rules-try');
      for (let i = 0; i < 2; i++) {
        const tried = await send(box, { event });
        expect(tried.status, tried.text.slice(0, 1500)).to.equal(200);
        expect(tried.text).to.contain('Quy tắc khớp: once-issued');
      }
      const f = formTo((await get('/panels/admin/rules/new', admin())).html, '/admin/rules');
      const draft = { ...rule, id: 'once-tried', cond0Values: 'to-trinh', event };
      for (let i = 0; i < 2; i++) expect((await send(f, { ...draft, op: 'try' })).status).to.equal(200);
      expect(await countRows(h.knex, 'kpi_form_uses', { agency_code: a.code }), 'no trial used a token').to.equal(uses);
      await twice(f, draft, '/kpi/panels/admin?notice=rule-saved');
      expect(await audits('rules.add', 'once-tried')).to.equal(1);
    });
  });

  describe('the settings', () => {
    it('when the same settings form is sent twice, then the settings are saved and audited once, and a different body with that token changes nothing; a refused form can be corrected', async () => {
      const f = formTo((await get('/panels/admin/settings', admin())).html, '/admin/settings');
      const before = await audits('settings.put');
      const refused = await send(f, { dailyMinutes: '2000' });
      expect(refused.status).to.equal(400);
      expect(refused.text).to.contain('phải nhỏ hơn hoặc bằng 1440');
      const second = await twice(f, { dailyMinutes: '450' }, '/kpi/panels/admin?notice=settings-saved');
      const late = await send(f, { dailyMinutes: '460' });
      expect(formTarget(late.location)).to.equal(formTarget(second.location));
      expect(await audits('settings.put')).to.equal(before + 1);
      expect((await h.api('GET', '/api/v1/settings', admin())).body.dailyMinutes).to.equal(450);
      expect((await landing(second)).text).to.contain('Đã lưu cấu hình của cơ quan.');
    });
  });

  describe('failed events', () => {
    const failing = (id: string) => buildEvent({ id, agency: a.code, type: 'task.assigned', actor: { id: 'lead-1' }, subject: { kind: 'task', id, title: 'Việc lỗi', dueAt: '2026-04-10T17:00:00+07:00' }, data: { assigneeId: 'cv-1', workItemCode: 'NO-SUCH' } });
    const attempts = async (id: string): Promise<number> => Number((await h.knex('kpi_events').where({ agency_code: a.code, event_id: id }).first('attempts')).attempts);

    before(async () => {
      expect((await h.postEvents(a, { events: [failing('once-bad-1'), failing('once-bad-2')] })).body.accepted).to.equal(2);
    });

    it('when the same replay form is sent twice, then the event is replayed and audited once; the second goes where the first went', async () => {
      const f = formTo((await get('/panels/admin', admin())).html, '/admin/events/once-bad-1/replay');
      const tries = await attempts('once-bad-1');
      const second = await twice(f, {}, '/kpi/panels/admin?notice=replay-failed');
      expect(await attempts('once-bad-1')).to.equal(tries + 1);
      expect(await audits('events.replay', 'once-bad-1')).to.equal(1);
      expect((await landing(second)).text).to.contain('Đã xử lý lại nhưng sự kiện vẫn lỗi');
    });

    it('when the same replay-of-a-type form is sent twice, then the type\'s failed events are replayed and audited once', async () => {
      const f = formTo((await get('/panels/admin', admin())).html, '/admin/replay-type');
      const tries = [await attempts('once-bad-1'), await attempts('once-bad-2')];
      await twice(f, { type: 'task.assigned' }, '/kpi/panels/admin?notice=replay-failed');
      expect([await attempts('once-bad-1'), await attempts('once-bad-2')]).to.deep.equal(tries.map((n) => n + 1));
      expect(await audits('events.replay-type', 'task.assigned')).to.equal(1);
    });
  });

  // Last: a closed April refuses the catalogue changes above that start in it.
  describe('closing a period', () => {
    it('when the same close form is sent twice, then the period is closed once with one audit row; refused (running, no reason), the same form closes once corrected', async () => {
      const f = formTo((await get('/panels/reports/close?period=2026-04', hr())).html, '/reports/close');
      const running = await send(f, { force: undefined });
      expect(running.status).to.equal(409);
      expect(running.text).to.contain('chưa kết thúc');
      const noReason = await send(f, { force: '1', reason: ' ' });
      expect(noReason.status).to.equal(400);
      expect(await audits('period.close', '2026-04')).to.equal(0);
      const second = await twice(f, { force: '1', reason: 'Khóa sổ sớm để sáp nhập đơn vị' }, '/kpi/panels/reports?period=2026-04&notice=closed');
      expect(await audits('period.close', '2026-04')).to.equal(1);
      expect((await h.plugin.services.scoring.periodStatus(a.code, '2026-04')).status).to.equal('closed');
      expect((await landing(second)).text).to.contain('Đã khóa sổ kỳ');
    });
  });
});
