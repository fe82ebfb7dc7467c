import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { AUDIENCE, type Role } from '../../src/http/auth';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { decode, formsOf, type Form } from '../helpers/html';
import { formTarget } from '../helpers/panel-forms';

/**
 * Closing a period safely (docs/hr.md (closing), docs/integrators.md (API)): a month whose
 * last day has not passed in the agency's time zone is refused (409, naming that day) unless
 * forced with a reason, which is audited; HR sees what the close leaves out before it
 * confirms, in the API (close-preview) and in the reports panel. The plugin's clock: Saturday
 * 4 April 2026, 10:00 in Hà Nội — the 4th day of the running month.
 */

const NOW = new Date('2026-04-04T10:00:00+07:00');

type Page = { status: number; html: string; location: string | null };


function linksOf(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => decode(m[1]!));
}

describe('e2e: closing a period safely (docs/hr.md (closing))', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;
  let n = 0;

  /** A host token issued now by the plugin's clock (the panels check it against that clock). */
  function token(agency: TestAgency, sub: string, roles: Role[], extra: { unit?: string; name?: string; key?: string; claimAgency?: string } = {}): string {
    const iat = Math.floor(NOW.getTime() / 1000);
    const claims: Record<string, unknown> = { sub, agency: extra.claimAgency ?? agency.code, roles, locale: 'vi', name: extra.name ?? sub, iat, exp: iat + 3600 };
    if (extra.unit) claims.unit = extra.unit;
    return jwt.sign(claims, extra.key ?? agency.secret, { algorithm: 'HS256', audience: AUDIENCE });
  }

  const ev = (agency: TestAgency, o: Record<string, unknown>): Record<string, unknown> => ({ id: `cls-${++n}`, agency: agency.code, occurredAt: '2026-02-02T08:00:00+07:00', actor: { id: 'host' }, ...o });
  const unit = (agency: TestAgency, id: string, name: string) => ev(agency, { type: 'unit.upserted', subject: { kind: 'unit', id }, data: { name, parentId: null } });
  const user = (agency: TestAgency, id: string, name: string, unitId: string, isLeader = false) =>
    ev(agency, { type: 'user.upserted', subject: { kind: 'user', id }, data: { name, unitId, position: isLeader ? 'Trưởng phòng' : 'Chuyên viên', isLeader, active: true } });
  const processed = (agency: TestAgency, actor: string, day: string) =>
    ev(agency, { type: 'document.processed', occurredAt: `${day}T09:15:00+07:00`, actor: { id: actor }, subject: { kind: 'document', id: `VB-${n}`, title: 'Công văn', docType: 'cong-van', urgency: 'thuong' }, data: { role: 'main' } });

  async function post(agency: TestAgency, events: Array<Record<string, unknown>>): Promise<void> {
    const r = await h.postEvents(agency, { events });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    expect(r.body.rejected).to.deep.equal([]);
  }

  const T: Record<string, string> = {};
  const api = (method: string, path: string, tok: string | null, body?: unknown) => h.api(method, `/api/v1${path}`, tok, body);

  async function periodClosed(agency: TestAgency, period: string): Promise<boolean> {
    return (await h.plugin.services.scoring.periodStatus(agency.code, period)).status === 'closed';
  }

  async function closeAudits(agency: TestAgency, period: string): Promise<Array<Record<string, unknown>>> {
    const rows = await h.knex('kpi_audit_log').where({ agency_code: agency.code, action: 'period.close', target: period }).select('actor', 'details');
    return rows.map((r: { actor: string; details: unknown }) => ({ actor: r.actor, ...(typeof r.details === 'string' ? JSON.parse(r.details) : r.details) }));
  }

  async function page(path: string, hostToken?: string): Promise<Page> {
    const url = new URL(`${h.url}${path}`);
    if (hostToken) url.searchParams.set('jwt', hostToken);
    const res = await fetch(url, { redirect: 'manual' });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  async function follow(href: string): Promise<Page> {
    const res = await fetch(new URL(href, h.url), { redirect: 'manual' });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  async function submit(form: Form, changes: Record<string, string | undefined> = {}): Promise<Page> {
    const fields: Record<string, string> = { ...form.fields };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete fields[k];
      else fields[k] = v;
    }
    const res = await fetch(new URL(form.action, h.url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
    });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }

  function closeForm(html: string): Form {
    const f = formsOf(html).find((x) => x.action.endsWith('/panels/reports/close'));
    expect(f, 'the close form').to.not.equal(undefined);
    return f!;
  }

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    a = await h.addAgency('ag-closing');
    b = await h.addAgency('ag-closing-b');
    await post(a, [
      unit(a, 'p-a', 'Phòng Tổng hợp'), unit(a, 'p-b', 'Phòng Kế hoạch – Tài chính'), unit(a, 'p-tc', 'Phòng Tổ chức cán bộ'),
      user(a, 'off-1', 'Nguyễn Thị Ánh', 'p-a'), user(a, 'off-2', 'Trần Văn Bình', 'p-a'), user(a, 'lead-a', 'Lê Hoàng Phúc', 'p-a', true),
      user(a, 'off-b', 'Phạm Thu Hằng', 'p-b'), user(a, 'hr-1', 'Vũ Minh Châu', 'p-tc'),
    ]);
    await post(a, [
      processed(a, 'off-1', '2026-03-10'), processed(a, 'off-2', '2026-03-11'), processed(a, 'off-b', '2026-03-12'), processed(a, 'lead-a', '2026-03-12'),
      processed(a, 'off-1', '2026-04-01'), processed(a, 'off-2', '2026-04-02'), processed(a, 'off-b', '2026-04-02'), processed(a, 'lead-a', '2026-04-03'),
    ]);
    await post(b, [unit(b, 'p-a', 'Phòng Tổng hợp'), user(b, 'off-x', 'Hoàng Văn Xuân', 'p-a'), processed(b, 'off-x', '2026-03-10')]);
    T.off1 = token(a, 'off-1', ['official'], { unit: 'p-a' });
    T.offB = token(a, 'off-b', ['official'], { unit: 'p-b' });
    T.leadA = token(a, 'lead-a', ['official', 'leader'], { unit: 'p-a' });
    T.hr = token(a, 'hr-1', ['official', 'hr'], { unit: 'p-tc', name: 'Vũ Minh Châu' });
    T.admin = token(a, 'admin-1', ['admin']);
    T.hrB = token(b, 'hr-b', ['hr']);
    // A token that says agency a but is signed with agency b's secret.
    T.forged = token(b, 'hr-b', ['hr'], { claimAgency: a.code });
    // A pending manual entry in April (off-b), one in March (off-1); general criteria for off-1 only.
    for (const [tok, date] of [[T.offB, '2026-04-03'], [T.off1, '2026-03-20']] as const) {
      const r = await api('POST', '/journal', tok, { date, workItemCode: 'CV-04', quantity: 1 });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect(r.body.status).to.equal('pending');
    }
    for (const period of ['2026-03', '2026-04']) {
      const r = await api('POST', '/assessments', T.leadA, { userId: 'off-1', period, general: 27 });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
    }
  });

  after(async () => { await h?.close(); });

  // ---------------------------------------------------------------- API

  describe('the API', () => {
    it('when HR closes the running month, then 409 period_running naming its last day, and the month stays open', async () => {
      const r = await api('POST', '/periods/2026-04/close', T.hr, {});
      expect(r.status, JSON.stringify(r.body)).to.equal(409);
      expect(r.body.error.code).to.equal('period_running');
      expect(r.body.error.message).to.contain('30/04/2026').and.to.contain('2026-04-30');
      expect(r.body.error.message).to.match(/^Kỳ 2026-04 chưa kết thúc/);
      const quarter = await api('POST', '/periods/2026-Q2/close', T.hr, { applyQuota: true });
      expect(quarter.status).to.equal(409);
      expect(quarter.body.error.message).to.contain('30/06/2026');
      expect(await periodClosed(a, '2026-04')).to.equal(false);
      expect(await closeAudits(a, '2026-04')).to.deep.equal([]);
    });

    it('when the body is not what the close takes, then 400 naming the field', async () => {
      const unknown = await api('POST', '/periods/2026-04/close', T.hr, { applyQuota: true, forced: true, why: 'x' });
      expect(unknown.status).to.equal(400);
      expect(unknown.body.error.code).to.equal('unknown_field');
      expect(unknown.body.error.message).to.contain('forced').and.to.contain('why');
      expect(unknown.body.error.field).to.equal('forced');
      const noReason = await api('POST', '/periods/2026-04/close', T.hr, { force: true });
      expect(noReason.status).to.equal(400);
      expect(noReason.body.error.field).to.equal('reason');
      expect(noReason.body.error.message).to.match(/^reason/);
      expect((await api('POST', '/periods/2026-04/close', T.hr, { force: true, reason: '   ' })).body.error.field).to.equal('reason');
      const long = await api('POST', '/periods/2026-04/close', T.hr, { force: true, reason: 'x'.repeat(1001) });
      expect(long.status).to.equal(400);
      expect(long.body.error.code).to.equal('reason_too_long');
      expect((await api('POST', '/periods/2026-04/close', T.hr, { reason: 'Không ép' })).body.error.field).to.equal('reason');
      const force = await api('POST', '/periods/2026-04/close', T.hr, { force: 'yes', reason: 'x' });
      expect(force.status).to.equal(400);
      expect(force.body.error.field).to.equal('force');
      expect((await api('POST', '/periods/2026-04/close', T.hr, { force: true, reason: 12 })).body.error.field).to.equal('reason');
      expect(await periodClosed(a, '2026-04')).to.equal(false);
    });

    it('when a month that has not started is forced with a reason, then it is still refused (409 period_not_started)', async () => {
      const r = await api('POST', '/periods/2026-05/close', T.hr, { force: true, reason: 'Thử' });
      expect(r.status).to.equal(409);
      expect(r.body.error.code).to.equal('period_not_started');
    });

    it('when HR asks for the preview, then it gives the last day, running, the pending entries and who has no general score', async () => {
      const r = await api('GET', '/periods/2026-04/close-preview', T.hr);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.deep.include({ period: '2026-04', lastDay: '2026-04-30', running: true, pendingEntries: 1, status: 'open' });
      expect(r.body.missingGeneral.map((m: { userId: string }) => m.userId).sort()).to.deep.equal(['hr-1', 'lead-a', 'off-2', 'off-b']);
      expect(r.body.missingGeneral.find((m: { userId: string }) => m.userId === 'off-b')).to.deep.equal({ userId: 'off-b', name: 'Phạm Thu Hằng', unitId: 'p-b' });
      const march = (await api('GET', '/periods/2026-03/close-preview', T.hr)).body;
      expect(march).to.deep.include({ period: '2026-03', lastDay: '2026-03-31', running: false, pendingEntries: 1, status: 'open' });
      expect((await api('GET', '/periods/2026/close-preview', T.hr)).status).to.equal(400);
      expect((await api('GET', '/periods/2026-13/close-preview', T.hr)).status).to.equal(400);
      for (const tok of [T.off1, T.leadA, T.admin]) expect((await api('GET', '/periods/2026-04/close-preview', tok!)).status).to.equal(403);
      expect((await api('GET', '/periods/2026-04/close-preview', null)).status).to.equal(401);
    });

    it('when a leader, an official or an admin tries to close, then 403; another agency\'s token cannot close this agency\'s period', async () => {
      for (const tok of [T.off1, T.leadA, T.admin]) {
        const r = await api('POST', '/periods/2026-03/close', tok!, {});
        expect(r.status).to.equal(403);
        expect(r.body.error.code).to.equal('forbidden');
      }
      expect((await api('POST', '/periods/2026-03/close', T.forged!, {})).status).to.equal(401);
      // HR of agency b closes b's March: a's March stays open.
      const other = await api('POST', '/periods/2026-03/close', T.hrB!, {});
      expect(other.status, JSON.stringify(other.body)).to.equal(200);
      expect(await periodClosed(b, '2026-03')).to.equal(true);
      expect(await periodClosed(a, '2026-03')).to.equal(false);
      expect(await closeAudits(a, '2026-03')).to.deep.equal([]);
    });

    it('when HR forces the close of the running month with a reason, then it is closed, audited with forced and the reason, and no one logs in it any more', async () => {
      const reason = 'Sáp nhập đơn vị theo Quyết định số 12/QĐ-UBND, chốt số liệu sớm'.normalize('NFD');
      const r = await api('POST', '/periods/2026-04/close', T.hr, { force: true, reason });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.include({ period: '2026-04', pendingEntries: 1, forced: true });
      expect(r.body.warnings.join(' ')).to.contain('30/04/2026');
      expect(await periodClosed(a, '2026-04')).to.equal(true);
      const audits = await closeAudits(a, '2026-04');
      expect(audits).to.have.length(1);
      expect(audits[0]).to.include({ actor: 'hr-1', forced: true, reason: reason.normalize('NFC').trim(), lastDay: '2026-04-30', pendingEntries: 1 });
      const scores = await api('GET', '/scores?period=2026-04', T.hr);
      expect(scores.body.status).to.equal('closed');
      const log = await api('POST', '/journal', T.off1, { date: '2026-04-03', workItemCode: 'CV-04', quantity: 1 });
      expect(log.status).to.equal(409);
      expect(log.body.error.code).to.equal('period_closed');
      const again = await api('POST', '/periods/2026-04/close', T.hr, { force: true, reason: 'Lần hai' });
      expect(again.status).to.equal(409);
      expect(again.body.error.code).to.equal('period_closed');
      expect(await closeAudits(a, '2026-04')).to.have.length(1);
      const preview = (await api('GET', '/periods/2026-04/close-preview', T.hr)).body;
      expect(preview).to.deep.include({ status: 'closed', running: true });
    });

    it('when the forced month is reopened, then only an admin with a reason may, and it is audited', async () => {
      for (const tok of [T.off1, T.leadA, T.hr]) expect((await api('POST', '/periods/2026-04/reopen', tok!, { reason: 'Sai sót' })).status).to.equal(403);
      const noReason = await api('POST', '/periods/2026-04/reopen', T.admin, {});
      expect(noReason.status).to.equal(400);
      expect(noReason.body.error.field).to.equal('reason');
      const ok = await api('POST', '/periods/2026-04/reopen', T.admin, { reason: 'Khóa sớm nhầm' });
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(await periodClosed(a, '2026-04')).to.equal(false);
      const audit = await h.knex('kpi_audit_log').where({ agency_code: a.code, action: 'period.reopen', target: '2026-04' }).select('actor');
      expect(audit.map((x: { actor: string }) => x.actor)).to.deep.equal(['admin-1']);
    });
  });

  // ---------------------------------------------------------------- panel

  describe('the reports panel', () => {
    it('when HR opens the reports of the running month, then a link leads to the confirmation, which lists the pending count and the names without a general score', async () => {
      const p = await page('/panels/reports?period=2026-04', T.hr);
      expect(p.status, p.html.slice(0, 1000)).to.equal(200);
      const href = linksOf(p.html).find((l) => l.includes('/panels/reports/close?'));
      expect(href, 'the link to the confirmation').to.be.a('string');
      expect(new URL(href!, h.url).searchParams.get('period')).to.equal('2026-04');
      const c = await follow(href!);
      expect(c.status, c.html.slice(0, 1000)).to.equal(200);
      const text = decode(c.html);
      expect(c.html).to.contain('data-pending="1"');
      expect(text).to.contain('Còn 1 mục nhật ký chờ duyệt');
      for (const name of ['Trần Văn Bình', 'Phạm Thu Hằng', 'Lê Hoàng Phúc']) expect(text).to.contain(name);
      expect([...c.html.matchAll(/<li data-user="([^"]+)">/g)].map((m) => m[1]).sort()).to.deep.equal(['hr-1', 'lead-a', 'off-2', 'off-b']);
      expect(text).to.contain('4 cán bộ đã được chấm nhưng chưa có điểm tiêu chí chung');
      expect(text).to.not.contain('Nguyễn Thị Ánh');
      expect(text).to.contain('30/04/2026');
      // The month is running: the force checkbox and the reason are there.
      expect(c.html).to.match(/<input type="checkbox" name="force" value="1">/);
      expect(c.html).to.contain('<textarea id="c-reason" name="reason"');
      const f = closeForm(c.html);
      expect(f.fields.period).to.equal('2026-04');
      expect(f.fields._csrf).to.be.a('string');
    });

    it('when the confirmation is posted without forcing, or forced without a reason, then the panel says why (409, 400) and nothing is closed', async () => {
      const c = await page('/panels/reports/close?period=2026-04', T.hr);
      const f = closeForm(c.html);
      const running = await submit(f, { force: undefined, applyQuota: undefined });
      expect(running.status).to.equal(409);
      expect(decode(running.html)).to.contain('chưa kết thúc: ngày cuối của kỳ là 30/04/2026');
      expect(running.html).to.contain('role="alert"');
      const noReason = await submit(f, { force: '1', reason: '  ' });
      expect(noReason.status).to.equal(400);
      expect(decode(noReason.html)).to.contain('Cần nêu lý do khi khóa sổ sớm');
      expect(noReason.html).to.match(/name="force" value="1" checked/);
      expect(await periodClosed(a, '2026-04')).to.equal(false);
    });

    it('when the form comes without its form token, or from an admin or a leader, then 403 and nothing is closed', async () => {
      const c = await page('/panels/reports/close?period=2026-04', T.hr);
      const f = closeForm(c.html);
      expect((await submit(f, { _csrf: undefined, force: '1', reason: 'x' })).status).to.equal(403);
      expect((await submit(f, { period: '2026-03' })).status, 'a token bound to another period').to.equal(403);
      expect((await page('/panels/reports/close?period=2026-04', T.admin)).status).to.equal(403);
      expect((await page('/panels/reports/close?period=2026-04', T.leadA)).status).to.equal(403);
      const adminReports = await page('/panels/reports?period=2026-04', T.admin);
      expect(adminReports.status).to.equal(200);
      expect(linksOf(adminReports.html).some((l) => l.includes('/reports/close'))).to.equal(false);
      expect(await periodClosed(a, '2026-04')).to.equal(false);
    });

    it('when HR forces with a reason, then the month closes (303, a notice); the same form posted again goes where the first went; another page\'s form answers 409 already closed', async () => {
      const c = await page('/panels/reports/close?period=2026-04', T.hr);
      const f = closeForm(c.html);
      // A second confirmation opened before the close (another tab): its own form token.
      const other = closeForm((await page('/panels/reports/close?period=2026-04', T.hr)).html);
      const r = await submit(f, { force: '1', reason: 'Chốt số liệu sớm để sáp nhập đơn vị', applyQuota: undefined });
      expect(r.status, r.html.slice(0, 1000)).to.equal(303);
      expect(r.location).to.contain('/panels/reports?').and.to.contain('notice=closed').and.to.contain('period=2026-04');
      const back = await follow(r.location!);
      expect(back.status).to.equal(200);
      expect(decode(back.html)).to.contain('Đã khóa sổ kỳ').and.to.contain('Tháng 04/2026 đã khóa sổ.');
      expect(await periodClosed(a, '2026-04')).to.equal(true);
      const audits = await closeAudits(a, '2026-04');
      expect(audits.at(-1)).to.include({ actor: 'hr-1', forced: true, reason: 'Chốt số liệu sớm để sáp nhập đơn vị' });
      const count = audits.length;
      const twice = await submit(f, { force: '1', reason: 'Chốt số liệu sớm để sáp nhập đơn vị' });
      expect(twice.status).to.equal(303);
      expect(formTarget(twice.location)).to.equal(formTarget(r.location));
      const late = await submit(other, { force: '1', reason: 'Chốt số liệu sớm để sáp nhập đơn vị' });
      expect(late.status).to.equal(409);
      expect(decode(late.html)).to.contain('Kỳ đánh giá đã khóa sổ');
      expect(await closeAudits(a, '2026-04')).to.have.length(count);
      // Closed: the confirmation has no form any more.
      const closed = await page('/panels/reports/close?period=2026-04', T.hr);
      expect(closed.status).to.equal(200);
      expect(formsOf(closed.html).filter((x) => x.action.endsWith('/reports/close'))).to.deep.equal([]);
    });

    it('when the month has ended, then the confirmation has no force checkbox and closes it as is', async () => {
      const c = await page('/panels/reports/close?period=2026-03', T.hr);
      expect(c.status).to.equal(200);
      expect(c.html).to.not.contain('name="force"');
      expect(c.html).to.contain('data-pending="1"');
      const r = await submit(closeForm(c.html), { applyQuota: '1' });
      expect(r.status, r.html.slice(0, 1000)).to.equal(303);
      expect(await periodClosed(a, '2026-03')).to.equal(true);
      const audits = await closeAudits(a, '2026-03');
      expect(audits).to.have.length(1);
      expect(audits[0]).to.include({ actor: 'hr-1', applyQuota: true, pendingEntries: 1 });
      expect(audits[0]).to.not.have.property('forced');
    });

    it('when the reports page lists its workbooks, then the links carry the context token', async () => {
      const p = await page('/panels/reports?period=2026-Q1&unit=p-a', T.hr);
      const links = linksOf(p.html).filter((l) => l.includes('.xlsx'));
      expect(links).to.have.length(1);
      const u = new URL(links[0]!, h.url);
      expect(u.pathname).to.equal('/kpi/reports/2026-Q1.xlsx');
      expect(u.searchParams.get('unit')).to.equal('p-a');
      expect(u.searchParams.get('ctx')).to.be.a('string');
    });
  });
});
