import { expect } from 'chai';
import sinon from 'sinon';
import { startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { hostEvents, postSigned } from '../helpers/host-events';
import { decode, formsOf, type Form } from '../helpers/html';

/**
 * Kept pages (src/panels/page-cache.ts): a panel loaded again before anything was written is
 * not built again, but every load still carries tokens of its own — a context token, a style
 * nonce and form tokens that work once — and a write is never followed by the page from before it.
 */
const NOW = new Date('2026-03-20T10:00:00+07:00');

type Page = { status: number; html: string; csp: string; location: string | null };

describe('e2e: panels kept until the next write carry fresh tokens on every load', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  const T: Record<string, string> = {};
  const { processed, directory } = hostEvents('pc');

  async function read(res: Response): Promise<Page> {
    return { status: res.status, html: await res.text(), csp: res.headers.get('content-security-policy') ?? '', location: res.headers.get('location') };
  }

  async function open(path: string, hostToken: string): Promise<Page> {
    const url = new URL(`${h.url}/panels${path}`);
    url.searchParams.set('jwt', hostToken);
    const p = await read(await fetch(url, { redirect: 'manual' }));
    expect(p.status, decode(p.html).slice(0, 800)).to.equal(200);
    return p;
  }

  async function submit(form: Form, changes: Record<string, string> = {}): Promise<Page> {
    return read(await fetch(new URL(form.action, h.url), {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...form.fields, ...changes }).toString(),
    }));
  }

  /** The tokens a page carries: its context token (one for the whole page), its style nonce, and each form's token. */
  function tokensOf(p: Page): { ctx: string[]; nonce: string; headerNonce: string; csrf: string[] } {
    const forms = formsOf(p.html);
    return {
      ctx: [...new Set(forms.map((f) => f.fields.ctx!).concat([...p.html.matchAll(/[?&](?:amp;)?ctx=([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!)))],
      nonce: /<style nonce="([^"]+)"/.exec(p.html)![1]!,
      headerNonce: /'nonce-([^']+)'/.exec(p.csp)![1]!,
      csrf: forms.map((f) => f.fields._csrf!),
    };
  }

  /** The page with its tokens taken out: what two loads of the same page share. */
  function withoutTokens(p: Page): string {
    const t = tokensOf(p);
    let html = p.html;
    for (const x of [...t.ctx, t.nonce, ...t.csrf]) html = html.split(x).join('•');
    return html;
  }

  const count = async (where: Record<string, unknown>): Promise<number> => Number((await h.knex('kpi_journal_entries').where({ agency_code: a.code, ...where }).count({ n: '*' }).first())!.n);
  const addForm = (p: Page): Form => formsOf(p.html).find((f) => f.action.endsWith('/panels/me/entries') && f.fields.fromEvent === undefined)!;

  before(async () => {
    h = await startHarness({ clock: () => NOW });
    a = await h.addAgency('ag-page-cache');
    await postSigned(h, a, directory(a), NOW);
    await postSigned(h, a, Array.from({ length: 12 }, (_, i) => processed(a, 'off-1', `VB-${i}`, `2026-03-${String(2 + i).padStart(2, '0')}`)), NOW);
    T.off1 = h.userToken(a, 'off-1', ['official'], { unit: 'p-a', name: 'Nguyễn Thị Ánh' });
    T.off2 = h.userToken(a, 'off-2', ['official'], { unit: 'p-a', name: 'Trần Văn Bình' });
    T.leadA = h.userToken(a, 'lead-a', ['official', 'leader'], { unit: 'p-a', name: 'Lê Hoàng Phúc' });
  });
  afterEach(() => sinon.restore());
  after(async () => { await h?.close(); });

  it('when My KPI is loaded again with nothing written, then it is not built again, and it is the same page with tokens of its own', async () => {
    await open('/me?month=2026-03', T.off1); // the agency's first scoring writes its daily roll-ups
    const first = await open('/me?month=2026-03', T.off1);
    const built = sinon.spy(h.plugin.services.scoring, 'scoresFor');
    const second = await open('/me?month=2026-03', T.off1);
    expect(built.callCount, 'My KPI was built again').to.equal(0);
    expect(withoutTokens(second)).to.equal(withoutTokens(first));

    const t1 = tokensOf(first);
    const t2 = tokensOf(second);
    expect(t2.ctx).to.have.length(1);
    expect(t1.ctx).to.have.length(1);
    expect(t2.ctx[0]).to.not.equal(t1.ctx[0]);
    expect(t2.nonce).to.equal(t2.headerNonce);
    expect(t2.nonce).to.not.equal(t1.nonce);
    expect(t2.csrf.length).to.be.greaterThan(0);
    expect(t2.csrf.length).to.equal(t1.csrf.length);
    t2.csrf.forEach((c, i) => expect(c, `form ${i}`).to.not.equal(t1.csrf[i]));
    for (const x of [t1.ctx[0]!, t1.nonce, ...t1.csrf]) expect(second.html.includes(x), 'a token of the first load in the second').to.equal(false);
  });

  it('when the form of a kept page is sent, then it works once, and the next load shows the new entry', async () => {
    await open('/me?month=2026-03', T.off1);
    const kept = await open('/me?month=2026-03', T.off1);
    expect(decode(kept.html)).to.not.include('Gửi từ trang giữ lại');
    const before = await count({ user_id: 'off-1' });
    const body = { date: '2026-03-19', workItemCode: 'CV-06', quantity: '1', note: 'Gửi từ trang giữ lại' };
    const sent = await submit(addForm(kept), body);
    const again = await submit(addForm(kept), body);
    expect(sent.status, decode(sent.html).slice(0, 500)).to.equal(303);
    expect(again.status).to.equal(303);
    expect(await count({ user_id: 'off-1' })).to.equal(before + 1);
    const after = await open('/me?month=2026-03', T.off1);
    expect(decode(after.html)).to.include('Gửi từ trang giữ lại');
  });

  it('when a row is written outside the services, then the next load is built afresh', async () => {
    await open('/me?month=2026-03', T.off1);
    await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-1' }).update({ note: 'Ghi chú do một tập lệnh ghi' });
    const built = sinon.spy(h.plugin.services.scoring, 'scoresFor');
    const after = await open('/me?month=2026-03', T.off1);
    expect(built.callCount).to.be.greaterThan(0);
    expect(decode(after.html)).to.include('Ghi chú do một tập lệnh ghi');
  });

  it('when another official or another query asks, then each gets their own page, never the kept one', async () => {
    const mine = await open('/me?month=2026-03', T.off1);
    const theirs = await open('/me?month=2026-03', T.off2);
    expect(decode(mine.html)).to.include('Nguyễn Thị Ánh');
    expect(decode(theirs.html)).to.include('Trần Văn Bình');
    expect(decode(theirs.html)).to.not.include('Nguyễn Thị Ánh');
    const february = await open('/me?month=2026-02', T.off1);
    expect(withoutTokens(february)).to.not.equal(withoutTokens(mine));
  });

  it('when fifty loads of one page arrive at once, then it is built once and each load has its own context token', async () => {
    await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-1' }).update({ note: null }); // nothing kept from here on
    const built = sinon.spy(h.plugin.services.scoring, 'scoresFor');
    const pages = await Promise.all(Array.from({ length: 50 }, () => open('/me?month=2026-03', T.off1)));
    expect(built.callCount, 'My KPI asks for two scores when it is built').to.equal(2);
    expect(new Set(pages.map((p) => tokensOf(p).ctx[0])).size).to.equal(50);
    expect(new Set(pages.map(withoutTokens)).size).to.equal(1);
  });

  it('when the leader approves from a kept unit board, then the approval is taken once and the board shows it', async () => {
    const made = await submit(addForm(await open('/me?month=2026-03', T.off2)), { date: '2026-03-18', workItemCode: 'CV-06', quantity: '1', note: 'Chờ duyệt' });
    expect(made.status).to.equal(303);
    const pending = await h.knex('kpi_journal_entries').where({ agency_code: a.code, user_id: 'off-2', status: 'pending' }).first();
    await open('/unit/p-a?period=2026-03', T.leadA);
    const kept = await open('/unit/p-a?period=2026-03', T.leadA);
    const approve = formsOf(kept.html).find((f) => f.action.endsWith(`/entries/${pending.id}/approve`));
    expect(approve, 'the approve form of the pending entry').to.not.equal(undefined);
    const first = await submit(approve!);
    const second = await submit(approve!);
    expect(first.status, decode(first.html).slice(0, 500)).to.equal(303);
    expect(second.status).to.equal(303);
    expect((await h.knex('kpi_journal_entries').where({ id: pending.id }).first()).status).to.equal('approved');
    const after = await open('/unit/p-a?period=2026-03', T.leadA);
    expect(formsOf(after.html).some((f) => f.action.endsWith(`/entries/${pending.id}/approve`))).to.equal(false);
  });
});
