import ExcelJS from 'exceljs';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { SCHEMA_FILES, validateAgainst } from '../../src/contract/ajv';
import { AUDIENCE, type Role } from '../../src/http/auth';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * Editing the catalogue (docs/catalogue.md) over HTTP, as an integrator and HR drive it: work
 * items versioned from a day, the Excel file out and back in, sector templates, the handbook,
 * and who may write. The plugin's clock: Friday 10 April 2026, 10:00 in Hà Nội.
 */

const NOW = new Date('2026-04-10T10:00:00+07:00');
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('e2e: the catalogue API (docs/catalogue.md)', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;

  function token(agency: TestAgency, sub: string, roles: Role[], o: { key?: string; locale?: 'vi' | 'en' } = {}): string {
    const iat = Math.floor(NOW.getTime() / 1000);
    return jwt.sign({ sub, agency: agency.code, roles, locale: o.locale ?? 'vi', name: sub, iat, exp: iat + 3600 }, o.key ?? agency.secret, { algorithm: 'HS256', audience: AUDIENCE });
  }
  const api = (method: string, path: string, tok: string | null, body?: unknown) => h.api(method, `/api/v1${path}`, tok, body);

  async function download(path: string, tok: string): Promise<Buffer> {
    const res = await fetch(`${h.url}/api/v1${path}`, { headers: { authorization: `Bearer ${tok}` } });
    expect(res.status, path).to.equal(200);
    expect(res.headers.get('content-type')).to.equal(XLSX);
    return Buffer.from(await res.arrayBuffer());
  }

  async function upload(file: Buffer, tok: string, query = ''): Promise<{ status: number; body: any }> {
    const res = await fetch(`${h.url}/api/v1/catalogue/import${query}`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': XLSX }, body: file });
    return { status: res.status, body: await res.json() };
  }

  /** The rows of the catalogue sheet as plain values (header first). */
  async function sheetRows(file: Buffer): Promise<unknown[][]> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Danh mục')!;
    const rows: unknown[][] = [];
    ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    return rows;
  }

  async function history(agency: TestAgency): Promise<unknown[]> {
    return h.knex('kpi_work_items').where({ agency_code: agency.code }).orderBy([{ column: 'code' }, { column: 'version' }]).select('code', 'version', 'standard_minutes', 'active', 'name');
  }

  /** Directory events and documents processed on a day, as the host sends them (accepted whole). */
  async function post(agency: TestAgency, events: Array<Record<string, unknown>>): Promise<void> {
    const r = await h.postEvents(agency, { events: events.map((e) => buildEvent({ agency: agency.code, ...e })) });
    expect([r.status, r.body.rejected], JSON.stringify(r.body)).to.deep.equal([202, []]);
  }
  const processed = (actor: string, day: string): Record<string, unknown> => ({ occurredAt: `${day}T09:15:00+07:00`, actor: { id: actor } });

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    a = await h.addAgency('cat-a');
    b = await h.addAgency('cat-b');
  });

  after(async () => {
    await h.close();
  });

  it('when the catalogue is exported, imported and exported again, then both files hold the same catalogue and the import changed nothing', async () => {
    const admin = token(a, 'u-admin', ['admin']);
    const before = await history(a);
    const first = await download('/catalogue/export', admin);
    const rows = await sheetRows(first);
    expect(rows[0]).to.deep.equal(['Mã', 'Tên đầu công việc', 'Tên tiếng Anh', 'Ngành', 'Nhóm', 'Đơn vị tính', 'Thời gian chuẩn (phút)', 'Loại', 'Số lượng tối đa mỗi mục', 'Đang dùng']);
    expect(rows).to.have.length(44);
    const dry = await upload(first, admin, '?dryRun=true');
    expect(dry.status, JSON.stringify(dry.body)).to.equal(200);
    expect(dry.body).to.include({ applied: false, unchanged: 43, validFrom: '2026-04-10' });
    const done = await upload(first, admin);
    expect(done.body).to.deep.equal({ validFrom: '2026-04-10', added: [], changed: [], deactivated: [], unchanged: 43, applied: true });
    expect(await history(a)).to.deep.equal(before);
    expect(await sheetRows(await download('/catalogue/export', admin))).to.deep.equal(rows);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(first as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['Danh mục', 'Hướng dẫn']);
  });

  it('when an edited file is dry-run, then it lists what would be added, changed and deactivated and changes nothing; applied, then exactly that happens', async () => {
    const admin = token(a, 'u-admin', ['admin']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await download('/catalogue/export', admin)) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Danh mục')!;
    const find = (code: string) => { let at = 0; ws.eachRow((r, i) => { if (r.getCell(1).value === code) at = i; }); return at; };
    ws.getRow(find('CV-06')).getCell(7).value = 300;
    ws.spliceRows(find('CH-07'), 1);
    ws.addRow(['CV-99', 'Rà soát thủ tục hành chính', '', '', 'chuyen-vien', 'thủ tục', '1 440', 'count', 5, 'có']);
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const before = await history(a);
    const dry = await upload(file, admin, '?dryRun=1&validFrom=2026-04-13');
    expect(dry.body).to.deep.equal({ validFrom: '2026-04-13', added: ['CV-99'], changed: ['CV-06'], deactivated: ['CH-07'], unchanged: 41, applied: false });
    expect(await history(a)).to.deep.equal(before);
    const done = await upload(file, admin, '?validFrom=2026-04-13');
    expect(done.body).to.deep.equal({ ...dry.body, applied: true });
    const items = (await api('GET', '/catalogue', admin)).body.items as Array<Record<string, unknown>>;
    expect(items.find((i) => i.code === 'CV-99')).to.include({ standardMinutes: 1440, unit: 'thủ tục', version: 1 });
    for (const i of items) expect(validateAgainst(SCHEMA_FILES.workItem, i), String(i.code)).to.deep.equal({ ok: true });
    expect(validateAgainst(SCHEMA_FILES.catalogueChange, done.body)).to.deep.equal({ ok: true });
    expect(items.find((i) => i.code === 'CV-06')).to.include({ standardMinutes: 300, version: 2 });
    expect(items.find((i) => i.code === 'CH-07')).to.include({ active: false, version: 2 });
    const versions = (await api('GET', '/catalogue/CV-06/versions', admin)).body.versions as Array<Record<string, unknown>>;
    expect(versions.map((v) => [v.version, v.standardMinutes, v.validFrom])).to.deep.equal([[1, 240, null], [2, 300, '2026-04-13']]);
  });

  it('when a file has bad rows, then it is refused whole with one message per bad cell (row, column, Vietnamese) and nothing changes', async () => {
    const admin = token(b, 'u-admin', ['admin']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await download('/catalogue/export', admin)) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Danh mục')!;
    ws.getRow(2).getCell(1).value = null; // a missing code
    ws.getRow(3).getCell(7).value = -5; // negative minutes
    ws.getRow(4).getCell(8).value = 'đếm'; // an unknown kind
    ws.getRow(5).getCell(1).value = 'ZZ-01'; // a duplicate code: row 6 repeats row 5's
    ws.getRow(6).getCell(1).value = 'ZZ-01';
    ws.getRow(7).getCell(2).value = { formula: 'HYPERLINK("http://x","a")', result: 'a' } as ExcelJS.CellFormulaValue; // a formula in a name
    ws.getRow(8).getCell(2).value = '=1+1'; // text that would run as a formula
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    const before = await history(b);
    const r = await upload(file, admin);
    expect(r.status).to.equal(400);
    expect(r.body.error.code).to.equal('invalid_work_item_input');
    const cells = (r.body.error.problems as Array<{ row: number; column: string; problem: string; message: string }>).map((p) => [p.row, p.column, p.problem]);
    expect(cells).to.deep.equal([[2, 'A', 'required'], [3, 'G', 'out_of_range'], [4, 'H', 'bad_kind'], [6, 'A', 'duplicate_code'], [7, 'B', 'formula'], [8, 'B', 'formula']]);
    const messages = (r.body.error.problems as Array<{ message: string }>).map((p) => p.message);
    expect(messages[0]).to.equal('Dòng 2, cột A – Mã: bắt buộc phải có giá trị');
    expect(messages[1]).to.equal('Dòng 3, cột G – Thời gian chuẩn (phút): phải lớn hơn 0 và không quá 9600');
    expect(r.body.error.message).to.equal(messages[0]);
    expect(await history(b)).to.deep.equal(before);
  });

  it('when a sheet has a wrong header, then each wrong header cell is named and no row is read', async () => {
    const admin = token(b, 'u-admin', ['admin']);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Danh mục');
    ws.addRow(['Mã', 'Tên', 'Tên tiếng Anh', 'Ngành', 'Nhóm', 'Đơn vị tính', 'Phút', 'Loại', 'Số lượng tối đa mỗi mục', 'Đang dùng']);
    ws.addRow(['X-1', 'Việc mới', '', '', 'chung', 'việc', 30, 'count', 5, 'có']);
    const before = await history(b);
    const r = await upload(Buffer.from(await wb.xlsx.writeBuffer()), admin);
    expect(r.status).to.equal(400);
    expect(r.body.error.problems.map((p: { row: number; column: string; message: string }) => [p.row, p.column, p.message])).to.deep.equal([
      [1, 'B', 'Dòng 1, cột B – Tên đầu công việc: tiêu đề cột phải là “Tên đầu công việc”'],
      [1, 'G', 'Dòng 1, cột G – Thời gian chuẩn (phút): tiêu đề cột phải là “Thời gian chuẩn (phút)”'],
    ]);
    const notXlsx = await upload(Buffer.from('mã,tên\n'), admin);
    expect(notXlsx.body.error.problems.map((p: { problem: string }) => p.problem)).to.deep.equal(['not_xlsx']);
    expect(await history(b)).to.deep.equal(before);
  });

  it('when an item is added or changed with a value past a limit, then 400 names the field and the limit, in the caller\'s language', async () => {
    const admin = token(b, 'u-admin', ['admin']);
    const r = await api('POST', '/catalogue', admin, { code: 'CV-50', name: 'Việc mới', unit: 'việc', standardMinutes: 10000, kind: 'count' });
    expect(r.status).to.equal(400);
    expect(r.body.error).to.deep.include({ field: 'standardMinutes', message: 'standardMinutes: phải lớn hơn 0 và không quá 9600' });
    const en = await api('PATCH', '/catalogue/CV-04', token(b, 'u-admin', ['admin'], { locale: 'en' }), { name: 'x'.repeat(501), kind: 'qualitative' });
    expect(en.body.error.problems.map((p: { field: string; limit: unknown; message: string }) => [p.field, p.limit, p.message])).to.deep.equal([
      ['name', 500, 'name: longer than 500 characters'],
      ['kind', 'count|rated', 'kind: only count (counted) or rated (rated by the leader)'],
    ]);
    const exists = await api('POST', '/catalogue', admin, { code: 'CV-04', name: 'Trùng', unit: 'việc', standardMinutes: 10, kind: 'count' });
    expect(exists.body.error.problems.map((p: { problem: string }) => p.problem)).to.deep.equal(['code_exists']);
    const made = await api('POST', '/catalogue', admin, { code: 'CV-50', name: 'Rà soát văn bản quy phạm', unit: 'văn bản', standardMinutes: 90, kind: 'count', maxQuantityPerEntry: 10 });
    expect(made.status, JSON.stringify(made.body)).to.equal(201);
    expect(made.body).to.deep.include({ added: ['CV-50'], applied: true });
    const first = (await api('GET', '/catalogue/CV-50/versions', admin)).body.versions;
    expect(first.map((v: { version: number; validFrom: string | null }) => [v.version, v.validFrom]), 'a new code given no day is there from the beginning').to.deep.equal([[1, null]]);
    expect((await api('PATCH', '/catalogue/NO-SUCH', admin, { standardMinutes: 5 })).status).to.equal(404);
  });

  it('when a standard changes from a day, then the closed month keeps its scores and entries, entries of earlier days keep the old standard and new entries (from events or typed) from that day get the new one', async () => {
    const admin = token(a, 'u-admin', ['admin']);
    const hr = token(a, 'u-hr', ['hr']);
    await post(a, [
      { type: 'unit.upserted', occurredAt: '2026-03-02T08:00:00+07:00', subject: { kind: 'unit', id: 'p-th' }, data: { name: 'Phòng Tổng hợp', parentId: null } },
      { type: 'user.upserted', occurredAt: '2026-03-02T08:00:00+07:00', subject: { kind: 'user', id: 'u-1' }, data: { name: 'Nguyễn Văn An', unitId: 'p-th', position: 'Chuyên viên', isLeader: false, active: true } },
      processed('u-1', '2026-03-10'), processed('u-1', '2026-03-11'),
    ]);
    const closed = await api('POST', '/periods/2026-03/close', hr, { applyQuota: false });
    expect(closed.status, JSON.stringify(closed.body)).to.equal(200);
    const march = (await api('GET', '/scores?period=2026-03&user=u-1', hr)).body.scores[0];
    expect(march.completedMinutes).to.equal(60);

    const inMarch = await api('PATCH', '/catalogue/CV-01', admin, { standardMinutes: 45, validFrom: '2026-03-20' });
    expect(inMarch.status).to.equal(409);
    expect(inMarch.body.error.code).to.equal('period_closed');
    const changed = await api('PATCH', '/catalogue/CV-01', admin, { standardMinutes: 45, validFrom: '2026-04-06' });
    expect(changed.body, JSON.stringify(changed.body)).to.deep.include({ changed: ['CV-01'], validFrom: '2026-04-06', applied: true });
    const earlier = await api('PATCH', '/catalogue/CV-01', admin, { standardMinutes: 50, validFrom: '2026-04-01' });
    expect(earlier.body.error.problems.map((p: { field: string; problem: string; limit: string }) => [p.field, p.problem, p.limit])).to.deep.equal([['validFrom', 'too_early', '2026-04-06']]);

    await post(a, [processed('u-1', '2026-04-03'), processed('u-1', '2026-04-07')]);
    const journal = (await api('GET', '/journal?user=u-1&from=2026-03-01&to=2026-04-30', hr)).body.entries as Array<{ date: string; minutes: number }>;
    expect(journal.map((e) => [e.date, e.minutes]).sort()).to.deep.equal([['2026-03-10', 30], ['2026-03-11', 30], ['2026-04-03', 30], ['2026-04-07', 45]]);
    expect((await api('GET', '/scores?period=2026-03&user=u-1', hr)).body.scores[0]).to.deep.equal(march);
    const official = token(a, 'u-1', ['official']);
    const before = await api('POST', '/journal', official, { date: '2026-04-02', workItemCode: 'CV-01', quantity: 1 });
    const after = await api('POST', '/journal', official, { date: '2026-04-08', workItemCode: 'CV-01', quantity: 1 });
    expect([before.status, before.body.minutes, after.status, after.body.minutes], 'manual entries too take the version of their day').to.deep.equal([201, 30, 201, 45]);
    const april = (await api('GET', '/scores?period=2026-04&user=u-1', hr)).body.scores[0];
    expect(april.completedMinutes, 'events 30 + 45, typed 30 + 45 (pending, counted while April is open)').to.equal(150);
  });

  it('when a sector template is adopted, then its items join the catalogue as the agency\'s own copy, which the agency then edits', async () => {
    const admin = token(b, 'u-admin', ['admin']);
    const templates = (await api('GET', '/catalogue/templates', admin)).body.templates as Array<{ id: string; items: number }>;
    expect(templates.map((x) => x.id)).to.deep.equal(['chung', 'noi-vu', 'tai-chinh-ke-hoach']);
    const dry = await api('POST', '/catalogue/adopt', admin, { template: 'noi-vu', dryRun: true });
    expect(dry.body).to.deep.include({ template: 'noi-vu', applied: false, changed: [], deactivated: [] });
    expect(dry.body.added).to.have.length(templates[1]!.items);
    expect((await api('POST', '/catalogue/adopt', admin, { template: 'noi-vu' })).body.applied).to.equal(true);
    const edited = await api('PATCH', '/catalogue/NV-04', admin, { standardMinutes: 100 });
    expect(edited.body.changed).to.deep.equal(['NV-04']);
    const items = (await api('GET', '/catalogue', admin)).body.items as Array<Record<string, unknown>>;
    expect(items.find((i) => i.code === 'NV-04')).to.include({ standardMinutes: 100, group: 'chuyen-vien', version: 2 });
    const again = await api('POST', '/catalogue/adopt', admin, { template: 'noi-vu', dryRun: true });
    expect(again.body).to.deep.include({ added: [], changed: ['NV-04'] });
    const unknown = await api('POST', '/catalogue/adopt', admin, { template: 'y-te' });
    expect(unknown.body.error.problems[0]).to.include({ field: 'template', problem: 'unknown_code', limit: 'chung|noi-vu|tai-chinh-ke-hoach' });
  });

  it('when the handbook is downloaded, then it is an A4 workbook with the administrative header, the items by sector and group, and the rules in words', async () => {
    const file = await download('/catalogue/handbook', token(b, 'u-hr', ['hr']));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).to.deep.equal(['Sổ tay KPI', 'Quy tắc quy đổi']);
    const text = (ws: ExcelJS.Worksheet): string[] => { const out: string[] = []; ws.eachRow((r) => r.eachCell((c) => out.push(String(c.value)))); return out; };
    const items = wb.worksheets[0]!;
    expect(items.pageSetup.paperSize).to.equal(9);
    const cells = text(items);
    expect(cells).to.include.members(['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'SỔ TAY KPI', 'DÙNG CHUNG', 'NGÀNH NỘI VỤ', 'Văn thư', 'Soạn thảo công văn', 'Định tính, lãnh đạo chấm']);
    expect(cells.indexOf('DÙNG CHUNG')).to.be.lessThan(cells.indexOf('NGÀNH NỘI VỤ'));
    const rules = text(wb.worksheets[1]!);
    expect(rules).to.include('Khi soạn thảo xong dự thảo văn bản (document.drafted) với subject.docType là cong-van: ghi đầu công việc CV-04 – Soạn thảo công văn, số lượng 1, hệ số 1 và nhân theo subject.urgency (thuong × 1; khan × 1,2; thuong-khan × 1,3; hoa-toc × 1,5) và nhân theo data.role (main × 1; support × 0,5).');
  });

  it('when another role, HR without the setting, or another agency\'s token writes, then it is refused and nothing changes; HR with the setting may write', async () => {
    const before = await history(a);
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/catalogue', { code: 'ZZ-1', name: 'Việc', unit: 'việc', standardMinutes: 10, kind: 'count' }],
      ['PATCH', '/catalogue/CV-04', { standardMinutes: 61 }],
      ['POST', '/catalogue/adopt', { template: 'tai-chinh-ke-hoach' }],
    ];
    for (const [method, path, body] of writes) {
      for (const role of ['official', 'leader'] as Role[]) {
        const r = await api(method, path, token(a, `u-${role}`, [role]), body);
        expect([r.status, r.body.error.code], `${method} ${path} as ${role}`).to.deep.equal([403, 'forbidden']);
      }
      const hr = await api(method, path, token(a, 'u-hr', ['hr']), body);
      expect([hr.status, hr.body.error.code], `${method} ${path} as hr`).to.deep.equal([403, 'catalogue_edit_forbidden']);
      const forged = await api(method, path, token(a, 'u-admin', ['admin'], { key: b.secret }), body);
      expect(forged.status, `${method} ${path} signed by another agency`).to.equal(401);
    }
    const file = await download('/catalogue/export', token(a, 'u-admin', ['admin']));
    expect((await upload(file, token(a, 'u-hr', ['hr']))).status).to.equal(403);
    expect((await upload(file, token(a, 'u-admin', ['admin'], { key: b.secret }))).status).to.equal(401);
    expect(await history(a)).to.deep.equal(before);

    const bBefore = await history(b);
    const other = await api('PATCH', '/catalogue/CV-04', token(b, 'u-admin', ['admin']), { standardMinutes: 61 });
    expect(other.body.changed).to.deep.equal(['CV-04']);
    expect(await history(a), 'agency b\'s admin changed only agency b').to.deep.equal(before);
    expect((await history(b)).length).to.equal(bBefore.length + 1);

    await h.plugin.services.agencies.putSettings(a.code, { hrEditsCatalogue: true }, 'u-admin');
    const byHr = await api('PATCH', '/catalogue/CV-04', token(a, 'u-hr', ['hr']), { standardMinutes: 61 });
    expect(byHr.status, JSON.stringify(byHr.body)).to.equal(200);
    expect((await api('PATCH', '/catalogue/CV-04', token(a, 'u-lead', ['leader']), { standardMinutes: 62 })).status).to.equal(403);
  });
});
