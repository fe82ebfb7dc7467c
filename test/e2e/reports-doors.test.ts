import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import ExcelJS from 'exceljs';
import express from 'express';
import jwt from 'jsonwebtoken';
import type { Role } from '../../src/http/auth';
import { errorHandler } from '../../src/http/errors';
import { asciiSlug, contentDisposition, createReportsRouter, XLSX_CONTENT_TYPE, type ReportMaker } from '../../src/http/reports';
import { CONTEXT_AUDIENCE } from '../../src/panels/context-token';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { hostEvents, postSigned } from '../helpers/host-events';

/**
 * The report doors (issue 7, item 5): GET /reports/{period}.xlsx and /reports/{period}/form01.xlsx,
 * who may ask for what, the headers and the streamed body, and the links the panels make to them.
 */
const NOW = new Date('2026-03-20T10:00:00+07:00');

interface Got { status: number; headers: Headers; buf: Buffer; json: any }

/** Every text of every cell of every sheet. */
async function cellTexts(buf: Buffer): Promise<{ sheets: string[]; texts: string[] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const texts: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => {
    if (c.type === ExcelJS.ValueType.Merge) return; // the master cell holds the text
    const v = c.value as unknown;
    if (v === null || v === undefined) return;
    if (typeof v !== 'object' || v instanceof Date) texts.push(String(v));
    else if ('richText' in v) texts.push((v as { richText: Array<{ text: string }> }).richText.map((r) => r.text).join(''));
    else if ('text' in v) texts.push(String((v as { text: unknown }).text));
    else if ('result' in v) texts.push(String((v as { result: unknown }).result));
  })));
  return { sheets: wb.worksheets.map((w) => w.name), texts };
}

/** The file name a browser saves: RFC 5987 `filename*` decoded. */
function savedName(headers: Headers): string {
  const cd = headers.get('content-disposition') ?? '';
  const m = /filename\*=UTF-8''([^;\s]+)/.exec(cd);
  expect(m, cd).to.not.equal(null);
  return decodeURIComponent(m![1]!);
}

function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function linksOf(html: string): string[] {
  return [...html.matchAll(/<a [^>]*href="([^"]+)"/g)].map((m) => decode(m[1]!));
}

describe('e2e: report doors (GET /reports/…xlsx)', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;
  const T: Record<string, string> = {};

  function token(agency: TestAgency, sub: string, roles: Role[], extra: { unit?: string; name?: string } = {}): string {
    const iat = Math.floor(NOW.getTime() / 1000);
    return jwt.sign({ sub, agency: agency.code, roles, locale: 'vi', name: extra.name ?? sub, iat, exp: iat + 3600, ...(extra.unit ? { unit: extra.unit } : {}) }, agency.secret, { algorithm: 'HS256', audience: 'eoffice-kpi' });
  }

  const post = (agency: TestAgency, events: Array<Record<string, unknown>>): Promise<void> => postSigned(h, agency, events, NOW);

  const { unit, user, processed, directory } = hostEvents('rep');

  async function get(path: string, auth: { bearer?: string } = {}): Promise<Got> {
    const res = await fetch(new URL(path.startsWith('/kpi/') ? path : `/kpi${path}`, h.url), { headers: auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {} });
    const buf = Buffer.from(await res.arrayBuffer());
    let json: unknown = null;
    if (/json/.test(res.headers.get('content-type') ?? '')) json = JSON.parse(buf.toString('utf8'));
    return { status: res.status, headers: res.headers, buf, json };
  }

  async function expectWorkbook(r: Got, title: RegExp): Promise<string[]> {
    expect(r.status, r.buf.toString('utf8').slice(0, 300)).to.equal(200);
    expect(r.headers.get('content-type')).to.equal(XLSX_CONTENT_TYPE);
    expect(r.headers.get('cache-control')).to.equal('no-store');
    expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(r.headers.get('content-disposition')).to.match(/^attachment; filename="[\x20-\x7e]+\.xlsx"; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]+$/);
    expect(r.buf.subarray(0, 2).toString('latin1')).to.equal('PK');
    const { sheets, texts } = await cellTexts(r.buf);
    expect(sheets.length).to.be.greaterThan(0);
    expect(texts.some((x) => title.test(x)), `a cell matching ${title}`).to.equal(true);
    return texts;
  }

  function expectRefused(r: Got, status: number, code?: string): void {
    expect(r.status, r.buf.toString('utf8').slice(0, 300)).to.equal(status);
    expect(r.headers.get('content-type')).to.match(/^application\/json/);
    expect(r.headers.get('content-disposition')).to.equal(null);
    if (code) expect(r.json.error.code).to.equal(code);
    expect(r.json.error.message).to.be.a('string');
  }

  const EVAL = /TỔNG HỢP KẾT QUẢ THEO DÕI, ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CÔNG CHỨC/;
  const FORM = /PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC/;

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    a = await h.addAgency('ag-reports', { hostOrigins: ['https://eoffice.example.vn'] });
    b = await h.addAgency('ag-reports-b');
    await post(a, directory(a));
    const docs: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 12; i++) {
      const day = `2026-03-${String(2 + i).padStart(2, '0')}`;
      docs.push(processed(a, 'off-1', `VB-A-${i}`, day), processed(a, 'off-2', `VB-B-${i}`, day), processed(a, 'off-b', `VB-C-${i}`, day));
    }
    await post(a, docs);
    await post(b, [unit(b, 'p-a', 'Phòng Tổng hợp'), user(b, 'off-x', 'Hoàng Văn Xuân', 'p-a'), user(b, 'hr-x', 'Ngô Thị Hoa', 'p-a')]);
    T.off1 = token(a, 'off-1', ['official'], { unit: 'p-a', name: 'Nguyễn Thị Ánh' });
    T.leadA = token(a, 'lead-a', ['official', 'leader'], { unit: 'p-a', name: 'Lê Hoàng Phúc' });
    T.hr = token(a, 'hr-1', ['official', 'hr'], { unit: 'p-tc', name: 'Vũ Minh Châu' });
    T.admin = token(a, 'admin-1', ['admin'], { name: 'Quản trị hệ thống' });
    T.offX = token(b, 'off-x', ['official'], { unit: 'p-a' });
    T.hrX = token(b, 'hr-x', ['hr'], { unit: 'p-a' });
  });

  after(async () => { await h?.close(); });

  describe('the evaluation workbook', () => {
    it('when HR asks for the quarter, then a streamed xlsx with a Vietnamese file name whose title row says what it is', async () => {
      const r = await get('/reports/2026-Q1.xlsx', { bearer: T.hr });
      const texts = await expectWorkbook(r, EVAL);
      expect(savedName(r.headers)).to.equal('Đánh giá xếp loại Quý I-2026 - Cơ quan thử nghiệm ag-reports.xlsx');
      expect(r.headers.get('content-disposition')).to.contain('filename="danh-gia-ag-reports-2026-Q1.xlsx"');
      expect(r.headers.get('content-disposition')).to.contain("filename*=UTF-8''%C4%90%C3%A1nh%20gi%C3%A1");
      expect(r.headers.get('transfer-encoding')).to.equal('chunked');
      for (const name of ['Nguyễn Thị Ánh', 'Trần Văn Bình', 'Phạm Thu Hằng']) expect(texts.some((x) => x.includes(name)), name).to.equal(true);
    });

    it('when HR asks for one unit, then only that unit\'s officials are in it and the name says the unit', async () => {
      const r = await get('/reports/2026-03.xlsx?unit=p-b', { bearer: T.hr });
      const texts = await expectWorkbook(r, EVAL);
      expect(savedName(r.headers)).to.equal('Đánh giá xếp loại Tháng 03-2026 - Phòng Kế hoạch – Tài chính.xlsx');
      expect(r.headers.get('content-disposition')).to.contain('filename="danh-gia-ag-reports-2026-03-p-b.xlsx"');
      expect(texts.some((x) => x.includes('Phạm Thu Hằng'))).to.equal(true);
      expect(texts.some((x) => x.includes('Nguyễn Thị Ánh'))).to.equal(false);
    });

    it('when the admin asks with the journal, then 200', async () => {
      await expectWorkbook(await get('/reports/2026-03.xlsx?unit=p-a&journal=1', { bearer: T.admin }), EVAL);
    });

    it('when a leader asks for their own unit (named or implied), then 200; for another unit or more than theirs, then 403 and nothing streamed', async () => {
      const implied = await get('/reports/2026-Q1.xlsx', { bearer: T.leadA });
      const texts = await expectWorkbook(implied, EVAL);
      expect(texts.some((x) => x.includes('Phạm Thu Hằng')), 'another unit\'s official').to.equal(false);
      await expectWorkbook(await get('/reports/2026-Q1.xlsx?unit=p-a', { bearer: T.leadA }), EVAL);
      expectRefused(await get('/reports/2026-Q1.xlsx?unit=p-b', { bearer: T.leadA }), 403, 'forbidden');
      expectRefused(await get('/reports/2026-Q1.xlsx?unit=p-a&unit=p-b', { bearer: T.leadA }), 403, 'forbidden');
      expectRefused(await get('/reports/2026-Q1.xlsx?unit=p-nowhere', { bearer: T.leadA }), 403, 'forbidden');
    });

    it('when an official asks for a workbook, then 403', async () => {
      expectRefused(await get('/reports/2026-Q1.xlsx', { bearer: T.off1 }), 403, 'forbidden');
      expectRefused(await get('/reports/2026-Q1.xlsx?unit=p-a', { bearer: T.off1 }), 403, 'forbidden');
    });

    it('when no token or a bad one comes, then 401', async () => {
      expectRefused(await get('/reports/2026-Q1.xlsx'), 401, 'unauthorized');
      expectRefused(await get('/reports/2026-Q1.xlsx', { bearer: `${T.hr!.slice(0, -3)}abc` }), 401, 'unauthorized');
      expectRefused(await get('/reports/2026-Q1.xlsx?ctx=x.y.z'), 401, 'unauthorized');
      // The host token is not a context token.
      expectRefused(await get(`/reports/2026-Q1.xlsx?ctx=${T.hr}`), 401, 'unauthorized');
    });

    it('when the period is not one, then 400 naming period; an unknown unit for HR is a 404; a bad flag a 400', async () => {
      for (const p of ['2026-13', '2026-Q5', 'abc', '26']) {
        const r = await get(`/reports/${p}.xlsx`, { bearer: T.hr });
        expectRefused(r, 400);
        expect(r.json.error.field).to.equal('period');
      }
      expectRefused(await get('/reports/2026-Q1.xlsx?unit=p-nowhere', { bearer: T.hr }), 404, 'unit_not_found');
      const flag = await get('/reports/2026-Q1.xlsx?journal=maybe', { bearer: T.hr });
      expectRefused(flag, 400);
      expect(flag.json.error.field).to.equal('journal');
    });

    it('when HR of another agency names this agency\'s unit, then 404 and nothing of this agency leaks', async () => {
      const r = await get('/reports/2026-Q1.xlsx?unit=p-b', { bearer: T.hrX });
      expectRefused(r, 404, 'unit_not_found');
      // Their own agency's workbook has only their own people.
      const own = await expectWorkbook(await get('/reports/2026-Q1.xlsx', { bearer: T.hrX }), EVAL);
      expect(own.some((x) => x.includes('Nguyễn Thị Ánh'))).to.equal(false);
    });
  });

  describe('form no. 01', () => {
    it('when an official asks for their own form (named or implied), then 200 with the form\'s title and their name', async () => {
      const implied = await get('/reports/2026-Q1/form01.xlsx', { bearer: T.off1 });
      const texts = await expectWorkbook(implied, FORM);
      expect(texts.some((x) => x.includes('Nguyễn Thị Ánh'))).to.equal(true);
      expect(savedName(implied.headers)).to.equal('Phiếu 01 Quý I-2026 - Nguyễn Thị Ánh.xlsx');
      expect(implied.headers.get('content-disposition')).to.contain('filename="phieu-01-ag-reports-2026-Q1-off-1.xlsx"');
      await expectWorkbook(await get('/reports/2026-03/form01.xlsx?user=off-1', { bearer: T.off1 }), FORM);
    });

    it('when an official asks for another official\'s form or a unit\'s forms, then 403', async () => {
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=off-2', { bearer: T.off1 }), 403, 'forbidden');
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=nobody', { bearer: T.off1 }), 403, 'forbidden');
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?unit=p-a', { bearer: T.off1 }), 403, 'forbidden');
    });

    it('when a leader asks, then their members\' forms and their unit\'s are given, another unit\'s are 403', async () => {
      await expectWorkbook(await get('/reports/2026-Q1/form01.xlsx?user=off-2', { bearer: T.leadA }), FORM);
      const all = await get('/reports/2026-Q1/form01.xlsx?unit=p-a', { bearer: T.leadA });
      const texts = await expectWorkbook(all, FORM);
      expect(savedName(all.headers)).to.equal('Phiếu 01 Quý I-2026 - Phòng Tổng hợp.xlsx');
      for (const name of ['Nguyễn Thị Ánh', 'Trần Văn Bình']) expect(texts.some((x) => x.includes(name)), name).to.equal(true);
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=off-b', { bearer: T.leadA }), 403, 'forbidden');
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?unit=p-b', { bearer: T.leadA }), 403, 'forbidden');
    });

    it('when HR asks, then any official\'s or unit\'s forms; an unknown one is a 404; user and unit together a 400', async () => {
      const one = await expectWorkbook(await get('/reports/2026-Q1/form01.xlsx?user=off-b', { bearer: T.hr }), FORM);
      expect(one.some((x) => x.includes('Phạm Thu Hằng'))).to.equal(true);
      await expectWorkbook(await get('/reports/2026/form01.xlsx?unit=p-b', { bearer: T.hr }), FORM);
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=nobody', { bearer: T.hr }), 404, 'user_not_found');
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?unit=p-nowhere', { bearer: T.hr }), 404, 'unit_not_found');
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=off-1&unit=p-a', { bearer: T.hr }), 400, 'conflicting_params');
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=off-1&user=off-2', { bearer: T.hr }), 400);
      const bad = await get('/reports/2026-W1/form01.xlsx?user=off-1', { bearer: T.hr });
      expectRefused(bad, 400);
      expect(bad.json.error.field).to.equal('period');
    });

    it('when someone of another agency names an official of this one, then 403 (an official) or 404 (HR), never the form', async () => {
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=off-1', { bearer: T.offX }), 403, 'forbidden');
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=off-1', { bearer: T.hrX }), 404, 'user_not_found');
    });

    it('when no token comes, then 401', async () => {
      expectRefused(await get('/reports/2026-Q1/form01.xlsx?user=off-1'), 401, 'unauthorized');
    });
  });

  describe('links from the panels (the context token, inside the host\'s iframe)', () => {
    async function panel(path: string, hostToken: string): Promise<string> {
      const res = await fetch(new URL(`/kpi/panels${path}${path.includes('?') ? '&' : '?'}jwt=${hostToken}`, h.url));
      expect(res.status).to.equal(200);
      return res.text();
    }

    it('when the unit board renders, then it links to the unit\'s workbook, the unit\'s forms and each member\'s form, and each link works without the host token', async () => {
      const html = await panel('/unit/p-a?period=2026-Q1', T.leadA!);
      const links = linksOf(html).filter((l) => l.startsWith('/kpi/reports/'));
      const paths = links.map((l) => { const u = new URL(l, 'http://x'); u.searchParams.delete('ctx'); return `${u.pathname}${u.search}`; });
      expect(paths).to.include.members(['/kpi/reports/2026-Q1.xlsx?unit=p-a', '/kpi/reports/2026-Q1/form01.xlsx?unit=p-a', '/kpi/reports/2026-Q1/form01.xlsx?user=off-1', '/kpi/reports/2026-Q1/form01.xlsx?user=off-2']);
      for (const l of links) {
        const ctx = new URL(l, 'http://x').searchParams.get('ctx')!;
        expect(jwt.decode(ctx, { json: true })!.aud).to.equal(CONTEXT_AUDIENCE);
        expect(l).to.not.contain(T.leadA);
      }
      const wb = links.find((l) => l.includes('/kpi/reports/2026-Q1.xlsx'))!;
      await expectWorkbook(await get(wb), EVAL);
      await expectWorkbook(await get(links.find((l) => l.includes('user=off-1'))!), FORM);
    });

    it('when My KPI renders, then it links to the official\'s own form for the month and the quarter; the link works, and bent to another official it is a 403', async () => {
      const html = await panel('/me', T.off1!);
      const links = linksOf(html).filter((l) => l.startsWith('/kpi/reports/'));
      const paths = links.map((l) => { const u = new URL(l, 'http://x'); u.searchParams.delete('ctx'); return `${u.pathname}${u.search}`; });
      expect(paths).to.deep.equal(['/kpi/reports/2026-03/form01.xlsx?user=off-1', '/kpi/reports/2026-Q1/form01.xlsx?user=off-1']);
      await expectWorkbook(await get(links[0]!), FORM);
      expectRefused(await get(links[0]!.replace('user=off-1', 'user=off-2')), 403, 'forbidden');
      expectRefused(await get(links[0]!.replace('/2026-03/form01.xlsx', '/2026-03.xlsx')), 403, 'forbidden');
    });
  });

  describe('streaming', () => {
    let server: http.Server;
    let base: string;
    let maker: ReportMaker;

    before(async () => {
      const agencies = h.plugin.services.agencies;
      const app = express();
      app.use('/r', createReportsRouter({
        auth: { getAgency: (c) => agencies.cachedAgency(c), validSecrets: (c) => agencies.cachedSecrets(c), useTokenId: async () => true, clock: () => NOW },
        reports: { evaluation: (...args) => maker.evaluation(...args), form01: (...args) => maker.form01(...args) },
        directory: h.plugin.services.journal,
        agencyName: async () => 'Cơ quan',
      }));
      app.use(errorHandler());
      server = http.createServer(app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r`;
    });

    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    });

    it('when the writer fails before writing anything, then a JSON error and no attachment', async () => {
      maker = { evaluation: async () => { throw new Error('boom'); }, form01: async () => ({ forms: 0 }) };
      const res = await fetch(`${base}/2026-Q1.xlsx`, { headers: { authorization: `Bearer ${T.hr}` } });
      expect(res.status).to.equal(500);
      expect(res.headers.get('content-disposition')).to.equal(null);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('internal_error');
    });

    it('when the writer fails after the first bytes, then the response is aborted, never a short file served as complete', async () => {
      maker = {
        evaluation: async (_a, _p, _o, out) => {
          await new Promise<void>((resolve) => out.write(Buffer.from('PK\u0003\u0004 half a workbook'), () => resolve()));
          await new Promise((resolve) => setTimeout(resolve, 20));
          throw new Error('the database went away');
        },
        form01: async () => ({ forms: 0 }),
      };
      const res = await fetch(`${base}/2026-Q1.xlsx`, { headers: { authorization: `Bearer ${T.hr}` } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal(XLSX_CONTENT_TYPE);
      let failed = false;
      try {
        await res.arrayBuffer();
      } catch {
        failed = true;
      }
      expect(failed, 'reading the body fails').to.equal(true);
    });

    it('when the writer writes in many chunks, then they all arrive, in order', async () => {
      maker = {
        evaluation: async (_a, _p, _o, out) => {
          for (let i = 0; i < 200; i++) {
            if (!out.write(Buffer.alloc(64 * 1024, i % 256))) await new Promise((resolve) => out.once('drain', resolve));
          }
          await new Promise<void>((resolve) => out.end(() => resolve()));
          return { rows: 200, provisional: true };
        },
        form01: async () => ({ forms: 0 }),
      };
      const res = await fetch(`${base}/2026-Q1.xlsx`, { headers: { authorization: `Bearer ${T.hr}` } });
      const buf = Buffer.from(await res.arrayBuffer());
      expect(buf.length).to.equal(200 * 64 * 1024);
      expect(buf[64 * 1024 * 7]).to.equal(7);
    });
  });

  describe('file names', () => {
    it('when a name has Vietnamese letters, quotes or slashes, then the fallback is plain ASCII and filename* is RFC 5987', () => {
      expect(asciiSlug('Phòng Kế hoạch – Tài chính / "Đà Nẵng"')).to.equal('Phong-Ke-hoach-Tai-chinh-Da-Nang');
      const cd = contentDisposition('Phiếu 01 (bản chính) * Đà Nẵng\'s.xlsx', 'phieu-01.xlsx');
      expect(cd).to.equal("attachment; filename=\"phieu-01.xlsx\"; filename*=UTF-8''Phi%E1%BA%BFu%2001%20%28b%E1%BA%A3n%20ch%C3%ADnh%29%20%2A%20%C4%90%C3%A0%20N%E1%BA%B5ng%27s.xlsx");
      expect(decodeURIComponent(cd.split("''")[1]!)).to.equal('Phiếu 01 (bản chính) * Đà Nẵng\'s.xlsx');
      // NFD input is named in NFC.
      expect(contentDisposition('Ánh.xlsx'.normalize('NFD'), 'a.xlsx')).to.equal(contentDisposition('Ánh.xlsx', 'a.xlsx'));
    });
  });
});
