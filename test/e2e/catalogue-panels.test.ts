import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { decode, formsOf, type Form } from '../helpers/html';

/**
 * The catalogue pages of the admin panel (docs/catalogue.md): the upload, the template and
 * the item forms are protected as every panel form is (context token + form token), writes
 * are refused to who may not edit, a refused file lists each bad cell and changes nothing,
 * and the handbook page prints on A4.
 */
describe('e2e: the catalogue pages of the admin panel', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;

  type Page = { status: number; html: string };
  async function get(path: string, roles: Array<'official' | 'leader' | 'hr' | 'admin'>, agency = a): Promise<Page> {
    const res = await fetch(`${h.url}/panels${path}?jwt=${h.userToken(agency, `u-${roles[0]}`, roles)}`);
    return { status: res.status, html: await res.text() };
  }
  async function postForm(f: Form, fields: Record<string, string> = {}): Promise<Page & { location: string | null }> {
    const res = await fetch(f.action.startsWith('http') ? f.action : `${new URL(h.url).origin}${f.action}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...f.fields, ...fields }).toString(), redirect: 'manual',
    });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }
  /** The upload form of a page: its action (with the context token) and its form token. */
  function uploadForm(html: string): { action: string; csrf: string } {
    const m = /<form method="post" action="([^"]+)" enctype="multipart\/form-data"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(html);
    expect(m, 'the upload form').to.not.equal(null);
    return { action: decode(m![1]!), csrf: decode(m![2]!) };
  }
  /** The page a write's redirect (303) leads to. */
  async function followed(r: Page & { location: string | null }): Promise<Page> {
    expect(r.status, decode(r.html).slice(0, 800)).to.equal(303);
    const res = await fetch(new URL(r.location!, h.url));
    return { status: res.status, html: await res.text() };
  }
  async function upload(action: string, fields: Record<string, string>, file: Buffer | null): Promise<Page & { location: string | null }> {
    const body = new FormData();
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    if (file) body.append('file', new Blob([file]), 'danh-muc.xlsx');
    const res = await fetch(`${new URL(h.url).origin}${action}`, { method: 'POST', body, redirect: 'manual' });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }
  const formTo = (html: string, suffix: string): Form => {
    const f = formsOf(html).find((x) => x.action.endsWith(suffix));
    expect(f, `a form to …${suffix}`).to.not.equal(undefined);
    return f!;
  };
  async function history(): Promise<unknown[]> {
    return h.knex('kpi_work_items').where({ agency_code: a.code }).orderBy([{ column: 'code' }, { column: 'version' }]).select('code', 'version', 'standard_minutes', 'active');
  }
  async function catalogueFile(): Promise<Buffer> {
    const page = await get('/admin/catalogue', ['admin']);
    const href = decode(/<a href="([^"]+)" download>Tải danh mục/.exec(page.html)![1]!);
    const res = await fetch(`${new URL(h.url).origin}${href}`);
    expect(res.status).to.equal(200);
    return Buffer.from(await res.arrayBuffer());
  }

  before(async () => {
    h = await startHarness();
    a = await h.addAgency('pan-cat');
  });

  after(async () => {
    await h.close();
  });

  it('when the admin opens the catalogue page, then it lists the items with the forms; HR without the setting reads it without forms; an official is refused', async () => {
    const admin = await get('/admin/catalogue', ['admin']);
    expect(admin.status).to.equal(200);
    expect(admin.html).to.include('Soạn thảo công văn').and.include('enctype="multipart/form-data"');
    expect(formsOf(admin.html).map((f) => f.action.replace(/^.*\/panels/, '').replace(/\?ctx=.*$/, ''))).to.deep.equal(['/admin/catalogue/import', '/admin/catalogue/adopt', '/admin/catalogue/items']);
    const hr = await get('/admin/catalogue', ['hr']);
    expect(hr.status).to.equal(200);
    expect(formsOf(hr.html)).to.deep.equal([]);
    expect(hr.html).to.include('Bạn chỉ xem được danh mục');
    expect((await get('/admin/catalogue', ['official'])).status).to.equal(403);
    expect((await get('/admin/handbook', ['leader'])).status).to.equal(403);
  });

  it('when a file is uploaded without its form token, with another form\'s token, or by HR without the setting, then it is refused and nothing changes', async () => {
    const before = await history();
    const file = await catalogueFile();
    const page = await get('/admin/catalogue', ['admin']);
    const up = uploadForm(page.html);
    expect((await upload(up.action, {}, file)).status).to.equal(403);
    const adoptToken = formTo(page.html, '/admin/catalogue/adopt').fields._csrf!;
    expect((await upload(up.action, { _csrf: adoptToken }, file)).status).to.equal(403);
    expect((await upload(up.action.replace(/ctx=[^&]+/, 'ctx=forged'), { _csrf: up.csrf }, file)).status).to.equal(401);
    const adopt = formTo(page.html, '/admin/catalogue/adopt');
    expect((await postForm({ ...adopt, fields: { ...adopt.fields, _csrf: 'x' } }, { template: 'noi-vu' })).status).to.equal(403);
    const noCtx = { action: adopt.action, fields: { _csrf: adopt.fields._csrf! } };
    expect((await postForm(noCtx, { template: 'noi-vu' })).status).to.equal(401);
    const hrPage = await get('/admin/catalogue', ['hr']);
    const hrCtx = new URL(decode(/<a href="([^"]+)" download>Tải danh mục/.exec(hrPage.html)![1]!), 'http://x').searchParams.get('ctx')!;
    const byHr = await postForm({ action: adopt.action, fields: { ctx: hrCtx, _csrf: adopt.fields._csrf! } }, { template: 'noi-vu' });
    expect(byHr.status).to.equal(403);
    expect(await upload(`${up.action.replace(/ctx=[^&]+/, `ctx=${encodeURIComponent(hrCtx)}`)}`, { _csrf: up.csrf }, file).then((r) => r.status)).to.equal(403);
    expect(await history()).to.deep.equal(before);
  });

  it('when a file with bad cells is uploaded, then the page lists each bad cell and nothing changes; a good file\'s dry run lists the change, then it is applied and the page it leads to lists it', async () => {
    const before = await history();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await catalogueFile()) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Danh mục')!;
    ws.getRow(3).getCell(7).value = -10;
    ws.getRow(4).getCell(8).value = 'tính điểm';
    const bad = Buffer.from(await wb.xlsx.writeBuffer());
    let page = await get('/admin/catalogue', ['admin']);
    let up = uploadForm(page.html);
    const refused = await upload(up.action, { _csrf: up.csrf, validFrom: '2026-12-04' }, bad);
    expect(refused.status).to.equal(400);
    expect(decode(refused.html)).to.include('Dòng 3, cột G – Thời gian chuẩn (phút): phải lớn hơn 0 và không quá 9600').and.include('Dòng 4, cột H – Loại: chỉ nhận count');
    expect(await history()).to.deep.equal(before);

    ws.getRow(3).getCell(7).value = 500;
    ws.getRow(4).getCell(8).value = 'count';
    const good = Buffer.from(await wb.xlsx.writeBuffer());
    page = await get('/admin/catalogue', ['admin']);
    up = uploadForm(page.html);
    const code = String(ws.getRow(3).getCell(1).value);
    const dry = await upload(up.action, { _csrf: up.csrf, validFrom: '2030-01-02', dryRun: 'on' }, good);
    expect(dry.status).to.equal(200);
    expect(decode(dry.html)).to.include('Chạy thử, chưa thay đổi gì; nếu áp dụng, hiệu lực từ 02/01/2030').and.include(`Sửa: ${code}`);
    expect(await history()).to.deep.equal(before);
    up = uploadForm(dry.html);
    const done = await followed(await upload(up.action, { _csrf: up.csrf, validFrom: '2030-01-02' }, good));
    expect(decode(done.html)).to.include('Đã cập nhật danh mục, hiệu lực từ 02/01/2030').and.include(`Sửa: ${code}`).and.include('Thêm: —');
    expect((await history()).length).to.equal(before.length + 1);
  });

  it('when an item is changed through its page, then a new version is listed; a value past its limit is shown on the page and saves nothing', async () => {
    const page = await get('/admin/catalogue/items/CV-05', ['admin']);
    expect(page.status).to.equal(200);
    const edit = formTo(page.html, '/admin/catalogue/items/CV-05');
    expect(edit.fields).to.include({ name: 'Soạn thảo tờ trình', standardMinutes: '120', unit: 'văn bản' });
    const tooLong = await postForm(edit, { standardMinutes: '99999' });
    expect(tooLong.status).to.equal(400);
    expect(decode(tooLong.html)).to.include('standardMinutes: phải lớn hơn 0 và không quá 9600');
    expect(await h.knex('kpi_work_items').where({ agency_code: a.code, code: 'CV-05' }).count({ n: '*' }).first().then((r) => Number(r!.n))).to.equal(1);
    const saved = await followed(await postForm(edit, { standardMinutes: '150,5', validFrom: '2030-02-01' }));
    expect(decode(saved.html)).to.include('Đã lưu phiên bản mới.').and.include('150,5').and.include('01/02/2030');
    const again = formTo(saved.html, '/admin/catalogue/items/CV-05');
    expect(again.fields.validFrom, 'a new version cannot start before the latest one').to.equal('2030-02-01');
    expect(decode((await followed(await postForm(again))).html)).to.include('Không có gì thay đổi');
    const versions = await h.knex('kpi_work_items').where({ agency_code: a.code, code: 'CV-05' }).orderBy('version').select('standard_minutes', 'valid_from_day');
    expect(versions.map((v) => [Number(v.standard_minutes), v.valid_from_day])).to.deep.equal([[120, null], [150.5, '2030-02-01']]);
  });

  it('when the handbook page is opened, then it shows the letterhead, the items by sector and group and the rules, with print styles for A4', async () => {
    const page = await get('/admin/handbook', ['hr']);
    expect(page.status).to.equal(200);
    const html = decode(page.html);
    expect(html).to.include('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM').and.include('SỔ TAY KPI').and.include('Dùng chung').and.include('Chuyên viên');
    expect(html).to.include('Khi văn thư tiếp nhận văn bản đến (document.received): ghi đầu công việc VT-01 – Tiếp nhận, đăng ký văn bản đến, số lượng 1, hệ số 1.');
    expect(html).to.match(/<p class="date">…+, ngày \d{2} tháng \d{1,2} năm \d{4}<\/p>/);
    expect(html).to.match(/@page\{size:A4 portrait/).and.match(/@media print\{/);
    expect(page.html).to.match(/<style nonce="[^"]+">/);
  });
});
