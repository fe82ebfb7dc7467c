import crypto from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { loadManifest } from '../../src/contract/manifest-validator';
import { AUDIENCE, ROLES, type Role } from '../../src/http/auth';
import { CONTEXT_AUDIENCE, deriveKeys } from '../../src/panels/context-token';
import { formatVi } from '../../src/i18n/i18n';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { hostEvents, postSigned } from '../helpers/host-events';
import { decode, formsOf, type Form } from '../helpers/html';

/**
 * The panels of docs/integrators.md (panels and API) over HTTP, as the host's iframe (or its server) loads them:
 * who may open which panel, what each shows, the context token that links and forms
 * carry, forgery protection of every POST, the security headers, escaping of what users
 * typed, Vietnamese first and English second. The plugin runs on a clock the tests
 * move: Friday 2026-03-20 10:00 in Hà Nội.
 */

const NOW = new Date('2026-03-20T10:00:00+07:00');
const HOST = 'https://eoffice.hacthanh.gov.vn';
const XSS = '<script>alert(1)</script>';

type Page = { status: number; html: string; headers: Headers };

async function pageOf(res: Response): Promise<Page> {
  return { status: res.status, html: await res.text(), headers: res.headers };
}


function formTo(html: string, pathEnd: string): Form {
  const f = formsOf(html).find((x) => x.action.endsWith(pathEnd) && x.fields.fromEvent === undefined);
  expect(f, `a form posting to …${pathEnd}`).to.not.equal(undefined);
  return f!;
}

/** Every link of a page (decoded). */
function linksOf(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => decode(m[1]!));
}

function ctxOf(href: string): string {
  const ctx = new URL(href, 'http://x').searchParams.get('ctx');
  expect(ctx, `ctx in ${href}`).to.be.a('string');
  return ctx!;
}

function cspDirectives(headers: Headers): Map<string, string[]> {
  const csp = headers.get('content-security-policy') ?? '';
  return new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name!, values] as [string, string[]];
  }));
}

/** `html` contains each of `shown` and none of `hidden`. */
function expectShows(html: string, shown: readonly string[], hidden: readonly string[] = []): void {
  for (const x of shown) expect(html, x).to.contain(x);
  for (const x of hidden) expect(html, x).to.not.contain(x);
}

/** Order in which `attr` values appear in a page (table rows). */
function order(html: string, attr: string): string[] {
  return [...html.matchAll(new RegExp(`${attr}="([^"]+)"`, 'g'))].map((m) => decode(m[1]!));
}

describe('e2e: panels (docs/integrators.md (panels and API))', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;
  let now = NOW;
  const manifest = loadManifest();

  function token(agency: TestAgency, sub: string, roles: Role[], extra: { unit?: string; name?: string; locale?: 'vi' | 'en'; lifetime?: number; key?: string } = {}): string {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: Record<string, unknown> = { sub, agency: agency.code, roles, locale: extra.locale ?? 'vi', name: extra.name ?? sub, iat, exp: iat + (extra.lifetime ?? 3600) };
    if (extra.unit) claims.unit = extra.unit;
    return jwt.sign(claims, extra.key ?? agency.secret, { algorithm: 'HS256', audience: AUDIENCE });
  }

  const post = (agency: TestAgency, events: Array<Record<string, unknown>>): Promise<void> => postSigned(h, agency, events, now);
  const { ev, unit, user, processed, directory } = hostEvents('pnl');

  async function get(path: string, opts: { token?: string; bearer?: string; lang?: string } = {}): Promise<Page> {
    const url = new URL(`${h.url}${path}`);
    if (opts.token) url.searchParams.set('jwt', opts.token);
    const headers: Record<string, string> = {};
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    if (opts.lang) headers['accept-language'] = opts.lang;
    return pageOf(await fetch(url, { headers, redirect: 'manual' }));
  }

  /** Follows a link the way a browser in the iframe does: no host token, only what the link carries. */
  async function follow(href: string): Promise<Page> {
    return pageOf(await fetch(new URL(href, h.url), { redirect: 'manual' }));
  }

  async function submit(form: Form, changes: Record<string, string | undefined> = {}, headers: Record<string, string> = {}): Promise<Page & { location: string | null }> {
    const fields: Record<string, string> = { ...form.fields };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete fields[k];
      else fields[k] = v;
    }
    const res = await fetch(new URL(form.action, h.url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString(),
    });
    return { ...(await pageOf(res)), location: res.headers.get('location') };
  }

  function expectPage(p: Page, status: number): void {
    expect(p.status, p.html.slice(0, 2000)).to.equal(status);
    expect(p.headers.get('content-type')).to.match(/^text\/html; charset=utf-8/);
    expect(p.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(p.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(p.headers.get('set-cookie')).to.equal(null);
    const csp = cspDirectives(p.headers);
    expect(csp.get('default-src')).to.deep.equal(["'self'"]);
    expect(csp.get('script-src')).to.deep.equal(["'none'"]);
    const nonce = /<style nonce="([^"]+)">/.exec(p.html)?.[1];
    expect(nonce, 'the style element carries a nonce').to.be.a('string');
    expect(csp.get('style-src')).to.deep.equal([`'nonce-${nonce}'`]);
    expect(p.html).to.not.match(/<script/i);
    expect(p.html).to.not.match(/\sstyle="/);
  }

  /** Expects a panel page of `status` whose text says `words`. */
  function expectPageSaying(p: Page, status: number, words: string, what?: string): void {
    expectPage(p, status);
    expect(decode(p.html), what).to.contain(words);
  }

  /** Opens a panel with the host token, expects a panel page of `status`, and reads its text as a browser does. */
  async function open(path: string, hostToken: string | undefined, status = 200): Promise<Page & { text: string }> {
    const p = await get(path, { token: hostToken });
    expectPage(p, status);
    return { ...p, text: decode(p.html) };
  }

  /** Follows a link (see follow) and expects a panel page of `status`. */
  async function visit(href: string, status = 200): Promise<Page & { text: string }> {
    const p = await follow(href);
    expectPage(p, status);
    return { ...p, text: decode(p.html) };
  }

  /** How many journal entries an official of agency a has. */
  async function entryCount(userId: string): Promise<number> {
    return Number((await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: userId }).count({ n: '*' }).first())!.n);
  }

  const T: Record<string, string> = {};

  before(async () => {
    h = await startHarness({ clock: () => now });
    a = await h.addAgency('ag-panels', { hostOrigins: [HOST] });
    b = await h.addAgency('ag-panels-b');
    await post(a, directory(a));
    const docs: Array<Record<string, unknown>> = [
      processed(a, 'off-1', 'VB-XSS', '2026-03-12', XSS),
      processed(a, 'off-2', 'VB-XSS', '2026-03-13', XSS, 'support'),
      processed(a, 'off-b', 'VB-XSS', '2026-03-13', XSS),
      ev(a, { type: 'task.assigned', occurredAt: '2026-03-16T08:00:00+07:00', actor: { id: 'lead-a' }, subject: { kind: 'task', id: 'NV-01', title: 'Tổng hợp báo cáo tuần', dueAt: '2026-03-18T17:00:00+07:00' }, data: { assigneeId: 'off-1' } }),
      ev(a, { type: 'task.completed', occurredAt: '2026-03-17T15:00:00+07:00', actor: { id: 'off-1' }, subject: { kind: 'task', id: 'NV-01', title: 'Tổng hợp báo cáo tuần', dueAt: '2026-03-18T17:00:00+07:00' }, data: {} }),
      // A task assigned with a work item the catalogue does not have: the event fails, for the admin page.
      ev(a, { id: 'evt-broken-1', type: 'task.assigned', occurredAt: '2026-03-16T08:30:00+07:00', actor: { id: 'lead-a' }, subject: { kind: 'task', id: 'NV-02', title: 'Rà soát hồ sơ', dueAt: '2026-03-25T17:00:00+07:00' }, data: { assigneeId: 'off-1', workItemCode: 'XX-99' } }),
    ];
    for (let i = 0; i < 40; i++) docs.push(processed(a, 'off-2', `VB-2026-${100 + i}`, `2026-03-${String(2 + (i % 15)).padStart(2, '0')}`));
    await post(a, docs);
    await post(b, [unit(b, 'p-a', 'Phòng Tổng hợp'), user(b, 'off-x', 'Hoàng Văn Xuân', 'p-a')]);
    T.off1 = token(a, 'off-1', ['official'], { unit: 'p-a', name: 'Nguyễn Thị Ánh' });
    T.off2 = token(a, 'off-2', ['official'], { unit: 'p-a', name: 'Trần Văn Bình' });
    T.offB = token(a, 'off-b', ['official'], { unit: 'p-b', name: 'Phạm Thu Hằng' });
    T.leadA = token(a, 'lead-a', ['official', 'leader'], { unit: 'p-a', name: 'Lê Hoàng Phúc' });
    T.leadB = token(a, 'lead-b', ['official', 'leader'], { unit: 'p-b', name: 'Đặng Quốc Việt' });
    T.hr = token(a, 'hr-1', ['official', 'hr'], { unit: 'p-tc', name: 'Vũ Minh Châu' });
    T.hrOnly = token(a, 'hr-2', ['hr']);
    T.admin = token(a, 'admin-1', ['admin'], { name: 'Quản trị hệ thống' });
    T.off1En = token(a, 'off-1', ['official'], { unit: 'p-a', name: 'Nguyễn Thị Ánh', locale: 'en' });
    T.otherOff = token(b, 'off-x', ['official'], { unit: 'p-a' });
  });
  beforeEach(() => { now = NOW; });
  after(async () => { await h?.close(); });

  // ---------------------------------------------------------------- who may look

  describe('authentication and roles', () => {
    it('when no token comes, then 401 with a Vietnamese page that no one may frame', async () => {
      const p = await get('/panels/me');
      expectPageSaying(p, 401, 'Phiên làm việc không hợp lệ hoặc đã hết hạn');
      expect(cspDirectives(p.headers).get('frame-ancestors')).to.deep.equal(["'none'"]);
    });

    it('when the browser prefers English and no token comes, then the 401 page is English', async () => {
      const p = await get('/panels/me', { lang: 'en-US,en;q=0.8' });
      expectPage(p, 401);
      expect(p.html).to.contain('<html lang="en">');
      expect(decode(p.html)).to.contain('The session is invalid or has expired');
    });

    it('when the token names another agency than the one whose secret signed it, or an unknown agency, then 401', async () => {
      const claims = { sub: 'off-1', agency: a.code, roles: ['official'], aud: AUDIENCE, exp: Math.floor(now.getTime() / 1000) + 600 };
      expectPage(await get('/panels/me', { token: jwt.sign(claims, b.secret, { algorithm: 'HS256' }) }), 401);
      expectPage(await get('/panels/me', { token: jwt.sign({ ...claims, agency: 'ag-nowhere' }, a.secret, { algorithm: 'HS256' }) }), 401);
      expectPage(await get('/panels/me', { token: token(a, 'off-1', ['official'], { lifetime: -120 }) }), 401);
    });

    it('when the host token comes as Authorization: Bearer instead of ?jwt=, then the panel renders', async () => {
      const p = await get('/panels/me', { bearer: T.off1 });
      expectPageSaying(p, 200, 'Nguyễn Thị Ánh');
    });

    it('when each panel of the manifest is opened, then a role it lists gets 200 and a role it does not list gets a localized 403', async () => {
      const tokens: Record<Role, string> = { official: T.off1!, leader: token(a, 'lead-a', ['leader'], { unit: 'p-a' }), hr: T.hrOnly!, admin: T.admin! };
      const paths: Record<string, string> = { document: '/panels/document/VB-XSS', task: '/panels/task/NV-01', me: '/panels/me', unit: '/panels/unit/p-a', ranking: '/panels/ranking', reports: '/panels/reports', admin: '/panels/admin', catalogue: '/panels/admin/catalogue', handbook: '/panels/admin/handbook' };
      expect(Object.keys(paths).sort()).to.deep.equal(manifest.panels.map((p) => p.id).sort());
      for (const panel of manifest.panels) {
        for (const role of ROLES) {
          const p = await get(paths[panel.id]!, { token: tokens[role] });
          if (panel.roles.includes(role)) {
            expectPage(p, 200);
            expect(decode(p.html), `${panel.id} as ${role}`).to.contain(`<h1>${panel.title.vi}</h1>`);
          } else {
            expectPageSaying(p, 403, 'Tài khoản của bạn không có quyền xem trang này.', `${panel.id} as ${role}`);
          }
        }
      }
      const en = await get('/panels/admin', { token: token(a, 'off-1', ['official'], { locale: 'en' }) });
      expectPageSaying(en, 403, 'Your account may not open this page.');
    });

    it('when a leader opens the board of another unit, then 403; HR opens any unit', async () => {
      await open('/panels/unit/p-a', T.leadB, 403);
      await open('/panels/unit/p-b', T.leadA, 403);
      await open('/panels/unit/p-b', T.hr);
    });
  });

  // ---------------------------------------------------------------- headers

  describe('headers', () => {
    it('when the agency registered a host origin, then frame-ancestors lists exactly it', async () => {
      const p = await open('/panels/me', T.off1);
      const csp = cspDirectives(p.headers);
      expect(csp.get('frame-ancestors')).to.deep.equal([HOST]);
      expect(csp.get('form-action')).to.deep.equal(["'self'"]);
      expect(p.headers.get('x-frame-options')).to.equal(null);
    });

    it('when the agency registered none, then frame-ancestors is none', async () => {
      const p = await open('/panels/me', T.otherOff);
      expect(cspDirectives(p.headers).get('frame-ancestors')).to.deep.equal(["'none'"]);
      expect(p.headers.get('x-frame-options')).to.equal('DENY');
    });

    it('when the admin registers a second origin, then both are listed and nothing else', async () => {
      const second = 'https://vpdt.hacthanh.gov.vn';
      const put = await h.api('PUT', '/api/v1/settings', T.admin!, { hostOrigins: [HOST, second] });
      expect(put.status, JSON.stringify(put.body)).to.equal(200);
      try {
        const p = await get('/panels/ranking', { token: T.admin });
        expect(cspDirectives(p.headers).get('frame-ancestors')).to.deep.equal([HOST, second]);
      } finally {
        await h.api('PUT', '/api/v1/settings', T.admin!, { hostOrigins: [HOST] });
      }
    });

    it('when every style nonce is read, then it differs per response', async () => {
      const x = await get('/panels/me', { token: T.off1 });
      const y = await get('/panels/me', { token: T.off1 });
      expect(cspDirectives(x.headers).get('style-src')).to.not.deep.equal(cspDirectives(y.headers).get('style-src'));
    });
  });

  // ---------------------------------------------------------------- document and task tabs

  describe('document and task panels', () => {
    it('when an official opens a document, then only their own entry shows, with the title escaped and the name and date in Vietnamese', async () => {
      const p = await open('/panels/document/VB-XSS', T.off1);
      expectShows(p.html, ['&lt;script&gt;alert(1)&lt;/script&gt;', 'Nguyễn Thị Ánh', '12/03/2026', 'CV-01'], [XSS, 'Trần Văn Bình', 'Phạm Thu Hằng']);
      expect(p.text).to.contain('1 cán bộ, tổng 30 phút chuẩn');
    });

    it('when the leader of the unit opens it, then the unit members\' entries show but not another unit\'s', async () => {
      const p = await open('/panels/document/VB-XSS', T.leadA);
      expectShows(p.html, ['Nguyễn Thị Ánh', 'Trần Văn Bình', 'CV-02'], ['Phạm Thu Hằng']);
    });

    it('when HR opens it, then every entry shows', async () => {
      const p = await get('/panels/document/VB-XSS', { token: T.hr });
      expectShows(p.html, ['Nguyễn Thị Ánh', 'Trần Văn Bình', 'Phạm Thu Hằng']);
      expect(decode(p.html)).to.contain('3 cán bộ, tổng 75 phút chuẩn');
    });

    it('when someone of another agency opens the same document id, then nothing of this agency shows', async () => {
      const p = await open('/panels/document/VB-XSS', T.otherOff);
      expectShows(p.html, [], ['alert(1)', 'Nguyễn Thị Ánh']);
      expect(p.text).to.contain('chưa tạo mục nhật ký nào mà bạn được xem');
    });

    it('when the task panel is opened, then the completion entry shows for its official and not for another unit\'s leader', async () => {
      const mine = await open('/panels/task/NV-01', T.off1);
      expectShows(mine.html, ['CV-16', 'Tổng hợp báo cáo tuần', '17/03/2026']);
      const other = await open('/panels/task/NV-01', T.leadB);
      expectShows(other.html, [], ['CV-16', 'Tổng hợp báo cáo tuần']);
    });
  });

  // ---------------------------------------------------------------- context token

  describe('the context token', () => {
    it('when a panel renders, then its links carry a context token of 15 minutes for the same person, never the host token', async () => {
      const host = T.off1!;
      const p = await get('/panels/me', { token: host });
      const links = linksOf(p.html).filter((l) => l.startsWith('/kpi/panels/'));
      expect(links.length).to.be.greaterThan(0);
      for (const l of links) {
        expect(l).to.not.contain(host);
        expect(new URL(l, 'http://x').searchParams.get('jwt')).to.equal(null);
      }
      const claims = jwt.decode(ctxOf(links[0]!), { json: true })!;
      expect(claims).to.include({ sub: 'off-1', agency: a.code, aud: CONTEXT_AUDIENCE, unit: 'p-a', locale: 'vi', name: 'Nguyễn Thị Ánh' });
      expect(claims.roles).to.deep.equal(['official']);
      expect(claims.exp! - claims.iat!).to.equal(15 * 60);
      expect(claims.lim).to.equal(jwt.decode(host, { json: true })!.exp);
      expect(jwt.decode(ctxOf(links[0]!), { complete: true })!.header.alg).to.equal('HS256');
    });

    it('when a follow-up link is opened without the host token, then it works, and its own links carry a fresh context', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const prev = linksOf(p.html).find((l) => l.includes('month=2026-02'))!;
      expect(prev).to.be.a('string');
      const next = await visit(prev);
      expect(next.text).to.contain('Nhật ký công việc — Tháng 02/2026');
      const again = linksOf(next.html).find((l) => l.includes('month=2026-03'))!;
      expect(ctxOf(again)).to.not.equal(ctxOf(prev));
      await visit(again);
    });

    it('when the context token is older than 15 minutes, then the link is a 401', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const link = linksOf(p.html).find((l) => l.includes('month='))!;
      now = new Date(NOW.getTime() + 14 * 60 * 1000);
      await visit(link);
      now = new Date(NOW.getTime() + 16 * 60 * 1000);
      await visit(link, 401);
    });

    it('when the host token ends in 5 minutes, then no renewed context outlives it', async () => {
      const host = token(a, 'off-1', ['official'], { unit: 'p-a', lifetime: 300 });
      const p = await get('/panels/me', { token: host });
      const link = linksOf(p.html).find((l) => l.includes('month='))!;
      expect(jwt.decode(ctxOf(link), { json: true })!.exp).to.equal(jwt.decode(host, { json: true })!.exp);
      now = new Date(NOW.getTime() + 4 * 60 * 1000);
      const renewed = await visit(link);
      const link2 = linksOf(renewed.html).find((l) => l.includes('month='))!;
      expect(jwt.decode(ctxOf(link2), { json: true })!.exp).to.equal(jwt.decode(host, { json: true })!.exp);
      now = new Date(NOW.getTime() + 6 * 60 * 1000);
      await visit(link2, 401);
    });

    it('when a context token is forged, tampered with, unsigned, or a host token is passed as one (and the other way round), then 401', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const ctx = ctxOf(linksOf(p.html).find((l) => l.includes('month='))!);
      const claims = jwt.decode(ctx, { json: true })!;
      const [head, , sig] = ctx.split('.');
      const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const forged = [
        jwt.sign({ ...claims, roles: ['admin'] }, a.secret, { algorithm: 'HS256' }), // the agency secret itself, not the derived key
        jwt.sign({ ...claims, roles: ['admin'] }, deriveKeys(b.secret).sign, { algorithm: 'HS256' }), // another agency's key
        `${head}.${b64({ ...claims, sub: 'off-2' })}.${sig}`, // payload swapped under the old signature
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
        jwt.sign({ ...claims, aud: AUDIENCE }, deriveKeys(a.secret).sign, { algorithm: 'HS256' }), // right key, wrong audience
        T.off1!,
      ];
      for (const f of forged) expectPage(await get(`/panels/admin?ctx=${encodeURIComponent(f)}`), 401);
      await open('/panels/me', ctx, 401);
      const genuine = jwt.sign({ ...claims }, deriveKeys(a.secret).sign, { algorithm: 'HS256' });
      expectPage(await get(`/panels/me?ctx=${encodeURIComponent(genuine)}`), 200);
    });

    it('when the agency secret rotates, then a context issued before still works during the overlap', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const link = linksOf(p.html).find((l) => l.includes('month='))!;
      const rotated = await h.plugin.services.agencies.rotateSecret(a.code, 3600);
      try {
        const after = await visit(link);
        const renewed = ctxOf(linksOf(after.html).find((l) => l.includes('month='))!);
        expect(() => jwt.verify(renewed, deriveKeys(rotated.secret).sign, { algorithms: ['HS256'], audience: CONTEXT_AUDIENCE, clockTimestamp: Math.floor(now.getTime() / 1000) })).to.not.throw();
      } finally {
        // Keep the tokens of this suite valid: go on signing with the secret the tests hold.
        await h.knex('kpi_agency_secrets').where({ agency_code: a.code, secret: rotated.secret }).delete();
        await h.knex('kpi_agency_secrets').where({ agency_code: a.code }).update({ expires_at: null });
        h.plugin.services.agencies.invalidate(a.code);
      }
    });
  });

  // ---------------------------------------------------------------- My KPI

  describe('My KPI', () => {
    it('when an official opens it, then today, the month and the quarter show with a gauge, the three percentages and the formula lines of the score', async () => {
      const p = await open('/panels/me', T.off1);
      const { text } = p;
      expect(p.html).to.contain('<html lang="vi">');
      expectShows(text, ['Người xem: Nguyễn Thị Ánh', 'Hôm nay · 20/03/2026', 'Điểm tháng · Tháng 03/2026', 'Điểm quý · Quý I/2026']);
      expect(p.html.match(/<svg class="gauge/g)).to.have.length(2);
      const api = await h.api('GET', '/api/v1/scores?period=2026-03&user=off-1', T.off1!);
      expect(api.status).to.equal(200);
      const score = api.body.scores[0];
      // The formula's lines as they are; the entries behind C, CL and CT as rows of the table after the cap.
      for (const line of (score.explanation.lines as string[]).filter((x) => !x.startsWith('  • '))) expect(text, line).to.contain(line);
      for (const en of score.explanation.completed.entries as Array<{ id: string }>) expect(p.html).to.contain(`<tr data-entry="${en.id}">`);
      expect(text).to.contain('Khối lượng được giao A = 15 × 480 × 1 = 7 200 phút');
      for (const pct of [score.quantityPct, score.qualityPct, score.progressPct]) expect(text).to.contain(`${formatVi(pct)}%`);
      expect(text).to.contain(`Điểm KPI: ${formatVi(score.total)}/100`);
      expect(text).to.contain('12/03/2026');
      expect(p.html).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
      const add = formTo(p.html, '/panels/me/entries');
      expect(add.fields.ctx).to.be.a('string');
      expect(add.fields._csrf).to.be.a('string').with.length.greaterThan(20);
      expect(p.html).to.contain('<option value="CV-04">CV-04 — Soạn thảo công văn (60 phút/văn bản)</option>');
    });

    it('when working days passed with nothing logged, then they are listed as reminders', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const text = decode(p.html);
      expect(text).to.contain('ngày làm việc chưa kê khai công việc nào');
      expect(text).to.contain('02/03/2026');
      expect(text).to.not.match(/<li class="tag pending">12\/03\/2026<\/li>/);
    });

    it('when the add-entry form is posted with its tokens, then the entry is saved (303 back to the panel) and a day over 480 minutes is warned about', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const form = formTo(p.html, '/panels/me/entries');
      const r = await submit(form, { date: '2026-03-19', workItemCode: 'CV-06', quantity: '3', note: 'Báo cáo sơ kết quý I <b>khẩn</b>'.normalize('NFD') });
      expect(r.status, r.html.slice(0, 500)).to.equal(303);
      expect(r.location).to.match(/^\/kpi\/panels\/me\?ctx=[^&]+&month=2026-03&notice=saved$/);
      const row = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-1', source: 'manual', work_item_code: 'CV-06' }).first('quantity', 'note', 'status', 'day');
      expect(row).to.include({ status: 'pending', day: '2026-03-19', note: 'Báo cáo sơ kết quý I <b>khẩn</b>'.normalize('NFC') });
      expect(Number(row.quantity)).to.equal(3);
      const back = await visit(r.location!);
      const { text } = back;
      expect(text).to.contain('Đã lưu mục nhật ký.');
      expect(back.html).to.contain('Báo cáo sơ kết quý I &lt;b&gt;khẩn&lt;/b&gt;');
      expect(text).to.contain('Ngày 19/03/2026: đã kê khai 720 phút, vượt trần 480 phút/ngày');
      expect(text).to.contain('Chờ duyệt');
    });

    it('when a quantity is typed with a decimal comma, then it is taken as a number', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const r = await submit(formTo(p.html, '/panels/me/entries'), { date: '2026-03-18', workItemCode: 'CV-03', quantity: '1,5', note: '' });
      expect(r.status, r.html.slice(0, 500)).to.equal(303);
      const row = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-1', work_item_code: 'CV-03' }).first('quantity', 'minutes', 'note');
      expect(Number(row.quantity)).to.equal(1.5);
      expect(Number(row.minutes)).to.equal(7.5);
      expect(row.note).to.equal(null);
    });

    it('when the service refuses the entry, then the panel shows why in Vietnamese (400) and keeps what was typed', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const before = await entryCount('off-1');
      const r = await submit(formTo(p.html, '/panels/me/entries'), { date: '2026-03-19', workItemCode: 'CV-04', quantity: '0', note: 'Ghi chú của tôi' });
      expectPageSaying(r, 400, 'Số lượng phải là số lớn hơn 0, tối đa 2 chữ số thập phân.');
      expect(r.html).to.contain('value="Ghi chú của tôi"');
      expect(r.html).to.contain('<option value="CV-04" selected>');
      const future = await submit(formTo(p.html, '/panels/me/entries'), { date: '2026-03-21', workItemCode: 'CV-04', quantity: '1' });
      expectPageSaying(future, 400, 'Ngày kê khai không được sau hôm nay (20/03/2026).');
      expect(await entryCount('off-1')).to.equal(before);
    });

    it('when a POST comes without its form token, with a wrong one, with one of another form or context, or without a context token, then 403 and nothing is saved', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const form = formTo(p.html, '/panels/me/entries');
      const other = await get('/panels/me', { token: T.off1 });
      const otherForm = formTo(other.html, '/panels/me/entries');
      const withdraw = formsOf(p.html).find((f) => f.action.includes('/withdraw'))!;
      expect(withdraw, 'a withdraw form for a pending manual entry').to.not.equal(undefined);
      const before = await entryCount('off-1');
      const body = { date: '2026-03-19', workItemCode: 'CV-04', quantity: '1' };
      const attempts: Array<[string, Promise<Page>]> = [
        ['no form token', submit(form, { ...body, _csrf: undefined })],
        ['an empty form token', submit(form, { ...body, _csrf: '' })],
        ['a made-up form token', submit(form, { ...body, _csrf: crypto.randomBytes(32).toString('base64url') })],
        ['the token of the withdraw form', submit(form, { ...body, _csrf: withdraw.fields._csrf })],
        ['the form token of another page (another context)', submit(form, { ...body, _csrf: otherForm.fields._csrf })],
        ['no context token, the host token as Bearer', submit(form, { ...body, ctx: undefined }, { authorization: `Bearer ${T.off1}` })],
      ];
      for (const [what, pending] of attempts) {
        const r = await pending;
        expectPageSaying(r, 403, 'Biểu mẫu không hợp lệ hoặc đã hết hạn', what);
      }
      expectPage(await submit(form, { ...body, ctx: undefined }), 401);
      expectPage(await submit(form, { ...body, ctx: 'x.y.z' }), 401);
      expect(await entryCount('off-1')).to.equal(before);
    });

    it('when the official withdraws a pending manual entry with its form, then it is gone', async () => {
      const p = await get('/panels/me', { token: T.off1 });
      const { id } = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-1', work_item_code: 'CV-03' }).first('id');
      const withdraw = formTo(p.html, `/me/entries/${id}/withdraw`);
      const r = await submit(withdraw);
      expect(r.status).to.equal(303);
      expect(r.location).to.contain('notice=withdrawn');
      expect(await h.knex('kpi_journal_entries').where({ id }).first()).to.equal(undefined);
    });

    it('when the official has no entry today, then today shows 0 minutes; after logging, it shows them', async () => {
      let p = await get('/panels/me', { token: T.off1 });
      expect(decode(p.html)).to.contain('0/480 phút');
      const r = await submit(formTo(p.html, '/panels/me/entries'), { date: '2026-03-20', workItemCode: 'CH-01', quantity: '1' });
      expect(r.status).to.equal(303);
      p = await follow(r.location!);
      expect(decode(p.html)).to.contain('120/480 phút');
    });
  });

  // ---------------------------------------------------------------- unit board

  describe('the unit board', () => {
    it('when the leader opens it, then members\' scores are coloured and ordered lowest first (the warning view), or highest first on request', async () => {
      const p = await open('/panels/unit/p-a', T.leadA);
      const { text } = p;
      for (const name of ['Nguyễn Thị Ánh', 'Trần Văn Bình', 'Lê Hoàng Phúc']) expect(text).to.contain(name);
      expect(p.html).to.not.contain('Phạm Thu Hằng');
      expect(p.html.match(/<td class="score sc-(\d+|none)">/g)).to.have.length(3);
      const low = order(p.html, 'data-user');
      expect(low[low.length - 1]).to.equal('off-2');
      const api = await h.api('GET', '/api/v1/scores?unit=p-a', T.leadA!);
      const totals = new Map<string, number>((api.body.scores as Array<{ userId: string; total: number }>).map((s) => [s.userId, s.total]));
      const byTotal = (xs: string[]) => xs.map((x) => totals.get(x)!);
      expect(byTotal(low)).to.deep.equal([...byTotal(low)].sort((x, y) => x - y));
      const high = await visit(linksOf(p.html).find((l) => l.includes('order=highest'))!);
      expect(order(high.html, 'data-user')[0]).to.equal('off-2');
      expect(byTotal(order(high.html, 'data-user'))).to.deep.equal([...byTotal(low)].sort((x, y) => y - x));
      const off2 = totals.get('off-2')!;
      expect(p.html).to.match(new RegExp(`<tr data-user="off-2">[\\s\\S]*?<td class="score sc-\\d+">${formatVi(off2)}</td>`));
    });

    it('when the board shows the excellence quota, then it states the ratio, those eligible and the limit', async () => {
      const p = await get('/panels/unit/p-a', { token: T.leadA });
      expect(decode(p.html)).to.match(/Tối đa 20% số người đạt từ HTTNV trở lên được xếp HTXSNV\. Hiện có \d+ người đạt từ HTTNV trở lên, nên chỉ tiêu HTXSNV là \d+/);
      // By default the pool is the agency's (docs/hr.md): the board names the pools its members were counted in.
      expect(decode(p.html)).to.match(/Nhóm xét tỷ lệ HTXSNV: toàn cơ quan, nhóm (lãnh đạo, quản lý|công chức không giữ chức vụ lãnh đạo) \(\d+ người\)\./);
    });

    it('when the leader approves a pending entry from the queue, then it is approved and leaves the queue', async () => {
      const p = await get('/panels/unit/p-a', { token: T.leadA });
      const entry = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-1', work_item_code: 'CV-06' }).first('id');
      expect(order(p.html, 'data-entry')).to.include(String(entry.id));
      const approve = formTo(p.html, `/entries/${entry.id}/approve`);
      const r = await submit(approve);
      expect(r.status, r.html.slice(0, 400)).to.equal(303);
      expect(r.location).to.contain('notice=approved');
      const row = await h.knex('kpi_journal_entries').where({ id: entry.id }).first('status', 'reviewed_by');
      expect(row).to.include({ status: 'approved', reviewed_by: 'lead-a' });
      const back = await follow(r.location!);
      expect(decode(back.html)).to.contain('Đã duyệt.');
      expect(order(back.html, 'data-entry')).to.not.include(String(entry.id));
    });

    it('when the leader returns an entry with a reason, then it is rejected with that reason; without a reason the board says one is needed', async () => {
      const created = await h.api('POST', '/api/v1/journal', T.off2!, { date: '2026-03-18', workItemCode: 'CH-04', quantity: 2 });
      expect(created.status).to.equal(201);
      const p = await get('/panels/unit/p-a', { token: T.leadA });
      const form = formTo(p.html, `/entries/${created.body.id}/return`);
      const empty = await submit(form, { reason: '  ' });
      expectPageSaying(empty, 400, 'Cần nêu lý do trả lại.');
      const r = await submit(form, { reason: 'Trùng với mục đã kê khai' });
      expect(r.status).to.equal(303);
      const row = await h.knex('kpi_journal_entries').where({ id: created.body.id }).first('status', 'review_reason');
      expect(row).to.include({ status: 'rejected', review_reason: 'Trùng với mục đã kê khai' });
    });

    it('when HR opens the board, then there are no review buttons but the general-criteria form is there', async () => {
      await h.api('POST', '/api/v1/journal', T.off2!, { date: '2026-03-17', workItemCode: 'CH-04', quantity: 1 });
      const p = await open('/panels/unit/p-a', T.hr);
      expect(order(p.html, 'data-entry').length).to.be.greaterThan(0);
      expect(formsOf(p.html).filter((f) => /\/(approve|return|rate)$/.test(f.action))).to.have.length(0);
      expect(formsOf(p.html).filter((f) => f.action.endsWith('/unit/p-a/assessments')).length).to.be.greaterThan(0);
    });

    it('when the leader records the general criteria of a member, then the score counts it and My KPI shows the total and the next-class hint', async () => {
      const p = await get('/panels/unit/p-a', { token: T.leadA });
      const form = formsOf(p.html).find((f) => f.action.endsWith('/unit/p-a/assessments') && f.fields.userId === 'off-1')!;
      expect(form.fields.period).to.equal('2026-03');
      const bad = await submit(form, { general: '31' });
      expectPageSaying(bad, 400, 'Điểm tiêu chí chung phải là số từ 0 đến 30, tối đa 2 chữ số thập phân.');
      const r = await submit(form, { general: '27' });
      expect(r.status, r.html.slice(0, 400)).to.equal(303);
      expect(r.location).to.contain('notice=assessed');
      const row = await h.knex('kpi_assessments').where({ agency_code: a.code, user_id: 'off-1', period: '2026-03' }).first('general', 'assessed_by');
      expect(Number(row.general)).to.equal(27);
      expect(row.assessed_by).to.equal('lead-a');
      // The form of one member cannot be replayed for another.
      expectPage(await submit(form, { userId: 'off-2', general: '29' }), 403);

      const me = await get('/panels/me', { token: T.off1 });
      const text = decode(me.html);
      const api = await h.api('GET', '/api/v1/scores?period=2026-03&user=off-1', T.off1!);
      const s = api.body.scores[0];
      expect(s.generalScore).to.equal(27);
      expect(text).to.contain(`Tổng điểm S = R + G = ${formatVi(s.taskScore)} + 27 = ${formatVi(s.total)}`);
      expect(s.explanation.nextClass, 'a reachable next class').to.not.equal(null);
      const nc = s.explanation.nextClass;
      expect(text).to.contain(`Để đạt mức Hoàn thành nhiệm vụ (HTNV), cần S ≥ 50: thêm ${formatVi(nc.minutes)} phút chuẩn công việc được duyệt, đúng hạn, không lỗi (tổng điểm khi đó ${formatVi(nc.totalAfter)}).`);
      expect(nc.target).to.equal('HTNV');
    });
  });

  // ---------------------------------------------------------------- ranking

  describe('the ranking', () => {
    it('when a leader opens it, then units are ranked by mean score as the API ranks them, coloured, and their own unit links to its board', async () => {
      const p = await open('/panels/ranking', T.leadA);
      expectShows(p.text, ['Phòng Tổng hợp', 'Phòng Kế hoạch – Tài chính']);
      const api = await h.api('GET', '/api/v1/ranking?period=2026-03', T.leadA!);
      expect(order(p.html, 'data-unit')).to.deep.equal(api.body.units.map((u: { unitId: string }) => u.unitId));
      expect(order(p.html, 'data-unit')[0]).to.equal('p-a');
      expect(p.html.match(/<td class="score sc-(\d+|none)">/g)!.length).to.equal(api.body.units.length);
      const own = linksOf(p.html).find((l) => l.startsWith('/kpi/panels/unit/p-a?'))!;
      expect(own).to.be.a('string');
      expect(linksOf(p.html).some((l) => l.startsWith('/kpi/panels/unit/p-b?'))).to.equal(false);
      const board = await visit(own);
      expect(board.text).to.contain('Phòng Tổng hợp');
    });

    it('when lowest first is asked for a quarter, then the order is the API\'s lowest-first order', async () => {
      const p = await open('/panels/ranking?period=2026-Q1&order=lowest', T.hr);
      expect(p.text).to.contain('Quý I/2026');
      const api = await h.api('GET', '/api/v1/ranking?period=2026-Q1&order=lowest', T.hr!);
      expect(order(p.html, 'data-unit')).to.deep.equal(api.body.units.map((u: { unitId: string }) => u.unitId));
      expect(order(p.html, 'data-unit')[0]).to.not.equal('p-a');
    });

    it('when the year is asked, then it renders; a period that is not one is a 400 page', async () => {
      const y = await open('/panels/ranking?period=2026', T.admin);
      expect(y.text).to.contain('Năm 2026');
      const bad = await open('/panels/ranking?period=2026-13', T.admin, 400);
      expect(bad.text).to.contain('Dữ liệu không hợp lệ: Kỳ đánh giá.');
    });
  });

  // ---------------------------------------------------------------- reports

  describe('the reports page', () => {
    it('when HR opens it, then the form lists the units, and choosing a period and units gives one workbook link per unit', async () => {
      const p = await open('/panels/reports', T.hr);
      expect(p.html).to.contain('name="unit" value="p-a"');
      expect(p.html).to.contain('name="unit" value="p-tc"');
      const chosen = await open('/panels/reports?period=2026-Q1&unit=p-a&unit=p-b', T.hr);
      // The workbook links, with the context token they carry taken out (wherever it sits in the query).
      const withoutCtx = (l: string): string => { const u = new URL(l, 'http://x'); u.searchParams.delete('ctx'); return `${u.pathname}${u.search}`; };
      const links = linksOf(chosen.html).filter((l) => l.includes('.xlsx'));
      expect(links.map(withoutCtx)).to.deep.equal(['/kpi/reports/2026-Q1.xlsx?unit=p-a', '/kpi/reports/2026-Q1.xlsx?unit=p-b']);
      for (const l of links) expect(jwt.decode(ctxOf(l), { json: true })!.aud).to.equal(CONTEXT_AUDIENCE);
      const whole = await get('/panels/reports?period=2026', { token: T.admin });
      expect(linksOf(whole.html).filter((l) => l.includes('/reports/')).map(withoutCtx)).to.deep.equal(['/kpi/reports/2026.xlsx']);
    });

    it('when a unit that does not exist is asked, then 400', async () => {
      await open('/panels/reports?period=2026-Q1&unit=p-nowhere', T.hr, 400);
    });
  });

  // ---------------------------------------------------------------- admin

  describe('the admin page', () => {
    it('when the admin opens it, then the catalogue, the mapping rules, the settings and the failed events show', async () => {
      const p = await open('/panels/admin', T.admin);
      expectShows(p.text, ['Soạn thảo công văn', 'doc-processed-main']);
      // The settings in words: labels and values a person reads, never a raw key or value.
      const settings = /<dl class="settings">([\s\S]*?)<\/dl>/.exec(p.html)![1]!;
      expect(settings).to.match(/<dt>Ngưỡng phút kê khai tối đa mỗi ngày<\/dt><dd>480 — Thu nhỏ theo tỷ lệ/);
      expect(settings).to.contain(`<dd>${HOST}</dd>`);
      for (const raw of ['capPolicy', 'capMinutes', 'hostOrigins', 'clip', 'true', 'false', 'agency']) expect(settings, raw).to.not.match(new RegExp(`>[^<]*\\b${raw}\\b`));
      expect(order(p.html, 'data-event')).to.deep.equal(['evt-broken-1']);
      expect(p.text).to.contain('XX-99');
      formTo(p.html, '/admin/events/evt-broken-1/replay');
    });

    it('when the admin replays a failed event that still fails, then it stays failed; once the catalogue has the item, the replay processes it', async () => {
      let p = await get('/panels/admin', { token: T.admin });
      expectPage(await submit(formTo(p.html, '/admin/events/evt-broken-1/replay'), { _csrf: undefined }), 403);
      let r = await submit(formTo(p.html, '/admin/events/evt-broken-1/replay'));
      expect(r.status).to.equal(303);
      expect(r.location).to.contain('notice=replay-failed');
      // A replay that fails again is said as a failure (the red alert), never in the green success box.
      const again = await follow(r.location!);
      expect(again.html).to.match(/<p class="flash err" role="alert">Đã xử lý lại nhưng sự kiện vẫn lỗi/);
      expect(again.html).to.not.match(/class="flash ok"/);
      let row = await h.knex('kpi_events').where({ agency_code: a.code, event_id: 'evt-broken-1' }).first('status', 'attempts');
      expect(row.status).to.equal('failed');
      expect(Number(row.attempts)).to.equal(2);

      const item = (await h.plugin.services.agencies.catalogue(a.code)).find((i) => i.code === 'CV-16')!;
      await h.plugin.services.agencies.saveCatalogue(a.code, [{ ...item, code: 'XX-99', name: 'Việc thử nghiệm' }], 'admin-1');
      p = await follow(r.location!);
      r = await submit(formTo(p.html, '/admin/events/evt-broken-1/replay'));
      expect(r.location).to.contain('notice=replayed');
      row = await h.knex('kpi_events').where({ agency_code: a.code, event_id: 'evt-broken-1' }).first('status');
      expect(row.status).to.equal('processed');
      const audit = await h.knex('kpi_audit_log').where({ agency_code: a.code, action: 'events.replay', target: 'evt-broken-1' }).select('actor');
      expect(audit.map((x: { actor: string }) => x.actor)).to.deep.equal(['admin-1', 'admin-1']);
      const after = await follow(r.location!);
      expect(decode(after.html)).to.contain('Đã xử lý lại sự kiện.');
      expect(order(after.html, 'data-event')).to.deep.equal([]);
    });
  });

  // ---------------------------------------------------------------- English

  describe('English', () => {
    it('when the token says en, then My KPI is in English with English dates, numbers and formula', async () => {
      const p = await open('/panels/me', T.off1En);
      const { text } = p;
      expect(p.html).to.contain('<html lang="en">');
      expectShows(text, ['<h1>My KPI</h1>', 'Today · 20 Mar 2026', 'Month score · March 2026', 'Quarter score · Q1 2026', 'Assigned work A = 15 × 480 × 1 = 7,200 min', '12 Mar 2026', 'Add an entry']);
      for (const vi of ['Kê khai thêm công việc', 'Hôm nay', 'Điểm tháng', 'Nhật ký công việc', 'Chờ duyệt']) expect(text, vi).to.not.contain(vi);
      expect(p.html).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(text).to.contain('Nguyễn Thị Ánh');
    });

    it('when a leader reads the unit board in English, then its headings and classes are English', async () => {
      const p = await open('/panels/unit/p-a', token(a, 'lead-a', ['official', 'leader'], { unit: 'p-a', locale: 'en' }));
      expectShows(p.text, ["Members' scores", 'Entries awaiting review', 'Excellence quota'], ['Điểm của cán bộ']);
    });
  });
});
