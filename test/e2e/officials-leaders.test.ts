import { expect } from 'chai';
import ExcelJS from 'exceljs';
import jwt from 'jsonwebtoken';
import { AUDIENCE, type Role } from '../../src/http/auth';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { hostEvents, postSigned } from '../helpers/host-events';
import { decode, formsOf, type Form } from '../helpers/html';

/**
 * What officials and leaders do in the panels beyond reading them (docs/hr.md): forms that
 * cannot double, the explanation's entries after the daily cap, the unit board's warning view
 * and bulk approval, corrections from a document's KPI tab and appeals of a closed period.
 * The plugin runs on a clock the tests move: Friday 2026-03-20 10:00 in Hà Nội.
 */

const NOW = new Date('2026-03-20T10:00:00+07:00');

type Page = { status: number; html: string; text: string; location: string | null };

describe('e2e: officials and leaders in the panels', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;
  let now = NOW;
  const T: Record<string, string> = {};

  function token(agency: TestAgency, sub: string, roles: Role[], extra: { unit?: string; name?: string; locale?: 'vi' | 'en' } = {}): string {
    const iat = Math.floor(now.getTime() / 1000);
    return jwt.sign({ sub, agency: agency.code, roles, locale: extra.locale ?? 'vi', name: extra.name ?? sub, unit: extra.unit, iat, exp: iat + 3600 }, agency.secret, { algorithm: 'HS256', audience: AUDIENCE });
  }

  const post = (agency: TestAgency, events: Array<Record<string, unknown>>): Promise<void> => postSigned(h, agency, events, now);
  const { unit, user, processed, directory } = hostEvents('ol');

  async function read(res: Response): Promise<Page> {
    const html = await res.text();
    return { status: res.status, html, text: decode(html), location: res.headers.get('location') };
  }

  /** Opens a panel with the host token. */
  async function open(path: string, hostToken: string, status = 200): Promise<Page> {
    const url = new URL(`${h.url}${path}`);
    url.searchParams.set('jwt', hostToken);
    const p = await read(await fetch(url, { redirect: 'manual' }));
    expect(p.status, p.text.slice(0, 1500)).to.equal(status);
    return p;
  }

  async function follow(href: string): Promise<Page> {
    return read(await fetch(new URL(href, h.url), { redirect: 'manual' }));
  }

  async function submit(form: Form, changes: Record<string, string | undefined> = {}): Promise<Page> {
    const fields: Record<string, string> = { ...form.fields };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete fields[k];
      else fields[k] = v;
    }
    return read(await fetch(new URL(form.action, h.url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
    }));
  }

  function formTo(html: string, pathEnd: string, pick: (f: Form) => boolean = (f) => f.fields.fromEvent === undefined): Form {
    const f = formsOf(html).find((x) => x.action.endsWith(pathEnd) && pick(x));
    expect(f, `a form posting to …${pathEnd}`).to.not.equal(undefined);
    return f!;
  }

  /** The panel path and query of a redirect, without its (fresh) context token. */
  function target(location: string | null): string {
    expect(location).to.be.a('string');
    const u = new URL(location!, 'http://x');
    u.searchParams.delete('ctx');
    return `${u.pathname}?${u.searchParams.toString()}`;
  }

  async function count(table: string, where: Record<string, unknown>): Promise<number> {
    return Number((await h.knex(table).where(where).count({ n: '*' }).first())!.n);
  }

  before(async () => {
    h = await startHarness({ clock: () => now });
    a = await h.addAgency('ag-officials');
    b = await h.addAgency('ag-officials-b');
    await post(a, directory(a));
    const docs: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 30; i++) docs.push(processed(a, 'off-2', `VB-${100 + i}`, `2026-03-${String(2 + (i % 15)).padStart(2, '0')}`));
    docs.push(processed(a, 'off-1', 'VB-NHAM', '2026-03-12', 'Công văn xử lý nhầm người'));
    for (let i = 0; i < 7; i++) docs.push(processed(a, 'off-1', `VB-T2-${i}`, `2026-02-${String(3 + 2 * i).padStart(2, '0')}`));
    await post(a, docs);
    await post(b, [unit(b, 'p-a', 'Phòng Tổng hợp'), user(b, 'off-x', 'Hoàng Văn Xuân', 'p-a'), user(b, 'lead-x', 'Lãnh đạo B', 'p-a', true)]);
    T.off1 = token(a, 'off-1', ['official'], { unit: 'p-a', name: 'Nguyễn Thị Ánh' });
    T.off2 = token(a, 'off-2', ['official'], { unit: 'p-a', name: 'Trần Văn Bình' });
    T.offB = token(a, 'off-b', ['official'], { unit: 'p-b' });
    T.leadA = token(a, 'lead-a', ['official', 'leader'], { unit: 'p-a', name: 'Lê Hoàng Phúc' });
    T.leadB = token(a, 'lead-b', ['official', 'leader'], { unit: 'p-b' });
    T.hr = token(a, 'hr-1', ['official', 'hr'], { unit: 'p-tc' });
    T.leadX = token(b, 'lead-x', ['official', 'leader', 'hr'], { unit: 'p-a' });
  });
  beforeEach(() => { now = NOW; });
  after(async () => { await h?.close(); });

  describe('forms that cannot double', () => {
    it('when the same add-entry form is sent twice, then one entry is made and the second POST goes where the first went', async () => {
      const p = await open('/panels/me', T.off1);
      const form = formTo(p.html, '/panels/me/entries');
      const before = await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1' });
      const body = { date: '2026-03-19', workItemCode: 'CV-06', quantity: '2', note: 'Gửi hai lần' };
      const first = await submit(form, body);
      const second = await submit(form, body);
      expect(first.status, first.text.slice(0, 800)).to.equal(303);
      expect(second.status, second.text.slice(0, 800)).to.equal(303);
      expect(target(second.location)).to.equal(target(first.location));
      expect(target(first.location)).to.equal('/kpi/panels/me?month=2026-03&notice=saved');
      expect(await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1' })).to.equal(before + 1);
      // A new page's form is a new token: it makes a second entry.
      const again = await submit(formTo((await follow(first.location!)).html, '/panels/me/entries'), body);
      expect(again.status).to.equal(303);
      expect(await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1' })).to.equal(before + 2);
    });

    it('when two POSTs of one form arrive at once, then one entry is made', async () => {
      const p = await open('/panels/me', T.off1);
      const form = formTo(p.html, '/panels/me/entries');
      const before = await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1' });
      const body = { date: '2026-03-18', workItemCode: 'CV-03', quantity: '1' };
      const both = await Promise.all([submit(form, body), submit(form, body), submit(form, body)]);
      for (const r of both) expect(r.status, r.text.slice(0, 500)).to.equal(303);
      expect(await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1' })).to.equal(before + 1);
    });

    it('when a refused form is corrected and sent again with the same token, then it is taken', async () => {
      const p = await open('/panels/me', T.off1);
      const form = formTo(p.html, '/panels/me/entries');
      const before = await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1' });
      const refused = await submit(form, { date: '2026-03-18', workItemCode: 'CV-03', quantity: '0' });
      expect(refused.status).to.equal(400);
      const taken = await submit(form, { date: '2026-03-18', workItemCode: 'CV-03', quantity: '1' });
      expect(taken.status).to.equal(303);
      expect(await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1' })).to.equal(before + 1);
    });

    it('when the add-entry form is searched by name, then only the matches are offered; "repeat yesterday" sent twice adds the day\'s manual entries once, dated today', async () => {
      const p = await open('/panels/me', T.off1);
      const search = /<form method="get" action="([^"]+)" class="add search"[\s\S]*?name="ctx" value="([^"]+)"/.exec(p.html);
      expect(search, 'a GET search form').to.not.equal(null);
      const found = await follow(`${decode(search![1]!).replace(/#.*$/, '')}?ctx=${encodeURIComponent(decode(search![2]!))}&q=${encodeURIComponent('soan thao bao cao')}`);
      expect(found.status).to.equal(200);
      const options = [...found.html.matchAll(/<option value="([A-Z]+-\d+)"( selected)?>/g)].map((m) => `${m[1]}${m[2] ? '*' : ''}`);
      expect(options).to.deep.equal(['CV-06*']);
      expect(found.text).to.contain('1 đầu công việc khớp với “soan thao bao cao”.');

      // off-1's manual entries of 2026-03-19 (the day before the clock's) are the last ones before today
      const repeatForm = formsOf(p.html).find((f) => f.action.endsWith('/me/entries/repeat'));
      expect(repeatForm, 'a repeat form').to.not.equal(undefined);
      expect(repeatForm!.fields.day).to.equal('2026-03-19');
      const yesterday = await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1', day: '2026-03-19', source: 'manual' });
      expect(yesterday).to.be.above(0);
      const before = await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1', day: '2026-03-20' });
      const [r1, r2] = [await submit(repeatForm!), await submit(repeatForm!)];
      expect([r1.status, r2.status]).to.deep.equal([303, 303]);
      expect(await count('kpi_journal_entries', { agency_code: a.code, user_id: 'off-1', day: '2026-03-20' })).to.equal(before + yesterday);
    });

    it('when the leader sends the same approve form twice, then the second shows the first result, not an error', async () => {
      const board = await open('/panels/unit/p-a', T.leadA);
      const approve = formsOf(board.html).find((f) => f.action.endsWith('/approve'));
      expect(approve, 'an approve form in the queue').to.not.equal(undefined);
      const first = await submit(approve!);
      const second = await submit(approve!);
      expect([first.status, second.status]).to.deep.equal([303, 303]);
      expect(target(second.location)).to.equal(target(first.location));
      expect(target(first.location)).to.contain('notice=approved');
    });
  });

  describe('the unit board for leaders', () => {
    it('when the leader records "not met" with a reason, then the entry carries a failed assessment and the reason; without a reason the board asks for one', async () => {
      const p = await open('/panels/me', T.off2);
      expect((await submit(formTo(p.html, '/panels/me/entries'), { date: '2026-03-17', workItemCode: 'CV-06', quantity: '1', note: 'Báo cáo tuần' })).status).to.equal(303);
      const entry = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-2', day: '2026-03-17', work_item_code: 'CV-06' }).first('id');
      const board = await open('/panels/unit/p-a', T.leadA);
      const notMet = formsOf(board.html).find((f) => f.action.endsWith(`/entries/${entry.id}/fail`))!;
      expect(notMet, 'a not-met form').to.not.equal(undefined);
      const bare = await submit(notMet, { reason: '' });
      expect(bare.status).to.equal(400);
      expect(bare.text).to.contain('Cần nêu lý do');
      const board2 = await open('/panels/unit/p-a', T.leadA);
      const done = await submit(formsOf(board2.html).find((f) => f.action.endsWith(`/entries/${entry.id}/fail`))!, { reason: 'Số liệu báo cáo sai' });
      expect(done.status).to.equal(303);
      expect(target(done.location)).to.contain('notice=failed');
      expect(await h.knex('kpi_journal_entries').where({ id: entry.id }).first('fails', 'review_reason')).to.deep.equal({ fails: 1, review_reason: 'Số liệu báo cáo sai' });
      const audit = await h.knex('kpi_audit_log').where({ agency_code: a.code, action: 'journal.fail', target: `journal:${entry.id}` }).first('details');
      expect(JSON.parse(audit.details)).to.include({ reason: 'Số liệu báo cáo sai' });
    });

    it('when the leader approves all waiting entries at once, then every one shown is approved, once, and the queue is empty', async () => {
      for (const [user, tok] of [['off-1', T.off1], ['off-2', T.off2]] as const) {
        const p = await open('/panels/me', tok!);
        expect((await submit(formTo(p.html, '/panels/me/entries'), { date: '2026-03-16', workItemCode: 'CH-01', quantity: '1' })).status, user).to.equal(303);
      }
      const waiting = await count('kpi_journal_entries', { agency_code: a.code, unit_id: 'p-a', status: 'pending' });
      expect(waiting).to.be.above(1);
      const board = await open('/panels/unit/p-a', T.leadA);
      expect(board.text).to.contain(`Duyệt tất cả ${waiting} mục đang chờ`);
      const bulk = formsOf(board.html).find((f) => f.action.endsWith('/entries/approve-all'))!;
      expect(bulk.fields.ids.split(',')).to.have.length(waiting);
      const [first, second] = [await submit(bulk), await submit(bulk)];
      expect([first.status, second.status]).to.deep.equal([303, 303]);
      expect(target(second.location)).to.equal(target(first.location));
      expect(await count('kpi_journal_entries', { agency_code: a.code, unit_id: 'p-a', status: 'pending' })).to.equal(0);
      expect(await h.knex('kpi_audit_log').where({ agency_code: a.code, action: 'journal.approve', actor: 'lead-a' }).count({ n: '*' }).first().then((r) => Number(r!.n))).to.be.at.least(waiting);
      expect((await open('/panels/unit/p-a', T.leadA)).text).to.contain('Không có mục nào chờ duyệt');
    });
  });

  describe('the explanation adds up on screen', () => {
    /** A number as the Vietnamese panel writes it (`9 577,50`). */
    const viNum = (x: string): number => Number(x.replace(/[\s\u00a0\u202f.]/g, '').replace(',', '.'));

    it('when a day passed the daily cap, then each entry shows its minutes before and after the cap, and the rows add up to C, CL and CT as the score has them', async () => {
      // off-2 already has 2 documents on some days; 480 more minutes on 2026-03-02 pass the cap.
      const p0 = await open('/panels/me', T.off2);
      expect((await submit(formTo(p0.html, '/panels/me/entries'), { date: '2026-03-02', workItemCode: 'CH-01', quantity: '4' })).status).to.equal(303);
      const api = await h.api('GET', '/api/v1/scores?period=2026-03&user=off-2', T.off2!);
      const ex = api.body.scores[0].explanation;
      expect(ex.cap.warnings.length, 'a day over the cap').to.be.above(0);
      const p = await open('/panels/me', T.off2);
      const table = /<table class="list formula-entries">([\s\S]*?)<\/table>/.exec(p.html)?.[1];
      expect(table, 'the entries table').to.be.a('string');
      const rows = [...table!.matchAll(/<tr data-entry="[^"]+">([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td class="num">([^<]*)/g)].map((c) => viNum(decode(c[1]!))));
      expect(rows).to.have.length(ex.completed.entries.length);
      const foot = /<tfoot>([\s\S]*?)<\/tfoot>/.exec(table!)?.[1] ?? '';
      const totals = [...foot.matchAll(/<td class="num">(?:[A-Z]+ = )?([^<]*)</g)].map((c) => viNum(decode(c[1]!)));
      const round2 = (x: number) => Math.round(x * 100) / 100;
      expect(totals).to.deep.equal([round2(ex.completed.entries.reduce((t: number, e: { minutes: number }) => t + e.minutes, 0)), round2(ex.completed.C), round2(ex.completed.CL), round2(ex.completed.CT)]);
      // Before the cap the rows add up to more than C; after it, to C (each row rounded to 2 decimals).
      const sum = (i: number) => rows.reduce((t, r) => t + r[i]!, 0);
      expect(sum(0)).to.be.above(ex.completed.C + 1);
      for (const [i, key] of [[1, 'C'], [2, 'CL'], [3, 'CT']] as const) expect(sum(i), key).to.be.closeTo(ex.completed[key], 0.005 * rows.length + 1e-9);
      // The formula's line of C shows the same C as the table's total.
      const cLine = /C = Σ m'\(e\) = ([\d\s\u00a0\u202f.,]+) phút/.exec(p.text);
      expect(viNum(cLine![1]!.trim())).to.equal(totals[1]);
    });
  });

  describe('corrections, from the KPI tab to the leader and the journal', () => {
    const principal = (agency: TestAgency, userId: string, roles: Role[], unit: string | null) => ({ userId, agency: agency.code, name: userId, unit, roles, locale: 'vi' as const });

    it('when an official asks to hand an entry to a colleague, then it waits in the leader\'s queue; refused for another unit\'s leader, an official or another agency; accepted by the leader, the entry moves with an audit trail', async () => {
      const tab = await open('/panels/document/VB-NHAM?correct=1', T.off1);
      expect(tab.text).to.contain('Đề nghị sửa ghi nhận');
      const entry = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-1', subject_id: 'VB-NHAM' }).first('id', 'minutes');
      const ask = await submit(formTo(tab.html, '/panels/document/VB-NHAM/corrections'), { type: 'wrong-person', entryId: String(entry.id), proposedUserId: 'off-2', reason: 'Anh Bình xử lý văn bản này' });
      expect(ask.status, ask.text.slice(0, 800)).to.equal(303);
      expect(target(ask.location)).to.equal('/kpi/panels/document/VB-NHAM?notice=requested');
      const req = await h.knex('kpi_requests').where({ agency_code: a.code, user_id: 'off-1', kind: 'correction' }).first();
      expect(req).to.include({ type: 'wrong-person', status: 'pending', unit_id: 'p-a', proposed_user_id: 'off-2' });
      const id = String(req.id);
      // the official sees it waiting on the tab; asking again for the same entry is refused
      const again = await open('/panels/document/VB-NHAM?correct=1', T.off1);
      expect(again.html).to.contain(`data-request="${id}"`);
      expect((await submit(formTo(again.html, '/panels/document/VB-NHAM/corrections'), { type: 'wrong-person', entryId: String(entry.id), proposedUserId: 'off-2', reason: 'Lần nữa' })).status).to.equal(409);

      const requests = h.plugin.services.requests;
      const refused = async (who: ReturnType<typeof principal>, expected: string) => {
        let err: unknown = null;
        try { await requests.decideCorrection(who, id, { decision: 'accept' }); } catch (e) { err = e; }
        expect((err as { code?: string } | null)?.code, who.userId).to.equal(expected);
      };
      await refused(principal(a, 'lead-b', ['official', 'leader'], 'p-b'), 'not_found');
      await refused(principal(a, 'off-2', ['official'], 'p-a'), 'not_found');
      await refused(principal(a, 'off-1', ['official', 'leader'], 'p-a'), 'own_request');
      await refused(principal(b, 'lead-x', ['official', 'leader', 'hr'], 'p-a'), 'not_found');
      // over HTTP: another unit's leader cannot open the board, and another agency's board has no such request
      await open('/panels/unit/p-a', T.leadB, 403);
      const other = await open('/panels/unit/p-a', T.leadX);
      expect(other.html).to.not.contain(`data-request="${id}"`);
      expect((await h.knex('kpi_requests').where({ id }).first()).status).to.equal('pending');

      const board = await open('/panels/unit/p-a', T.leadA);
      expect(board.text).to.contain('Nhầm người thực hiện');
      expect(board.text).to.contain('chuyển cho Trần Văn Bình');
      const accept = formsOf(board.html).find((f) => f.action.endsWith(`/requests/${id}`) && f.fields.decision === 'accept')!;
      const done = await submit(accept);
      expect(done.status, done.text.slice(0, 800)).to.equal(303);
      expect(target(done.location)).to.contain('notice=decided');
      const rows = await h.knex('kpi_journal_entries').where({ agency_code: a.code, subject_id: 'VB-NHAM' }).orderBy('id').select('user_id', 'status', 'minutes');
      expect(rows.map((r) => [r.user_id, r.status])).to.deep.equal([['off-1', 'rejected'], ['off-2', 'approved']]);
      expect(Number(rows[1].minutes)).to.equal(Number(entry.minutes));
      expect((await h.knex('kpi_requests').where({ id }).first())).to.include({ status: 'accepted', decided_by: 'lead-a' });
      const audit = await h.knex('kpi_audit_log').where({ agency_code: a.code }).whereIn('action', ['request.correction', 'request.accept', 'journal.correct']).select('action', 'actor');
      expect(audit.map((x) => `${x.action}:${x.actor}`).sort()).to.deep.equal(['journal.correct:lead-a', 'request.accept:lead-a', 'request.correction:off-1']);
      // deciding twice is refused
      await refused(principal(a, 'lead-a', ['official', 'leader'], 'p-a'), 'request_decided');
    });

    it('when work made no entry, then an accepted correction makes it, approved; a wrong-item correction refused without a reason stays, with one it is refused and the entry unchanged', async () => {
      const tab = await open('/panels/document/VB-101?correct=1', T.off2);
      const entry = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-2', subject_id: 'VB-101' }).first('id', 'work_item_code', 'quantity');
      const form = formTo(tab.html, '/panels/document/VB-101/corrections');
      expect((await submit(form, { type: 'wrong-item', entryId: String(entry.id), proposedItemCode: 'CV-02', proposedQuantity: '1', reason: 'Đây là dự thảo văn bản' })).status).to.equal(303);
      const tab2 = await open('/panels/document/VB-101?correct=1', T.off2);
      const missing = await submit(formTo(tab2.html, '/panels/document/VB-101/corrections'), { type: 'missing', proposedItemCode: 'CV-03', proposedQuantity: '2', date: '2026-03-18', reason: 'Họp bàn xử lý văn bản' });
      expect(missing.status, missing.text.slice(0, 800)).to.equal(303);
      const [wrongItem, made] = await h.knex('kpi_requests').where({ agency_code: a.code, user_id: 'off-2' }).orderBy('id').select('id', 'type');
      expect([wrongItem.type, made.type]).to.deep.equal(['wrong-item', 'missing']);

      const board = await open('/panels/unit/p-a', T.leadA);
      const decide = (rid: unknown, decision: string) => formsOf(board.html).find((f) => f.action.endsWith(`/requests/${rid}`) && f.fields.decision === decision)!;
      const noReason = await submit(decide(wrongItem.id, 'refuse'), { note: '' });
      expect(noReason.status).to.equal(400);
      expect(noReason.text).to.contain('Cần nêu lý do');
      const board2 = await open('/panels/unit/p-a', T.leadA);
      const refuse = formsOf(board2.html).find((f) => f.action.endsWith(`/requests/${wrongItem.id}`) && f.fields.decision === 'refuse')!;
      expect((await submit(refuse, { note: 'Văn bản đến, không phải dự thảo' })).status).to.equal(303);
      expect((await h.knex('kpi_requests').where({ id: wrongItem.id }).first())).to.include({ status: 'refused', decision_note: 'Văn bản đến, không phải dự thảo' });
      expect(await h.knex('kpi_journal_entries').where({ id: entry.id }).first('work_item_code', 'status')).to.deep.equal({ work_item_code: entry.work_item_code, status: 'approved' });

      expect((await submit(decide(made.id, 'accept'))).status).to.equal(303);
      const created = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-2', subject_id: 'VB-101', work_item_code: 'CV-03' }).first('status', 'day', 'source', 'reviewed_by');
      expect(created).to.deep.equal({ status: 'approved', day: '2026-03-18', source: 'manual', reviewed_by: 'lead-a' });
    });
  });

  describe('corrections and appeals over JSON', () => {
    it('when an official asks over the API, then the leader of the unit decides it; another unit\'s leader gets 404, an official 403, and the lists follow each one\'s scope', async () => {
      const entry = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-2', subject_id: 'VB-105' }).first('id');
      const asked = await h.api('POST', '/api/v1/requests/corrections', T.off2!, { subjectKind: 'document', subjectId: 'VB-105', type: 'wrong-person', entryId: String(entry.id), proposedUserId: 'off-1', reason: 'Chị Ánh xử lý' });
      expect(asked.status, JSON.stringify(asked.body)).to.equal(201);
      expect(asked.body).to.include({ kind: 'correction', type: 'wrong-person', status: 'pending', userId: 'off-2' });
      const id = asked.body.id as string;
      const bad = await h.api('POST', '/api/v1/requests/corrections', T.off2!, { subjectKind: 'document', subjectId: 'VB-105', type: 'wrong-item', entryId: String(entry.id), proposedItemCode: 'CV-02', proposedQuantity: 999, reason: 'x' });
      expect([bad.status, bad.body.error.code, bad.body.error.message]).to.satisfy(([st, code, msg]: [number, string, string]) => st === 400 && code === 'quantity_over_max' && /\d/.test(msg));
      expect((await h.api('POST', `/api/v1/requests/${id}/decide`, T.leadB!, { decision: 'accept' })).status).to.equal(404);
      expect((await h.api('POST', `/api/v1/requests/${id}/decide`, T.off1!, { decision: 'accept' })).status).to.equal(403);
      expect((await h.api('POST', `/api/v1/requests/${id}/decide`, T.leadX!, { decision: 'accept' })).status).to.equal(404);
      const mine = await h.api('GET', '/api/v1/requests?kind=correction', T.off2!);
      expect(mine.body.requests.map((r: { id: string }) => r.id)).to.include(id);
      expect((await h.api('GET', '/api/v1/requests?kind=correction&unit=p-a', T.leadB!)).status).to.equal(403);
      const refused = await h.api('POST', `/api/v1/requests/${id}/decide`, T.leadA!, { decision: 'refuse', note: 'Anh Bình là người xử lý chính' });
      expect(refused.status, JSON.stringify(refused.body)).to.equal(200);
      expect(refused.body).to.include({ status: 'refused', decidedBy: 'lead-a', decisionNote: 'Anh Bình là người xử lý chính' });
      expect((await h.api('POST', `/api/v1/requests/${id}/decide`, T.leadA!, { decision: 'accept' })).status).to.equal(409);
    });
  });

  describe('appeals of a closed period', () => {
    type Snap = { userId: string; total: number; generalScore: number | null };
    const snapshot = async (userId: string): Promise<Snap> => JSON.parse((await h.knex('kpi_score_snapshots').where({ agency_code: a.code, period: '2026-02', user_id: userId }).first('score')).score);

    /** The numbers of the workbook row that names `name`. */
    async function workbookRow(name: string): Promise<number[]> {
      const res = await fetch(`${h.url}/reports/2026-02.xlsx?unit=p-a`, { headers: { authorization: `Bearer ${T.hr}` } });
      expect(res.status).to.equal(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
      const found: number[][] = [];
      wb.worksheets[0]!.eachRow((row) => {
        const values = (row.values as unknown[]).slice(1);
        if (values.some((v) => v === name)) found.push(values.filter((v): v is number => typeof v === 'number'));
      });
      expect(found, name).to.have.length(1);
      return found[0]!;
    }

    it('when the window is open, an official appeals, HR accepts with a corrected general score, then that official alone is scored again, audited, and the workbook shows the final score; refused for the wrong role or agency', async () => {
      await h.plugin.services.scoring.close(a.code, '2026-02', { applyQuota: false, actor: 'hr-1' });
      const otherBefore = await snapshot('off-2');
      const before = await snapshot('off-1');
      expect(before.generalScore).to.equal(null);
      const rowBefore = await workbookRow('Nguyễn Thị Ánh');
      expect(rowBefore).to.include(before.total);

      const me = await open('/panels/me?month=2026-02', T.off1);
      expect(me.text).to.contain('Kiến nghị xem xét lại điểm');
      const ask = await submit(formTo(me.html, '/panels/me/appeals', (f) => f.fields.period === '2026-02'), { reason: 'Tiêu chí chung chưa được chấm' });
      expect(ask.status, ask.text.slice(0, 800)).to.equal(303);
      const req = await h.knex('kpi_requests').where({ agency_code: a.code, kind: 'appeal', user_id: 'off-1' }).first();
      expect(req).to.include({ period: '2026-02', status: 'pending', type: 'score' });
      const id = String(req.id);
      // once waiting, My KPI offers no second appeal of the month
      expect(formsOf((await open('/panels/me?month=2026-02', T.off1)).html).some((f) => f.action.endsWith('/me/appeals') && f.fields.period === '2026-02')).to.equal(false);

      const requests = h.plugin.services.requests;
      const refused = async (who: { userId: string; roles: Role[]; agency: TestAgency }, expected: string) => {
        let err: unknown = null;
        try { await requests.decideAppeal({ userId: who.userId, agency: who.agency.code, name: who.userId, unit: 'p-a', roles: who.roles, locale: 'vi' }, id, { decision: 'accept' }); } catch (e) { err = e; }
        expect((err as { code?: string } | null)?.code, who.userId).to.equal(expected);
      };
      await refused({ userId: 'lead-a', roles: ['official', 'leader'], agency: a }, 'not_hr');
      await refused({ userId: 'off-2', roles: ['official'], agency: a }, 'not_hr');
      await refused({ userId: 'lead-x', roles: ['official', 'leader', 'hr'], agency: b }, 'not_found');
      await open('/panels/reports/appeals', T.leadA, 403);
      expect((await h.knex('kpi_requests').where({ id }).first()).status).to.equal('pending');

      const page = await open('/panels/reports/appeals', T.hr);
      expect(page.text).to.contain('Nguyễn Thị Ánh');
      const accept = formsOf(page.html).find((f) => f.action.endsWith(`/reports/appeals/${id}`) && f.fields.decision === 'accept')!;
      const bad = await submit(accept, { general: '31' });
      expect(bad.status).to.equal(400);
      const done = await submit(accept, { general: '27', note: 'Đã chấm bổ sung tiêu chí chung' });
      expect(done.status, done.text.slice(0, 800)).to.equal(303);

      const after = await snapshot('off-1');
      expect(after.generalScore).to.equal(27);
      expect(after.total).to.be.closeTo(before.total + 27, 0.0100001);
      expect(await snapshot('off-2'), 'the others stay frozen').to.deep.equal(otherBefore);
      expect((await h.plugin.services.scoring.periodStatus(a.code, '2026-02')).status, 'the period stays closed').to.equal('closed');
      const decided = await h.knex('kpi_requests').where({ id }).first();
      expect(decided).to.include({ status: 'accepted', decided_by: 'hr-1' });
      expect(JSON.parse(decided.outcome)).to.deep.include({ before: { total: before.total, classification: null }, general: 27 });
      const audit = await h.knex('kpi_audit_log').where({ agency_code: a.code, action: 'score.appeal' }).first('actor', 'target', 'details');
      expect(audit).to.include({ actor: 'hr-1', target: '2026-02:off-1' });
      expect(JSON.parse(audit.details).after.total).to.equal(after.total);
      const row = await workbookRow('Nguyễn Thị Ánh');
      expect(row).to.include.members([27, after.total]);
      expect(rowBefore).to.not.include(after.total);
      // My KPI says what became of it
      expect((await open('/panels/me?month=2026-02', T.off1)).text).to.contain('Đã chấp nhận');
    });

    it('when the window has passed, or the agency takes none, then an appeal is refused with the last day', async () => {
      const requests = h.plugin.services.requests;
      const off2 = { userId: 'off-2', agency: a.code, name: 'Trần Văn Bình', unit: 'p-a', roles: ['official'] as Role[], locale: 'vi' as const };
      now = new Date('2026-04-25T10:00:00+07:00');
      let err: unknown = null;
      try { await requests.appeal(off2, { period: '2026-02', reason: 'Muộn' }); } catch (e) { err = e; }
      expect((err as { code?: string }).code).to.equal('appeal_window_over');
      expect((err as Error).message).to.contain('2026-04-19');
      now = NOW;
      await h.plugin.services.agencies.putSettings(a.code, { appealDays: 0 }, 'admin');
      err = null;
      try { await requests.appeal(off2, { period: '2026-02', reason: 'Không nhận' }); } catch (e) { err = e; }
      expect((err as { code?: string }).code).to.equal('appeals_off');
      await h.plugin.services.agencies.putSettings(a.code, { appealDays: 30 }, 'admin');
      err = null;
      try { await requests.appeal(off2, { period: '2026-03', reason: 'Chưa khóa' }); } catch (e) { err = e; }
      expect((err as { code?: string }).code).to.equal('period_not_closed');
    });
  });

  describe('what lifts me, in numbers', () => {
    it('when an official asks what lifts them, then My KPI gives the engine\'s minutes to the next class in the days left, as their usual items too, and the score with and without the pending entries; adding those minutes by the end reaches it', async () => {
      const T2 = { offY: token(b, 'off-y', ['official'], { unit: 'p-a', name: 'Đỗ Thị Yến' }), leadX: T.leadX! };
      const docs: Array<Record<string, unknown>> = [user(b, 'off-y', 'Đỗ Thị Yến', 'p-a')];
      for (let i = 0; i < 10; i++) docs.push(processed(b, 'off-y', `VB-Y-${i}`, `2026-03-${String(2 + i).padStart(2, '0')}`));
      await post(b, docs);
      const g = await h.api('POST', '/api/v1/assessments', T2.leadX, { userId: 'off-y', period: '2026-03', general: 30 });
      expect(g.status, JSON.stringify(g.body)).to.be.oneOf([200, 201]);
      const pend = await h.api('POST', '/api/v1/journal', T2.offY, { date: '2026-03-19', workItemCode: 'CV-06', quantity: 1 });
      expect(pend.status, JSON.stringify(pend.body)).to.equal(201);
      expect(pend.body.status).to.equal('pending');

      const lift = (await h.plugin.services.scoring.lift(b.code, '2026-03', 'off-y'))!;
      const nc = lift.atEnd!.explanation.kind === 'period' ? (lift.atEnd!.explanation as { nextClass: { minutes: number; threshold: number; totalAfter: number; target: string } | null }).nextClass : null;
      expect(nc, 'a next class within reach').to.not.equal(null);
      const provisional = (await h.api('GET', '/api/v1/scores?period=2026-03&user=off-y', T2.offY)).body.scores[0];
      expect(lift.approvedOnly!.total).to.be.below(provisional.total);

      const page = await open('/panels/me', T2.offY);
      const liftLink = [...page.html.matchAll(/<a href="([^"]+)"/g)].map((m) => decode(m[1]!)).find((x) => x.includes('lift=1'))!;
      const shown = await follow(liftLink);
      expect(shown.status).to.equal(200);
      expect(shown.text).to.contain('Điều gì giúp tôi lên hạng');
      expect(shown.text).to.match(new RegExp(`Còn 8 ngày làm việc: thêm ${String(nc!.minutes).replace(/\B(?=(\d{3})+(?!\d))/g, '[\\s\\u00a0\\u202f.]')} phút`));
      expect(shown.text).to.contain('1 mục đang chờ duyệt (240 phút)');
      expect(shown.text).to.contain(`khi được duyệt, điểm là ${provisional.total.toFixed(2).replace('.', ',')}`);
      expect(shown.text).to.contain(`nếu không được duyệt, điểm là ${lift.approvedOnly!.total.toFixed(2).replace('.', ',')}`);

      // The engine's answer holds: those minutes of clean work in the days left reach the class by the month's end.
      now = new Date('2026-03-31T17:00:00+07:00');
      const tokenEnd = token(b, 'off-y', ['official'], { unit: 'p-a' });
      let left = nc!.minutes;
      for (const day of ['2026-03-20', '2026-03-23', '2026-03-24', '2026-03-25', '2026-03-26', '2026-03-27', '2026-03-30', '2026-03-31']) {
        if (left <= 0) break;
        const minutes = Math.min(left, 480);
        const r = await h.api('POST', '/api/v1/journal', tokenEnd, { date: day, workItemCode: 'CV-03', quantity: Math.round((minutes / 5) * 100) / 100 });
        expect(r.status, JSON.stringify(r.body)).to.equal(201);
        left -= minutes;
      }
      expect(left, 'the days left had room').to.be.at.most(0);
      const end = (await h.api('GET', '/api/v1/scores?period=2026-03&user=off-y', tokenEnd)).body.scores[0];
      expect(end.total).to.equal(nc!.totalAfter);
      expect(end.total).to.be.at.least(nc!.threshold);
      expect(end.classification).to.equal(nc!.target);
    });
  });

  describe('in English', () => {
    it('when the new blocks are read in English, then they speak English and show no locale key', async () => {
      const en = (sub: string, roles: Role[], unit: string) => token(a, sub, roles, { unit, locale: 'en' });
      const pages = [
        ['/panels/document/VB-101?correct=1', en('off-2', ['official'], 'p-a'), ['Ask for a correction', 'What is wrong', 'Your requests']],
        ['/panels/unit/p-a', en('lead-a', ['official', 'leader'], 'p-a'), ['Corrections asked by members', 'Refuse']],
        ['/panels/me?month=2026-02', en('off-1', ['official'], 'p-a'), ['Appeal a score', 'Accepted']],
        ['/panels/me?lift=1', en('off-1', ['official'], 'p-a'), ['What lifts me']],
        ['/panels/reports/appeals', en('hr-1', ['official', 'hr'], 'p-tc'), ['Officials\' score appeals']],
      ] as const;
      for (const [path, tok, words] of pages) {
        const p = await open(path, tok);
        for (const w of words) expect(p.text, `${path}: ${w}`).to.contain(w);
        expect(p.text, path).to.not.match(/\b(request|appeal|lift|me|field|notice|error\.code)\.[a-zA-Z-]+\b/);
      }
    });
  });
});

