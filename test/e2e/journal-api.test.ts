import crypto from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { SCHEMA_FILES, validateAgainst } from '../../src/contract/ajv';
import { AUDIENCE, type Role } from '../../src/http/auth';
import { cloneRules } from '../../src/rules/mapping';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * The journal's life over HTTP (docs/integrators.md (panels and API)): manual entries by an official, their review by
 * the leader of the official's unit, the insights of "My KPI" (daily cap, empty days,
 * suggestions) and the general-criteria assessments. The plugin runs on a fixed clock,
 * Friday 2026-03-20 10:00 in Hà Nội; tokens are signed for that clock.
 */

const NOW = new Date('2026-03-20T10:00:00+07:00');
const LEAKS = [/\bselect\b/i, /\binsert\b/i, /\n\s+at /, /\.(?:js|ts):\d+/, /kpi_[a-z_]+/];

type Res = { status: number; body: any };

function expectError(res: Res, status: number, code: string, field?: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.body).to.have.property('error');
  expect(res.body.error.code).to.equal(code);
  expect(res.body.error.message).to.be.a('string').and.not.be.empty;
  if (field !== undefined) {
    expect(res.body.error.field).to.equal(field);
    expect(res.body.error.message).to.contain(field);
  }
  for (const re of LEAKS) expect(JSON.stringify(res.body), `leaks ${re}`).to.not.match(re);
  expect(validateAgainst(SCHEMA_FILES.error, res.body)).to.deep.equal({ ok: true });
}

/** An entry as the API returns it, checked against the published schema. */
function expectEntry(body: unknown): any {
  expect(validateAgainst(SCHEMA_FILES.journalEntry, body), JSON.stringify(body)).to.deep.equal({ ok: true });
  return body;
}

describe('e2e: journal review, insights and assessments (docs/integrators.md (panels and API))', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let other: TestAgency;
  let n = 0;

  const T: Record<string, string> = {};

  function token(agency: TestAgency, sub: string, roles: Role[], unit?: string): string {
    const iat = Math.floor(NOW.getTime() / 1000);
    return jwt.sign({ sub, agency: agency.code, roles, locale: 'vi', name: sub, ...(unit ? { unit } : {}), iat }, agency.secret, { algorithm: 'HS256', audience: AUDIENCE, expiresIn: 3600 });
  }

  async function post(agency: TestAgency, events: Array<Record<string, unknown>>): Promise<void> {
    const raw = JSON.stringify({ events });
    const body_sha256 = crypto.createHash('sha256').update(raw).digest('hex');
    const tok = jwt.sign({ agency: agency.code, body_sha256, iat: Math.floor(NOW.getTime() / 1000) }, agency.secret, {
      algorithm: 'HS256', audience: AUDIENCE, issuer: agency.issuer, expiresIn: 120, jwtid: crypto.randomUUID(),
    });
    const r = await h.postEvents(agency, { events }, { token: tok, rawBody: raw });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    expect(r.body.rejected).to.deep.equal([]);
  }

  function userEvent(agency: TestAgency, id: string, unitId: string, isLeader: boolean, occurredAt = '2026-01-05T08:00:00+07:00') {
    return {
      id: `usr-${id}-${++n}`, type: 'user.upserted', occurredAt, agency: agency.code, actor: { id: 'host' },
      subject: { kind: 'user', id }, data: { name: `Cán bộ ${id}`, unitId, position: isLeader ? 'truong-phong' : 'chuyen-vien', isLeader, active: true },
    };
  }

  function unitEvent(agency: TestAgency, id: string) {
    return { id: `unit-${id}-${++n}`, type: 'unit.upserted', occurredAt: '2026-01-02T08:00:00+07:00', agency: agency.code, actor: { id: 'host' }, subject: { kind: 'unit', id }, data: { name: `Phòng ${id}`, parentId: null } };
  }

  const api = (method: string, path: string, tok: string | null, body?: unknown): Promise<Res> => h.api(method, `/api/v1${path}`, tok, body);

  async function create(tok: string, body: Record<string, unknown>): Promise<any> {
    const r = await api('POST', '/journal', tok, body);
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return expectEntry(r.body);
  }

  async function audits(action: string, target: string): Promise<any[]> {
    return h.knex('kpi_audit_log').where({ agency_code: a.code, action, target }).select('actor', 'details');
  }

  async function closePeriod(period: string): Promise<void> {
    await h.knex('kpi_periods').insert({ agency_code: a.code, period, status: 'closed', apply_quota: false, closed_by: 'hr-1', closed_at: NOW, updated_at: NOW });
  }

  async function reopenPeriod(period: string): Promise<void> {
    await h.knex('kpi_periods').where({ agency_code: a.code, period }).delete();
  }

  async function putSettings(patch: Record<string, unknown>): Promise<void> {
    const r = await api('PUT', '/settings', T.admin!, patch);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
  }

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    a = await h.addAgency('ag-journal');
    other = await h.addAgency('ag-journal-other');
    await post(a, [
      unitEvent(a, 'p-a'), unitEvent(a, 'p-b'), unitEvent(a, 'p-tc'),
      userEvent(a, 'lead-a', 'p-a', true), userEvent(a, 'lead-a2', 'p-a', true), userEvent(a, 'lead-b', 'p-b', true),
      userEvent(a, 'off-a1', 'p-a', false), userEvent(a, 'off-a2', 'p-a', false), userEvent(a, 'off-a3', 'p-a', false),
      userEvent(a, 'off-b1', 'p-b', false), userEvent(a, 'hr-1', 'p-tc', false),
      // Joined on Tuesday 10 March: nothing is expected of them before.
      userEvent(a, 'off-late', 'p-a', false, '2026-03-10T08:00:00+07:00'),
    ]);
    await post(other, [unitEvent(other, 'p-a'), userEvent(other, 'off-x', 'p-a', false)]);
    T.offA1 = token(a, 'off-a1', ['official']);
    T.offA2 = token(a, 'off-a2', ['official']);
    T.offA3 = token(a, 'off-a3', ['official']);
    T.offLate = token(a, 'off-late', ['official']);
    T.offB1 = token(a, 'off-b1', ['official']);
    T.leadA = token(a, 'lead-a', ['official', 'leader'], 'p-a');
    T.leadA2 = token(a, 'lead-a2', ['official', 'leader'], 'p-a');
    T.leadB = token(a, 'lead-b', ['official', 'leader'], 'p-b');
    T.hr = token(a, 'hr-1', ['official', 'hr']);
    T.admin = token(a, 'admin-1', ['admin']);
    T.otherOff = token(other, 'off-x', ['official']);
    T.otherLead = token(other, 'lead-x', ['leader'], 'p-a');
  });
  after(async () => { await h?.close(); });

  // ---------------------------------------------------------------- manual entries

  describe('POST /journal (a manual entry for oneself)', () => {
    it('when an official logs a count item, then it is 201 pending with m(e) = quantity × standard minutes, and audited', async () => {
      const e = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 2, note: 'Soạn công văn trả lời Sở Tài chính' });
      expect(e).to.include({ userId: 'off-a1', unitId: 'p-a', date: '2026-03-19', workItemCode: 'CV-04', quantity: 2, coefficient: 1, rating: 1, standardMinutes: 60, minutes: 120, status: 'pending', source: 'manual', eventId: null, fails: 0, delays: 0 });
      expect(e.id).to.be.a('string');
      const rows = await audits('journal.create', `journal:${e.id}`);
      expect(rows).to.have.length(1);
      expect(rows[0].actor).to.equal('off-a1');
      const list = await api('GET', '/journal?from=2026-03-19&to=2026-03-19', T.offA1!);
      expect(list.body.entries.map((x: any) => x.id)).to.include(e.id);
    });

    it('when the note is typed in decomposed Unicode (NFD), then it is stored composed (NFC)', async () => {
      const e = await create(T.offA1!, { date: '2026-03-18', workItemCode: 'CH-01', quantity: 1, note: 'Dự họp giao ban'.normalize('NFD') });
      expect(e.note).to.equal('Dự họp giao ban'.normalize('NFC'));
    });

    it('when the agency does not require approval of manual entries, then a count entry is approved at once but a rated one still waits for its rating', async () => {
      await putSettings({ manualEntriesNeedApproval: false });
      try {
        const count = await create(T.offA1!, { date: '2026-03-18', workItemCode: 'CH-04', quantity: 3 });
        expect(count.status).to.equal('approved');
        expect(count.minutes).to.equal(90);
        const rated = await create(T.offA1!, { date: '2026-03-18', workItemCode: 'CH-10', quantity: 1 });
        expect(rated.status).to.equal('pending');
        expect(rated.rating).to.equal(null);
      } finally {
        await putSettings({ manualEntriesNeedApproval: true });
      }
    });

    it('when the date is in the future, then 400 names date', async () => {
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-21', workItemCode: 'CV-04', quantity: 1 }), 400, 'date_in_future', 'date');
    });

    it('when the date is not a real YYYY-MM-DD day, then 400 names date', async () => {
      for (const date of ['2026-02-30', '20-03-2026', '2026-3-5', 20260319, null]) {
        expectError(await api('POST', '/journal', T.offA1!, { date, workItemCode: 'CV-04', quantity: 1 }), 400, 'invalid_date', 'date');
      }
    });

    it('when the date is more than 60 days back, then 400 names date; 60 days back is accepted', async () => {
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-01-18', workItemCode: 'CV-04', quantity: 1 }), 400, 'date_too_old', 'date');
      await create(T.offA1!, { date: '2026-01-19', workItemCode: 'CV-04', quantity: 1 });
    });

    it('when the quantity is 0, negative, over the item maximum, not a number or has 3 decimals, then 400 names quantity', async () => {
      const cases: Array<[unknown, string]> = [[0, 'invalid_quantity'], [-1, 'invalid_quantity'], [51, 'quantity_over_max'], ['2', 'invalid_quantity'], [null, 'invalid_quantity'], [true, 'invalid_quantity'], [1.234, 'invalid_quantity']];
      for (const [quantity, code] of cases) {
        expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity }), 400, code, 'quantity');
      }
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04' }), 400, 'required', 'quantity');
      const ok = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 50 });
      expect(ok.quantity).to.equal(50);
      const half = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-03', quantity: 1.5 });
      expect(half.minutes).to.equal(7.5);
    });

    it('when the work item is unknown or inactive, then 400 names workItemCode', async () => {
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-19', workItemCode: 'XX-99', quantity: 1 }), 400, 'unknown_work_item', 'workItemCode');
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-19', workItemCode: 42, quantity: 1 }), 400, 'invalid_work_item', 'workItemCode');
      const item = (await h.plugin.services.agencies.catalogue(a.code)).find((i) => i.code === 'CH-07')!;
      await h.plugin.services.agencies.saveCatalogue(a.code, [{ ...item, active: false }], 'admin-1');
      try {
        expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-19', workItemCode: 'CH-07', quantity: 1 }), 400, 'inactive_work_item', 'workItemCode');
      } finally {
        await h.plugin.services.agencies.saveCatalogue(a.code, [{ ...item, active: true }], 'admin-1');
      }
      await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CH-07', quantity: 1 });
    });

    it('when the note is longer than 1000 characters or a field is unknown, then 400 names it', async () => {
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1, note: 'x'.repeat(1001) }), 400, 'note_too_long', 'note');
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1, userId: 'off-a2' }), 400, 'unknown_field', 'userId');
      expectError(await api('POST', '/journal', T.offA1!, [1, 2]), 400, 'invalid_body');
    });

    it('when there is no token, or only the HR or admin role, then 401 / 403', async () => {
      expectError(await api('POST', '/journal', null, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 }), 401, 'unauthorized');
      expectError(await api('POST', '/journal', token(a, 'hr-1', ['hr']), { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 }), 403, 'forbidden');
      expectError(await api('POST', '/journal', T.admin!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 }), 403, 'forbidden');
    });
  });

  // ---------------------------------------------------------------- changing and withdrawing

  describe('PATCH and DELETE /journal/:id (the owner, while pending)', () => {
    it('when the owner changes the quantity and the item, then the minutes are recomputed and the change audited', async () => {
      const e = await create(T.offA1!, { date: '2026-03-17', workItemCode: 'CV-04', quantity: 1 });
      const r = await api('PATCH', `/journal/${e.id}`, T.offA1!, { quantity: 2, workItemCode: 'CV-05', note: 'Tờ trình' });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expectEntry(r.body);
      expect(r.body).to.include({ workItemCode: 'CV-05', quantity: 2, standardMinutes: 120, minutes: 240, note: 'Tờ trình', status: 'pending' });
      expect(await audits('journal.update', `journal:${e.id}`)).to.have.length(1);
      expectError(await api('PATCH', `/journal/${e.id}`, T.offA1!, { quantity: 0 }), 400, 'invalid_quantity', 'quantity');
      expectError(await api('PATCH', `/journal/${e.id}`, T.offA1!, { quantity: 21 }), 400, 'quantity_over_max', 'quantity');
      expectError(await api('PATCH', `/journal/${e.id}`, T.offA1!, { date: '2026-03-23' }), 400, 'date_in_future', 'date');
      expectError(await api('PATCH', `/journal/${e.id}`, T.offA1!, {}), 400, 'invalid_body');
    });

    it('when another official, a leader or another agency touches it, then 404 / 403 and nothing changes', async () => {
      const e = await create(T.offA1!, { date: '2026-03-17', workItemCode: 'CV-04', quantity: 1 });
      expectError(await api('PATCH', `/journal/${e.id}`, T.offA2!, { quantity: 3 }), 404, 'not_found');
      expectError(await api('DELETE', `/journal/${e.id}`, T.offA2!), 404, 'not_found');
      expectError(await api('PATCH', `/journal/${e.id}`, T.otherOff!, { quantity: 3 }), 404, 'not_found');
      expectError(await api('PATCH', `/journal/${e.id}`, T.leadA!, { quantity: 3 }), 403, 'not_owner');
      expectError(await api('DELETE', `/journal/${e.id}`, T.leadA!), 403, 'not_owner');
      expectError(await api('PATCH', '/journal/999999999', T.offA1!, { quantity: 3 }), 404, 'not_found');
      expectError(await api('PATCH', '/journal/abc', T.offA1!, { quantity: 3 }), 404, 'not_found');
      const row = await h.knex('kpi_journal_entries').where({ id: e.id }).first('quantity');
      expect(Number(row.quantity)).to.equal(1);
    });

    it('when the owner deletes a pending entry, then 204 and it is gone; an approved one is 409', async () => {
      const e = await create(T.offA1!, { date: '2026-03-16', workItemCode: 'CV-04', quantity: 1 });
      const del = await api('DELETE', `/journal/${e.id}`, T.offA1!);
      expect(del.status).to.equal(204);
      expect(await h.knex('kpi_journal_entries').where({ id: e.id }).first()).to.equal(undefined);
      expect(await audits('journal.delete', `journal:${e.id}`)).to.have.length(1);
      expectError(await api('DELETE', `/journal/${e.id}`, T.offA1!), 404, 'not_found');

      const f = await create(T.offA1!, { date: '2026-03-16', workItemCode: 'CV-04', quantity: 1 });
      expect((await api('POST', `/journal/${f.id}/approve`, T.leadA!)).status).to.equal(200);
      expectError(await api('PATCH', `/journal/${f.id}`, T.offA1!, { quantity: 2 }), 409, 'not_pending');
      expectError(await api('DELETE', `/journal/${f.id}`, T.offA1!), 409, 'not_pending');
    });

    it('when the entry was made by an event, then the owner cannot change it (409)', async () => {
      await post(a, [buildEvent({ agency: a.code, actor: { id: 'off-a1' }, occurredAt: '2026-03-16T09:00:00+07:00' })]);
      const ev = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-a1', source: 'event' }).first('id');
      expectError(await api('PATCH', `/journal/${ev.id}`, T.offA1!, { quantity: 2 }), 409, 'not_manual');
      expectError(await api('DELETE', `/journal/${ev.id}`, T.offA1!), 409, 'not_manual');
    });
  });

  // ---------------------------------------------------------------- review

  describe('review by the leader of the official\'s unit', () => {
    it('when the leader approves a member\'s pending entry, then it is approved, signed and audited; a second approval is 409', async () => {
      const e = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 });
      const r = await api('POST', `/journal/${e.id}/approve`, T.leadA!);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.include({ status: 'approved', reviewedBy: 'lead-a', minutes: 60 });
      const rows = await audits('journal.approve', `journal:${e.id}`);
      expect(rows).to.have.length(1);
      expect(rows[0].actor).to.equal('lead-a');
      expect(JSON.parse(rows[0].details)).to.include({ userId: 'off-a1', from: 'pending', to: 'approved' });
      expectError(await api('POST', `/journal/${e.id}/approve`, T.leadA!), 409, 'not_pending');
    });

    it('when an official tries to approve (even their own entry), then 403', async () => {
      const e = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 });
      expectError(await api('POST', `/journal/${e.id}/approve`, T.offA1!), 403, 'forbidden');
      expectError(await api('POST', `/journal/${e.id}/approve`, T.offA2!), 403, 'forbidden');
    });

    it('when a leader reviews their own entry, then 403; another leader of the same unit may', async () => {
      const e = await create(T.leadA!, { date: '2026-03-19', workItemCode: 'LD-04', quantity: 1 });
      expectError(await api('POST', `/journal/${e.id}/approve`, T.leadA!), 403, 'own_entry');
      expectError(await api('POST', `/journal/${e.id}/return`, T.leadA!, { reason: 'x' }), 403, 'own_entry');
      const r = await api('POST', `/journal/${e.id}/approve`, T.leadA2!);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.reviewedBy).to.equal('lead-a2');
    });

    it('when a leader of another unit, HR, admin or another agency reviews, then 403 / 404 and the entry stays pending', async () => {
      const e = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 });
      expectError(await api('POST', `/journal/${e.id}/approve`, T.leadB!), 404, 'not_found');
      expectError(await api('POST', `/journal/${e.id}/return`, T.leadB!, { reason: 'Không đúng' }), 404, 'not_found');
      expectError(await api('POST', `/journal/${e.id}/approve`, T.otherLead!), 404, 'not_found');
      expectError(await api('POST', `/journal/${e.id}/approve`, T.hr!), 403, 'forbidden');
      expectError(await api('POST', `/journal/${e.id}/approve`, token(a, 'hr-2', ['hr', 'leader'])), 403, 'not_unit_leader');
      expectError(await api('POST', `/journal/${e.id}/approve`, T.admin!), 403, 'forbidden');
      const row = await h.knex('kpi_journal_entries').where({ id: e.id }).first('status');
      expect(row.status).to.equal('pending');
    });

    it('when the leader returns an entry without a reason, then 400 names reason; with one, it is rejected and never counted', async () => {
      const e = await create(T.offA1!, { date: '2026-03-13', workItemCode: 'CV-10', quantity: 1 });
      expectError(await api('POST', `/journal/${e.id}/return`, T.leadA!), 400, 'reason_required', 'reason');
      expectError(await api('POST', `/journal/${e.id}/return`, T.leadA!, { reason: '   ' }), 400, 'reason_required', 'reason');
      expectError(await api('POST', `/journal/${e.id}/return`, T.leadA!, { reason: 'x'.repeat(1001) }), 400, 'reason_too_long', 'reason');
      let ins = await api('GET', '/journal/insights?period=2026-03', T.offA1!);
      expect(ins.body.overCap.map((d: any) => d.date)).to.include('2026-03-13');
      const r = await api('POST', `/journal/${e.id}/return`, T.leadA!, { reason: 'Chưa có sản phẩm kèm theo' });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expectEntry(r.body);
      expect(r.body).to.include({ status: 'rejected', reviewReason: 'Chưa có sản phẩm kèm theo', reviewedBy: 'lead-a' });
      expect(await audits('journal.return', `journal:${e.id}`)).to.have.length(1);
      ins = await api('GET', '/journal/insights?period=2026-03', T.offA1!);
      expect(ins.body.overCap.map((d: any) => d.date)).to.not.include('2026-03-13');
      expectError(await api('POST', `/journal/${e.id}/approve`, T.leadA!), 409, 'not_pending');
      expectError(await api('POST', `/journal/${e.id}/return`, T.leadA!, { reason: 'lần nữa' }), 409, 'already_rejected');
    });

    it('when a rated item is approved without a rating, then 409 asks to rate; once rated 0.5, its minutes reflect the rating', async () => {
      const e = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CH-08', quantity: 1 });
      expect(e).to.include({ status: 'pending', rating: null, minutes: 480 });
      expectError(await api('POST', `/journal/${e.id}/approve`, T.leadA!), 409, 'rating_required');
      for (const rating of [1.5, -0.1, '0.5', null]) {
        expectError(await api('POST', `/journal/${e.id}/rate`, T.leadA!, { rating }), 400, 'invalid_rating', 'rating');
      }
      const r = await api('POST', `/journal/${e.id}/rate`, T.leadA!, { rating: 0.5 });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expectEntry(r.body);
      expect(r.body).to.include({ status: 'approved', rating: 0.5, minutes: 240, reviewedBy: 'lead-a' });
      const rerate = await api('POST', `/journal/${e.id}/rate`, T.leadA!, { rating: 0.75 });
      expect(rerate.body).to.include({ rating: 0.75, minutes: 360 });
      expect(await audits('journal.rate', `journal:${e.id}`)).to.have.length(2);
    });

    it('when a count item is rated, then 409', async () => {
      const e = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 });
      expectError(await api('POST', `/journal/${e.id}/rate`, T.leadA!, { rating: 0.5 }), 409, 'not_rated_item');
    });

    it('when the leader marks a manual entry "not met", then its fails count rises (an excused one does not) and a fail mark is kept on the entry', async () => {
      const e = await create(T.offA1!, { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1 });
      await api('POST', `/journal/${e.id}/approve`, T.leadA!);
      const r = await api('POST', `/journal/${e.id}/fail`, T.leadA!, {});
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body.fails).to.equal(1);
      const ex = await api('POST', `/journal/${e.id}/fail`, T.leadA!, { excused: true });
      expect(ex.body.fails).to.equal(1);
      expectError(await api('POST', `/journal/${e.id}/fail`, T.leadA!, { excused: 'yes' }), 400, 'invalid_excused', 'excused');
      const marks = await h.knex('kpi_marks').where({ agency_code: a.code, subject_kind: 'entry', subject_id: e.id }).select('user_id', 'kind', 'excused');
      expect(marks).to.have.length(2);
      expect(marks.every((m) => m.user_id === 'off-a1' && m.kind === 'fail')).to.equal(true);
      expect(await audits('journal.fail', `journal:${e.id}`)).to.have.length(2);
      expectError(await api('POST', `/journal/${e.id}/fail`, T.offA1!, {}), 403, 'forbidden');
      expectError(await api('POST', `/journal/${e.id}/fail`, T.leadB!, {}), 404, 'not_found');
    });

    it('when the leader marks an event-made entry "not met", then the mark lies on its subject and the entry\'s fails count rises', async () => {
      const ev = buildEvent({ agency: a.code, actor: { id: 'off-a2' }, occurredAt: '2026-03-19T09:00:00+07:00' });
      await post(a, [ev]);
      const entry = await h.knex('kpi_journal_entries').where({ agency_code: a.code, event_id: ev.id }).first('id', 'status');
      expect(entry.status).to.equal('approved'); // autoApproveEventEntries: approved on arrival
      const r = await api('POST', `/journal/${entry.id}/fail`, T.leadA!, {});
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.include({ fails: 1, subjectKind: 'document', subjectId: ev.subject.id });
      const marks = await h.knex('kpi_marks').where({ agency_code: a.code, subject_kind: 'document', subject_id: ev.subject.id }).select('user_id', 'kind');
      expect(marks).to.deep.equal([{ user_id: 'off-a2', kind: 'fail' }]);
    });

    it('when the agency does not auto-approve event entries, then they arrive pending and the leader approves them', async () => {
      await putSettings({ autoApproveEventEntries: false });
      try {
        const ev = buildEvent({ agency: a.code, actor: { id: 'off-a2' }, occurredAt: '2026-03-19T10:00:00+07:00' });
        await post(a, [ev]);
        const entry = await h.knex('kpi_journal_entries').where({ agency_code: a.code, event_id: ev.id }).first('id', 'status');
        expect(entry.status).to.equal('pending');
        const r = await api('POST', `/journal/${entry.id}/approve`, T.leadA!);
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(r.body.status).to.equal('approved');
      } finally {
        await putSettings({ autoApproveEventEntries: true });
      }
    });
  });

  // ---------------------------------------------------------------- closed periods

  describe('a closed period', () => {
    let pending: any;
    let approved: any;
    before(async () => {
      pending = await create(T.offA1!, { date: '2026-02-16', workItemCode: 'CV-04', quantity: 1 });
      approved = await create(T.offA1!, { date: '2026-02-17', workItemCode: 'CV-04', quantity: 1 });
      await api('POST', `/journal/${approved.id}/approve`, T.leadA!);
      await closePeriod('2026-02');
    });
    after(async () => { await reopenPeriod('2026-02'); });

    it('when an official logs a day of a closed month, then 409 period_closed', async () => {
      expectError(await api('POST', '/journal', T.offA1!, { date: '2026-02-20', workItemCode: 'CV-04', quantity: 1 }), 409, 'period_closed');
      await create(T.offA1!, { date: '2026-03-02', workItemCode: 'CV-04', quantity: 1 });
    });

    it('when an entry of a closed month is changed, deleted, approved, returned, rated or failed, then 409 and it is unchanged', async () => {
      expectError(await api('PATCH', `/journal/${pending.id}`, T.offA1!, { quantity: 2 }), 409, 'period_closed');
      expectError(await api('PATCH', `/journal/${pending.id}`, T.offA1!, { date: '2026-03-02' }), 409, 'period_closed');
      expectError(await api('DELETE', `/journal/${pending.id}`, T.offA1!), 409, 'period_closed');
      expectError(await api('POST', `/journal/${pending.id}/approve`, T.leadA!), 409, 'period_closed');
      expectError(await api('POST', `/journal/${pending.id}/return`, T.leadA!, { reason: 'Sai' }), 409, 'period_closed');
      expectError(await api('POST', `/journal/${approved.id}/fail`, T.leadA!, {}), 409, 'period_closed');
      const row = await h.knex('kpi_journal_entries').where({ id: pending.id }).first('status', 'quantity');
      expect(row.status).to.equal('pending');
      expect(Number(row.quantity)).to.equal(1);
      expect(await h.knex('kpi_marks').where({ subject_kind: 'entry', subject_id: approved.id }).first()).to.equal(undefined);
    });

    it('when a pending entry of an open month is moved into the closed month, then 409', async () => {
      const e = await create(T.offA1!, { date: '2026-03-03', workItemCode: 'CV-04', quantity: 1 });
      expectError(await api('PATCH', `/journal/${e.id}`, T.offA1!, { date: '2026-02-27' }), 409, 'period_closed');
    });

    it('when the quarter containing the day is closed, then review is refused too', async () => {
      await reopenPeriod('2026-02');
      await closePeriod('2026-Q1');
      try {
        expectError(await api('POST', `/journal/${pending.id}/approve`, T.leadA!), 409, 'period_closed');
      } finally {
        await reopenPeriod('2026-Q1');
        await closePeriod('2026-02');
      }
    });
  });

  // ---------------------------------------------------------------- insights

  describe('GET /journal/insights', () => {
    it('when a day\'s counted minutes pass the cap, then it is listed with its total and the cap; a day at exactly the cap is not', async () => {
      await create(T.offA2!, { date: '2026-03-18', workItemCode: 'CV-10', quantity: 1 });
      await create(T.offA2!, { date: '2026-03-18', workItemCode: 'CV-04', quantity: 1 });
      await create(T.offA2!, { date: '2026-03-17', workItemCode: 'CH-02', quantity: 1 });
      const r = await api('GET', '/journal/insights?period=2026-03', T.offA2!);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.include({ userId: 'off-a2', period: '2026-03', from: '2026-03-01', to: '2026-03-31', today: '2026-03-20', capMinutes: 480 });
      expect(r.body.overCap).to.deep.equal([{ date: '2026-03-18', totalMinutes: 1500, capMinutes: 480, entries: 2 }]);
    });

    it('when the period is left out, then it is the current month', async () => {
      const r = await api('GET', '/journal/insights', T.offA2!);
      expect(r.body.period).to.equal('2026-03');
    });

    it('when working days have nothing logged, then they are reminded, skipping weekends, holidays, today and days before the official joined; make-up days count', async () => {
      await putSettings({ holidays: ['2026-03-12'], makeUpDays: ['2026-03-14'] });
      try {
        await create(T.offLate!, { date: '2026-03-11', workItemCode: 'CV-04', quantity: 1 });
        const returned = await create(T.offLate!, { date: '2026-03-16', workItemCode: 'CV-04', quantity: 1 });
        await api('POST', `/journal/${returned.id}/return`, T.leadA!, { reason: 'Trùng' });
        const r = await api('GET', '/journal/insights?user=off-late&period=2026-03', T.leadA!);
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(r.body.reminders.map((x: any) => x.date)).to.deep.equal(['2026-03-10', '2026-03-13', '2026-03-14', '2026-03-16', '2026-03-17', '2026-03-18', '2026-03-19']);
        const feb = await api('GET', '/journal/insights?user=off-late&period=2026-02', T.offLate!);
        expect(feb.body.reminders).to.deep.equal([]);
      } finally {
        await putSettings({ holidays: [], makeUpDays: [] });
      }
    });

    it('when events touched the official but made no entry, then they are suggested with the work item a rule now gives; one added from the suggestion drops off', async () => {
      const noReceivedRule = cloneRules().filter((r) => r.id !== 'doc-received');
      await h.plugin.services.agencies.replaceRules(a.code, noReceivedRule, 'admin-1');
      const received = buildEvent({ agency: a.code, type: 'document.received', actor: { id: 'off-a3' }, occurredAt: '2026-03-16T08:30:00+07:00', data: {} });
      const unknown = buildEvent({ agency: a.code, type: 'meeting.attended', actor: { id: 'off-a3' }, occurredAt: '2026-03-17T14:00:00+07:00', subject: { kind: 'meeting', id: 'HOP-1', title: 'Họp giao ban tuần' }, data: {} });
      const processed = buildEvent({ agency: a.code, actor: { id: 'off-a3' }, occurredAt: '2026-03-17T09:00:00+07:00' });
      const othersEvent = buildEvent({ agency: a.code, type: 'meeting.attended', actor: { id: 'off-a2' }, occurredAt: '2026-03-17T14:00:00+07:00', subject: { kind: 'meeting', id: 'HOP-2' }, data: {} });
      const lastMonth = buildEvent({ agency: a.code, type: 'meeting.attended', actor: { id: 'off-a3' }, occurredAt: '2026-02-27T14:00:00+07:00', subject: { kind: 'meeting', id: 'HOP-0' }, data: {} });
      try {
        await post(a, [received, unknown, processed, othersEvent, lastMonth]);
      } finally {
        await h.plugin.services.agencies.replaceRules(a.code, cloneRules(), 'admin-1');
      }
      expect(await h.knex('kpi_journal_entries').where({ agency_code: a.code, event_id: received.id }).first()).to.equal(undefined);

      const r = await api('GET', '/journal/insights?period=2026-03', T.offA3!);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      const byId = new Map<string, any>(r.body.suggestions.map((s: any) => [s.eventId, s]));
      expect([...byId.keys()].sort()).to.deep.equal([received.id, unknown.id].sort());
      expect(byId.get(received.id)).to.include({ type: 'document.received', status: 'processed', date: '2026-03-16', workItemCode: 'VT-01', quantity: 1 });
      expect(byId.get(received.id).subject.id).to.equal(received.subject.id);
      expect(byId.get(unknown.id)).to.include({ type: 'meeting.attended', status: 'ignored', date: '2026-03-17', workItemCode: null });

      const added = await create(T.offA3!, { date: '2026-03-16', workItemCode: 'VT-01', quantity: 1, fromEvent: received.id });
      expect(added).to.include({ source: 'manual', eventId: null, subjectKind: 'document', subjectId: received.subject.id });
      const again = await api('GET', '/journal/insights?period=2026-03', T.offA3!);
      expect(again.body.suggestions.map((s: any) => s.eventId)).to.deep.equal([unknown.id]);

      expectError(await api('POST', '/journal', T.offA3!, { date: '2026-03-17', workItemCode: 'CV-01', quantity: 1, fromEvent: processed.id }), 409, 'event_has_entry');
      expectError(await api('POST', '/journal', T.offA3!, { date: '2026-03-17', workItemCode: 'CH-01', quantity: 1, fromEvent: othersEvent.id }), 400, 'unknown_event', 'fromEvent');
      expectError(await api('POST', '/journal', T.offA3!, { date: '2026-03-17', workItemCode: 'CH-01', quantity: 1, fromEvent: 'no-such-event' }), 400, 'unknown_event', 'fromEvent');
    });

    it('when someone asks for another official\'s insights, then only their leader and HR may', async () => {
      expectError(await api('GET', '/journal/insights?user=off-a2', T.offA1!), 403, 'forbidden');
      expectError(await api('GET', '/journal/insights?user=off-a2', T.leadB!), 403, 'forbidden');
      expect((await api('GET', '/journal/insights?user=off-a2', T.leadA!)).status).to.equal(200);
      expect((await api('GET', '/journal/insights?user=off-a2', T.hr!)).status).to.equal(200);
      expectError(await api('GET', '/journal/insights?period=2026-13', T.offA1!), 400, 'invalid_input', 'period');
      expectError(await api('GET', '/journal/insights?period=2026&period=2025', T.offA1!), 400, 'invalid_input', 'period');
    });
  });

  // ---------------------------------------------------------------- assessments

  describe('POST and GET /assessments (general criteria)', () => {
    it('when the leader assesses a member, then 201, then 200 on change, and it is audited', async () => {
      const r = await api('POST', '/assessments', T.leadA!, { userId: 'off-a1', period: '2026-03', general: 27.5, disqualified: false });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect(r.body).to.include({ userId: 'off-a1', period: '2026-03', general: 27.5, generalMax: 30, disqualified: false, assessedBy: 'lead-a' });
      const u = await api('POST', '/assessments', T.leadA!, { userId: 'off-a1', period: '2026-03', general: 28 });
      expect(u.status).to.equal(200);
      expect(u.body.general).to.equal(28);
      const row = await h.knex('kpi_assessments').where({ agency_code: a.code, user_id: 'off-a1', period: '2026-03' }).first('general', 'assessed_by');
      expect(Number(row.general)).to.equal(28);
      expect(await audits('assessment.put', 'assessment:off-a1:2026-03')).to.have.length(2);
    });

    it('when general is out of 0..30, has 3 decimals or is not a number, then 400 names general; null clears it', async () => {
      for (const general of [30.01, 31, -1, 27.555, '27', true]) {
        expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-03', general }), 400, 'invalid_general', 'general');
      }
      expect((await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-03', general: 30 })).body.general).to.equal(30);
      expect((await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-03', general: 0 })).body.general).to.equal(0);
      const cleared = await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-03', general: null });
      expect(cleared.status).to.equal(200);
      expect(cleared.body.general).to.equal(null);
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-03' }), 400, 'required', 'general');
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-3', general: 20 }), 400, 'invalid_input', 'period');
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-03', general: 20, note: 'x' }), 400, 'unknown_field', 'note');
      expectError(await api('POST', '/assessments', T.leadA!, { period: '2026-03', general: 20 }), 400, 'required', 'userId');
    });

    it('when the official is a leader, then only HR assesses them; under kh1636 a leader\'s maximum is 50', async () => {
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'lead-a2', period: '2026-03', general: 25 }), 403, 'leader_assessed_by_hr');
      const r = await api('POST', '/assessments', T.hr!, { userId: 'lead-a', period: '2026-03', general: 29 });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect(r.body).to.include({ generalMax: 30, isLeader: true });
      expectError(await api('POST', '/assessments', T.hr!, { userId: 'lead-a', period: '2026-03', general: 45 }), 400, 'invalid_general', 'general');
      await putSettings({ profile: 'kh1636' });
      try {
        const k = await api('POST', '/assessments', T.hr!, { userId: 'lead-a', period: '2026-03', general: 45 });
        expect(k.status, JSON.stringify(k.body)).to.equal(200);
        expect(k.body).to.include({ general: 45, generalMax: 50 });
        expectError(await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-03', general: 45 }), 400, 'invalid_general', 'general');
      } finally {
        await putSettings({ profile: 'nd335' });
      }
    });

    it('when someone assesses themself, then 403, even HR', async () => {
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'lead-a', period: '2026-03', general: 30 }), 403, 'self_assessment');
      expectError(await api('POST', '/assessments', T.hr!, { userId: 'hr-1', period: '2026-03', general: 30 }), 403, 'self_assessment');
    });

    it('when a leader of another unit, an official or another agency assesses, then 403 / 404', async () => {
      expectError(await api('POST', '/assessments', T.leadB!, { userId: 'off-a1', period: '2026-03', general: 10 }), 403, 'not_unit_leader');
      expectError(await api('POST', '/assessments', T.offA2!, { userId: 'off-a1', period: '2026-03', general: 10 }), 403, 'forbidden');
      expectError(await api('POST', '/assessments', T.otherLead!, { userId: 'off-a1', period: '2026-03', general: 10 }), 404, 'user_not_found');
      expectError(await api('POST', '/assessments', T.hr!, { userId: 'nobody', period: '2026-03', general: 10 }), 404, 'user_not_found');
      const row = await h.knex('kpi_assessments').where({ agency_code: a.code, user_id: 'off-a1', period: '2026-03' }).first('general');
      expect(Number(row.general)).to.equal(28);
    });

    it('when a leader sets disqualified, then 403; HR sets it and a leader\'s later change of G keeps it', async () => {
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a3', period: '2026-03', general: 20, disqualified: true }), 403, 'hr_only');
      expect(await h.knex('kpi_assessments').where({ agency_code: a.code, user_id: 'off-a3' }).first()).to.equal(undefined);
      const d = await api('POST', '/assessments', T.hr!, { userId: 'off-a3', period: '2026-03', disqualified: true, disqualifiedGround: 'discipline' });
      expect(d.status, JSON.stringify(d.body)).to.equal(201);
      expect(d.body).to.include({ disqualified: true, general: null });
      const g = await api('POST', '/assessments', T.leadA!, { userId: 'off-a3', period: '2026-03', general: 22 });
      expect(g.body).to.include({ disqualified: true, general: 22 });
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a3', period: '2026-03', disqualified: false }), 403, 'hr_only');
      expectError(await api('POST', '/assessments', T.hr!, { userId: 'off-a3', period: '2026-03', disqualified: 'yes' }), 400, 'invalid_disqualified', 'disqualified');
    });

    it('when the period, or a period containing it, is closed, then 409', async () => {
      await closePeriod('2026-Q1');
      try {
        expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a1', period: '2026-03', general: 10 }), 409, 'period_closed');
        expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a1', period: '2026-Q1', general: 10 }), 409, 'period_closed');
      } finally {
        await reopenPeriod('2026-Q1');
      }
      await closePeriod('2026-01');
      try {
        expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a1', period: '2026-01', general: 10 }), 409, 'period_closed');
      } finally {
        await reopenPeriod('2026-01');
      }
      const row = await h.knex('kpi_assessments').where({ agency_code: a.code, user_id: 'off-a1', period: '2026-03' }).first('general');
      expect(Number(row.general)).to.equal(28);
    });

    it('when a leader lists the assessments, then they see their unit\'s members with what they may assess; HR sees every unit', async () => {
      const r = await api('GET', '/assessments?period=2026-03', T.leadA!);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.include({ period: '2026-03', unit: 'p-a' });
      expect(r.body.generalMax).to.deep.equal({ official: 30, leader: 30 });
      const byUser = new Map<string, any>(r.body.assessments.map((x: any) => [x.userId, x]));
      expect([...byUser.keys()].sort()).to.deep.equal(['lead-a', 'lead-a2', 'off-a1', 'off-a2', 'off-a3', 'off-late']);
      expect(byUser.get('off-a1')).to.include({ general: 28, assessedBy: 'lead-a', canAssess: true });
      expect(byUser.get('lead-a2')).to.include({ general: null, canAssess: false });
      expect(byUser.get('lead-a')).to.include({ canAssess: false });
      expectError(await api('GET', '/assessments?period=2026-03&unit=p-b', T.leadA!), 403, 'forbidden');
      expectError(await api('GET', '/assessments?period=2026-03', T.offA1!), 403, 'forbidden');
      expectError(await api('GET', '/assessments?period=bad', T.hr!), 400, 'invalid_input', 'period');
      const all = await api('GET', '/assessments?period=2026-03', T.hr!);
      expect(all.body.unit).to.equal(null);
      expect(new Set(all.body.assessments.map((x: any) => x.unitId))).to.deep.equal(new Set(['p-a', 'p-b', 'p-tc']));
      const onlyB = await api('GET', '/assessments?period=2026-03&unit=p-b', T.hr!);
      expect(onlyB.body.assessments.map((x: any) => x.userId).sort()).to.deep.equal(['lead-b', 'off-b1']);
      const feb = await api('GET', '/assessments?period=2026-02', T.leadA!);
      expect(feb.body.assessments.map((x: any) => x.userId)).to.not.include('off-late');
    });

    // ---- form no. 01's detail (issue 7): three groups, the self score, the ground of a disqualification

    it('when the leader sends the three groups, then general is their sum and the answer shows them; a differing general is a 400', async () => {
      const r = await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', groups: { I: 9.5, II: 7.5, III: 6.25 } });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      expect(r.body).to.deep.include({ general: 23.25, groups: { I: 9.5, II: 7.5, III: 6.25 }, selfGroups: null, disqualifiedGround: null, generalMax: 30 });
      const same = await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', general: 25, groups: { I: 10, II: 10, III: 5 } });
      expect(same.status, JSON.stringify(same.body)).to.equal(200);
      expect(same.body).to.deep.include({ general: 25, groups: { I: 10, II: 10, III: 5 } });
      const mismatch = await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', general: 24, groups: { I: 10, II: 10, III: 5 } });
      expectError(mismatch, 400, 'general_mismatch', 'general');
      expect(mismatch.body.error.message).to.match(/^general: 24 khác tổng ba nhóm groups là 25/);
      const row = await h.knex('kpi_assessments').where({ agency_code: a.code, user_id: 'off-a2', period: '2026-02' }).first('general', 'general_i', 'general_ii', 'general_iii');
      expect([Number(row.general), Number(row.general_i), Number(row.general_ii), Number(row.general_iii)]).to.deep.equal([25, 10, 10, 5]);
    });

    it('when a group is over 10, not a number, missing or unknown, then 400 names the group and its limit', async () => {
      const cases: Array<[unknown, string]> = [
        [{ I: 10.5, II: 0, III: 0 }, 'groups.I'], [{ I: 1, II: 11, III: 0 }, 'groups.II'], [{ I: 1, II: 1, III: 10.01 }, 'groups.III'],
        [{ I: 1, II: 1 }, 'groups.III'], [{ I: '5', II: 1, III: 1 }, 'groups.I'], [{ I: 1, II: 1, III: 1.005 }, 'groups.III'], [{ I: -1, II: 1, III: 1 }, 'groups.I'],
        [[1, 2, 3], 'groups'], [30, 'groups'],
      ];
      for (const [groups, field] of cases) {
        const bad = await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', groups });
        expectError(bad, 400, 'invalid_groups', field);
        if (field !== 'groups') expect(bad.body.error.message).to.match(new RegExp(`^${field.replace('.', '\\.')}: .*0 đến 10`));
      }
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', groups: { I: 1, II: 1, III: 1, IV: 1 } }), 400, 'unknown_field', 'groups.IV');
    });

    it('when the single general is sent again, then it replaces the groups that no longer add up to it', async () => {
      const r = await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', general: 26.5 });
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.include({ general: 26.5, groups: null });
    });

    it('when the official records their own self score, then only selfGroups, on their own form; the assessor stays named', async () => {
      const r = await api('POST', '/assessments', T.offA2!, { userId: 'off-a2', period: '2026-02', selfGroups: { I: 10, II: 9, III: 8 } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.deep.include({ general: 26.5, selfGroups: { I: 10, II: 9, III: 8 }, assessedBy: 'lead-a' });
      const first = await api('POST', '/assessments', T.offA1!, { userId: 'off-a1', period: '2026-02', selfGroups: { I: 5, II: 5, III: 5 } });
      expect(first.status, JSON.stringify(first.body)).to.equal(201);
      expect(first.body).to.deep.include({ general: null, groups: null, selfGroups: { I: 5, II: 5, III: 5 } });
      expectError(await api('POST', '/assessments', T.offA2!, { userId: 'off-a2', period: '2026-02', selfGroups: { I: 10, II: 9, III: 8 }, general: 30 }), 403, 'self_assessment');
      expectError(await api('POST', '/assessments', T.offA2!, { userId: 'off-a2', period: '2026-02', groups: { I: 10, II: 10, III: 10 } }), 403, 'self_assessment');
      expectError(await api('POST', '/assessments', T.offA2!, { userId: 'off-a1', period: '2026-02', selfGroups: { I: 1, II: 1, III: 1 } }), 403, 'forbidden');
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', selfGroups: { I: 1, II: 1, III: 1 } }), 403, 'self_score_own_only');
      expectError(await api('POST', '/assessments', T.offA2!, { userId: 'off-a2', period: '2026-02', selfGroups: { I: 1, II: 12, III: 1 } }), 400, 'invalid_groups', 'selfGroups.II');
      const leader = await api('POST', '/assessments', T.leadA!, { userId: 'off-a2', period: '2026-02', groups: { I: 8, II: 8, III: 8 } });
      expect(leader.body).to.deep.include({ general: 24, groups: { I: 8, II: 8, III: 8 }, selfGroups: { I: 10, II: 9, III: 8 }, assessedBy: 'lead-a' });
      await closePeriod('2026-02');
      try {
        expectError(await api('POST', '/assessments', T.offA2!, { userId: 'off-a2', period: '2026-02', selfGroups: { I: 1, II: 1, III: 1 } }), 409, 'period_closed');
      } finally {
        await reopenPeriod('2026-02');
      }
    });

    it('when HR disqualifies, then a ground from the decree is required; leader-corruption only for a leader; lifting the mark clears the ground', async () => {
      const noGround = await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-02', disqualified: true });
      expectError(noGround, 400, 'required', 'disqualifiedGround');
      expect(noGround.body.error.message).to.match(/^disqualifiedGround: bắt buộc/);
      expectError(await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-02', disqualified: true, disqualifiedGround: 'lazy' }), 400, 'invalid_ground', 'disqualifiedGround');
      expectError(await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-02', disqualified: true, disqualifiedGround: 'leader-corruption' }), 400, 'invalid_ground', 'disqualifiedGround');
      expectError(await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-02', disqualifiedGround: 'discipline' }), 400, 'invalid_ground', 'disqualifiedGround');
      expectError(await api('POST', '/assessments', T.leadA!, { userId: 'off-a1', period: '2026-02', disqualifiedGround: 'discipline' }), 403, 'hr_only');
      const d = await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-02', disqualified: true, disqualifiedGround: 'degradation' });
      expect(d.status, JSON.stringify(d.body)).to.equal(200);
      expect(d.body).to.deep.include({ disqualified: true, disqualifiedGround: 'degradation', selfGroups: { I: 5, II: 5, III: 5 } });
      const changed = await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-02', disqualifiedGround: 'discipline' });
      expect(changed.body).to.deep.include({ disqualified: true, disqualifiedGround: 'discipline' });
      const g = await api('POST', '/assessments', T.leadA!, { userId: 'off-a1', period: '2026-02', general: 20 });
      expect(g.body).to.deep.include({ disqualified: true, disqualifiedGround: 'discipline', general: 20 });
      const lead = await api('POST', '/assessments', T.hr!, { userId: 'lead-a2', period: '2026-02', disqualified: true, disqualifiedGround: 'leader-corruption' });
      expect(lead.status, JSON.stringify(lead.body)).to.equal(201);
      expect(lead.body).to.deep.include({ isLeader: true, disqualified: true, disqualifiedGround: 'leader-corruption' });
      const lifted = await api('POST', '/assessments', T.hr!, { userId: 'off-a1', period: '2026-02', disqualified: false });
      expect(lifted.body).to.deep.include({ disqualified: false, disqualifiedGround: null });
      const row = await h.knex('kpi_assessments').where({ agency_code: a.code, user_id: 'lead-a2', period: '2026-02' }).first('disqualified_ground');
      expect(row.disqualified_ground).to.equal('leader-corruption');
      const list = await api('GET', '/assessments?period=2026-02', T.hr!);
      const byUser = new Map<string, any>(list.body.assessments.map((x: any) => [x.userId, x]));
      expect(byUser.get('lead-a2')).to.deep.include({ disqualifiedGround: 'leader-corruption', groups: null, selfGroups: null });
      expect(byUser.get('off-a2')).to.deep.include({ groups: { I: 8, II: 8, III: 8 }, selfGroups: { I: 10, II: 9, III: 8 } });
    });
  });
});
