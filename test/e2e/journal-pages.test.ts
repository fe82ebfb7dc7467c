import { expect } from 'chai';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';

/**
 * GET /api/v1/journal in pages: ordered by day then id, `limit` entries at a time, and a
 * `next` that says where the following page starts, so that a long range is never cut
 * short without saying so. `status` narrows the list (the approval queue asks for pending).
 */
describe('e2e: the journal list in pages', function () {
  this.timeout(60000);
  let h: Harness;
  let a: TestAgency;
  const MARCH = 'from=2026-03-01&to=2026-03-31';
  let approved = 0;
  let pending = 0;

  function docEvents(n: number, user: string, offset: number): Array<Record<string, unknown>> {
    // Several entries per day, so that pages end in the middle of a day.
    return Array.from({ length: n }, (_, i) => buildEvent({
      agency: a.code, actor: { id: user }, type: 'document.received',
      occurredAt: `2026-03-${String(2 + ((i + offset) % 20)).padStart(2, '0')}T0${(i + offset) % 9}:10:00+07:00`,
    }));
  }

  before(async () => {
    h = await startHarness();
    a = await h.addAgency('trang-nhat-ky');
    const at = '2026-03-01T02:00:00Z';
    await h.postEvents(a, { events: [
      buildEvent({ agency: a.code, type: 'unit.upserted', occurredAt: at, actor: { id: 'u-admin' }, subject: { kind: 'unit', id: 'P1' }, data: { name: 'Phòng Hành chính', parentId: null } }),
      ...['u-1', 'u-2'].map((id) => buildEvent({ agency: a.code, type: 'user.upserted', occurredAt: at, actor: { id: 'u-admin' }, subject: { kind: 'user', id }, data: { name: `Văn thư ${id}`, unitId: 'P1', position: 'Văn thư', isLeader: false, active: true } })),
    ] });
    for (const [user, n] of [['u-1', 130], ['u-2', 70]] as const) {
      const res = await h.postEvents(a, { events: docEvents(n, user, 0) });
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      approved += n;
    }
    // From now on event entries wait for the leader: a mix of statuses in the same days.
    await h.plugin.services.agencies.putSettings(a.code, { autoApproveEventEntries: false }, 'u-admin');
    const res = await h.postEvents(a, { events: docEvents(45, 'u-1', 7) });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    pending = 45;
  });

  after(() => h.close());

  const hr = () => h.userToken(a, 'u-hr', ['hr']);
  const order = (e: { date: string; id: string }) => `${e.date}.${e.id.padStart(18, '0')}`;

  async function allPages(query: string, limit: number): Promise<{ pages: number; entries: Array<{ id: string; date: string; status: string; userId: string }> }> {
    const entries: Array<{ id: string; date: string; status: string; userId: string }> = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await h.api('GET', `/api/v1/journal?${query}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`, hr());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.entries.length).to.be.at.most(limit);
      entries.push(...res.body.entries);
      after = res.body.next;
      pages++;
      expect(pages, 'pages never end').to.be.below(1000);
    } while (after !== null);
    return { pages, entries };
  }

  it('when a unit is read in pages of 7, then the pages hold every entry once, in day-then-id order, and the last says next: null', async () => {
    const whole = await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1&limit=20000`, hr());
    expect(whole.status).to.equal(200);
    expect(whole.body.entries).to.have.length(approved + pending);
    expect(whole.body.next).to.equal(null);

    const { pages, entries } = await allPages(`${MARCH}&unit=P1`, 7);
    expect(pages).to.equal(Math.ceil((approved + pending) / 7));
    expect(entries.map((e) => e.id)).to.deep.equal(whole.body.entries.map((e: { id: string }) => e.id));
    expect(new Set(entries.map((e) => e.id)).size).to.equal(entries.length);
    const keys = entries.map(order);
    expect(keys).to.deep.equal([...keys].sort());
  });

  it('when no limit is given, then one page of at most 1000 comes back and next is null only on the last', async () => {
    const res = await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1`, hr());
    expect(res.status).to.equal(200);
    expect(res.body.entries).to.have.length(approved + pending); // 245 ≤ 1000
    expect(res.body.next).to.equal(null);
    const cut = await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1&limit=${approved + pending - 1}`, hr());
    expect(cut.body.entries).to.have.length(approved + pending - 1);
    expect(cut.body.next, 'a page that leaves one entry out says so').to.be.a('string');
    const rest = await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1&after=${encodeURIComponent(cut.body.next)}`, hr());
    expect(rest.body.entries).to.have.length(1);
    expect(rest.body.next).to.equal(null);
  });

  it('when status=pending is asked for, then only the pending entries come, in pages too', async () => {
    const { entries } = await allPages(`${MARCH}&unit=P1&status=pending`, 10);
    expect(entries).to.have.length(pending);
    expect(entries.every((e) => e.status === 'pending' && e.userId === 'u-1')).to.equal(true);
    const own = await h.api('GET', `/api/v1/journal?${MARCH}&status=approved&limit=20000`, h.userToken(a, 'u-2', ['official']));
    expect(own.status).to.equal(200);
    expect(own.body.entries).to.have.length(70);
  });

  it('when limit, after or status is not valid, then 400 names the parameter', async () => {
    const bad: Array<[string, string]> = [
      ['limit=0', 'limit'], ['limit=20001', 'limit'], ['limit=abc', 'limit'], ['limit=1.5', 'limit'], ['limit=-3', 'limit'],
      ['after=2026-03-05', 'after'], ['after=2026-13-05.12', 'after'], ['after=x.1', 'after'], ["after=2026-03-05.1'", 'after'],
      ['status=done', 'status'], ['status=', 'status'],
    ];
    for (const [q, field] of bad) {
      const res = await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1&${q}`, hr());
      expect(res.status, q).to.equal(400);
      expect(res.body.error.code, q).to.equal('invalid_input');
      expect(res.body.error.field, q).to.equal(field);
    }
  });

  it('when the unit board is opened, then its approval queue holds every pending entry of the month', async () => {
    const res = await fetch(`${h.url}/panels/unit/P1?period=2026-03&jwt=${h.userToken(a, 'u-lead', ['leader'], { unit: 'P1' })}`);
    expect(res.status).to.equal(200);
    const html = await res.text();
    const rows = html.match(/\/entries\/\d+\/approve/g) ?? [];
    expect(new Set(rows).size).to.equal(pending);
  });
});
