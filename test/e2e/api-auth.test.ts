import { expect } from 'chai';
import { SCHEMA_FILES, validateAgainst } from '../../src/contract/ajv';
import { ERROR_LEAKS, expectErrorBody } from '../helpers/error-body';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { algNone, hs256 } from '../helpers/tokens';

/**
 * docs/integrators.md (panels and API) for /api/v1: who the caller is comes only from a verified user token
 * (HS256 with the agency's secret, aud "eoffice-kpi", exp), what they may do from its
 * roles, and nobody ever sees another agency's data. Errors are JSON
 * `{ error: { code, message } }` and never leak SQL or a stack trace.
 */

/** The shared leaks, and SQL's `update … set` and an exception's `Error:` as well. */
const LEAKS = [...ERROR_LEAKS, /\bupdate\b.*\bset\b/i, /Error:/];

function expectError(res: { status: number; body: any }, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expectErrorBody(res.body, code, LEAKS);
}

describe('e2e: /api/v1 user tokens, roles and agency isolation (docs/integrators.md (panels and API))', function () {
  this.timeout(30000);
  let h: Harness;
  let a: TestAgency;
  let b: TestAgency;
  const MARCH = 'from=2026-03-01&to=2026-03-31';
  /** Event ids of the entries each agency's users got, by user. */
  const entryEvents: Record<string, Record<string, string[]>> = {};

  const nowS = () => Math.floor(Date.now() / 1000);
  const claims = (agency: TestAgency, changes: Record<string, unknown> = {}) => {
    const c: Record<string, unknown> = { sub: 'u-1', agency: agency.code, roles: ['official'], aud: 'eoffice-kpi', iat: nowS(), exp: nowS() + 600, ...changes };
    for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
    return c;
  };

  /** Units P1 and P2, users u-1 and u-2 in P1 and u-3 in P2, and two entries each — the same ids in both agencies. */
  async function seed(agency: TestAgency): Promise<void> {
    const at = '2026-03-10T02:00:00Z';
    const events: Array<Record<string, unknown>> = [
      buildEvent({ agency: agency.code, type: 'unit.upserted', occurredAt: at, actor: { id: 'u-admin' }, subject: { kind: 'unit', id: 'P1' }, data: { name: 'Phòng Tổng hợp', parentId: null } }),
      buildEvent({ agency: agency.code, type: 'unit.upserted', occurredAt: at, actor: { id: 'u-admin' }, subject: { kind: 'unit', id: 'P2' }, data: { name: 'Phòng Kế hoạch', parentId: null } }),
    ];
    const users: Array<[string, string]> = [['u-1', 'P1'], ['u-2', 'P1'], ['u-3', 'P2']];
    for (const [id, unit] of users) {
      events.push(buildEvent({ agency: agency.code, type: 'user.upserted', occurredAt: at, actor: { id: 'u-admin' }, subject: { kind: 'user', id }, data: { name: `Chuyên viên ${id}`, unitId: unit, position: 'Chuyên viên', isLeader: false, active: true } }));
    }
    entryEvents[agency.code] = {};
    for (const [id] of users) {
      entryEvents[agency.code]![id] = [];
      for (const day of ['2026-03-11T03:00:00Z', '2026-03-12T03:00:00Z']) {
        const e = buildEvent({ agency: agency.code, type: 'document.received', occurredAt: day, actor: { id } });
        events.push(e);
        entryEvents[agency.code]![id]!.push(e.id);
      }
    }
    const res = await h.postEvents(agency, { events });
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ accepted: events.length, duplicates: 0, rejected: [] });
  }

  before(async () => {
    h = await startHarness();
    a = await h.addAgency('ag-api-a');
    b = await h.addAgency('ag-api-b');
    await seed(a);
    await seed(b);
  });
  after(async () => { await h?.close(); });

  describe('when the user token is missing or forged, then 401 with a JSON error', () => {
    const cases: Array<[string, () => string | null]> = [
      ['no token at all', () => null],
      ['a token that is not a JWT', () => 'not-a-jwt'],
      ['an expired token', () => hs256(claims(a, { iat: nowS() - 3600, exp: nowS() - 120 }), a.secret)],
      ['a token without exp', () => hs256(claims(a, { exp: undefined }), a.secret)],
      ['a token for another audience', () => hs256(claims(a, { aud: 'e-office-host' }), a.secret)],
      ['a token without aud', () => hs256(claims(a, { aud: undefined }), a.secret)],
      ["a token claiming agency A signed with agency B's secret", () => hs256(claims(a), b.secret)],
      ["a token claiming agency B signed with agency A's secret", () => hs256(claims(b), a.secret)],
      ['a token with alg none', () => algNone(claims(a))],
      ['a token with an empty HMAC key', () => hs256(claims(a), '')],
      ['a token for an agency that does not exist', () => hs256(claims(a, { agency: 'ag-nowhere' }), a.secret)],
      ['a token without sub', () => hs256(claims(a, { sub: undefined }), a.secret)],
      ['a token whose roles are all unknown', () => hs256(claims(a, { roles: ['superuser', 'root'] }), a.secret)],
      ['a token with no roles', () => hs256(claims(a, { roles: [] }), a.secret)],
    ];
    for (const [name, token] of cases) {
      it(`when it is ${name}`, async () => {
        for (const path of ['/api/v1/journal', '/api/v1/settings', '/api/v1/catalogue']) {
          expectError(await h.api('GET', path, token()), 401, 'unauthorized');
        }
      });
    }

    it('when a forged token comes in ?jwt= instead of the header, then it is 401 too (and a genuine one is 200)', async () => {
      const forged = hs256(claims(a), b.secret);
      expectError(await h.api('GET', `/api/v1/journal?jwt=${forged}`, null), 401, 'unauthorized');
      const genuine = h.userToken(a, 'u-1', ['official']);
      expect((await h.api('GET', `/api/v1/journal?${MARCH}&jwt=${genuine}`, null)).status).to.equal(200);
    });

    it("when B's admin changes settings, then it is B's, decided by the token, and A's are untouched", async () => {
      const token = h.userToken(b, 'u-admin', ['admin']);
      const res = await h.api('PUT', '/api/v1/settings', token, { dailyMinutes: 470 });
      expect(res.status).to.equal(200);
      expect((await h.api('GET', '/api/v1/settings', h.userToken(a, 'u-admin', ['admin']))).body.dailyMinutes).to.not.equal(470);
      // Put B back as it was for the other cases.
      expect((await h.api('PUT', '/api/v1/settings', token, { dailyMinutes: 480 })).status).to.equal(200);
    });
  });

  describe('when the caller is authenticated, then the role decides (settings: admin only)', () => {
    it('when an official (or a leader, or hr) reads or writes the settings, then 403', async () => {
      for (const roles of [['official'], ['leader'], ['hr'], ['official', 'leader', 'hr']] as const) {
        const token = h.userToken(a, 'u-1', [...roles], { unit: 'P1' });
        expectError(await h.api('GET', '/api/v1/settings', token), 403, 'forbidden');
        expectError(await h.api('PUT', '/api/v1/settings', token, { dailyMinutes: 1 }), 403, 'forbidden');
      }
      const admin = h.userToken(a, 'u-admin', ['admin']);
      expect((await h.api('GET', '/api/v1/settings', admin)).body.dailyMinutes).to.not.equal(1);
    });

    it('when an admin reads the settings, then they are the full settings object of the published schema', async () => {
      const res = await h.api('GET', '/api/v1/settings', h.userToken(a, 'u-admin', ['admin']));
      expect(res.status).to.equal(200);
      expect(validateAgainst(SCHEMA_FILES.settings, res.body)).to.deep.equal({ ok: true });
      expect(res.body).to.include({ timeZone: 'Asia/Ho_Chi_Minh' });
    });

    it('when an admin puts a change, then it is kept for that agency only', async () => {
      const admin = h.userToken(a, 'u-admin', ['admin']);
      const before = (await h.api('GET', '/api/v1/settings', admin)).body;
      const put = await h.api('PUT', '/api/v1/settings', admin, { dailyMinutes: 450, capPolicy: 'warn', holidays: ['2026-04-27'] });
      expect(put.status, JSON.stringify(put.body)).to.equal(200);
      expect(put.body).to.deep.equal({ ...before, dailyMinutes: 450, capPolicy: 'warn', holidays: ['2026-04-27'] });
      expect((await h.api('GET', '/api/v1/settings', admin)).body).to.deep.equal(put.body);
      const other = (await h.api('GET', '/api/v1/settings', h.userToken(b, 'u-admin', ['admin']))).body;
      expect(other.dailyMinutes).to.equal(480);
      expect(other.holidays).to.not.include('2026-04-27');
    });

    it('when an admin puts an unknown key, then 400 naming the key and nothing changes', async () => {
      const admin = h.userToken(a, 'u-admin', ['admin']);
      const before = (await h.api('GET', '/api/v1/settings', admin)).body;
      const res = await h.api('PUT', '/api/v1/settings', admin, { dailyMinutes: 300, mauNen: 'xanh' });
      expectError(res, 400);
      expect(`${res.body.error.field ?? ''} ${res.body.error.message}`).to.contain('mauNen');
      expect((await h.api('GET', '/api/v1/settings', admin)).body).to.deep.equal(before);
    });

    for (const [key, value] of [['dailyMinutes', 'tám giờ'], ['autoApproveEventEntries', 'yes'], ['holidays', '2026-04-30'], ['capPolicy', 42]] as const) {
      it(`when an admin puts ${key} with the wrong type, then 400 naming ${key}`, async () => {
        const admin = h.userToken(a, 'u-admin', ['admin']);
        const before = (await h.api('GET', '/api/v1/settings', admin)).body;
        const res = await h.api('PUT', '/api/v1/settings', admin, { [key]: value });
        expectError(res, 400);
        expect(`${res.body.error.field ?? ''} ${res.body.error.message}`).to.contain(key);
        expect((await h.api('GET', '/api/v1/settings', admin)).body).to.deep.equal(before);
      });
    }
  });

  describe('when the journal is read, then an official sees their own, a leader their unit, hr everyone of the agency', () => {
    const ids = (res: { body: any }) => (res.body.entries as Array<{ eventId: string }>).map((e) => e.eventId).sort();

    it("when an official reads their own journal, then they get exactly their entries", async () => {
      const res = await h.api('GET', `/api/v1/journal?${MARCH}`, h.userToken(a, 'u-1', ['official']));
      expect(res.status).to.equal(200);
      expect(ids(res)).to.deep.equal([...entryEvents[a.code]!['u-1']!].sort());
      expect(res.body.entries.every((e: any) => e.userId === 'u-1')).to.equal(true);
    });

    it("when an official asks for someone else's journal (even a colleague of the same unit), then 403", async () => {
      const token = h.userToken(a, 'u-1', ['official'], { unit: 'P1' });
      expectError(await h.api('GET', `/api/v1/journal?${MARCH}&user=u-2`, token), 403, 'forbidden');
      expectError(await h.api('GET', `/api/v1/journal?${MARCH}&user=u-3`, token), 403, 'forbidden');
      expectError(await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1`, token), 403, 'forbidden');
    });

    it("when a leader of the same unit (token unit claim) reads a member's journal, then 200 with that member's entries", async () => {
      const res = await h.api('GET', `/api/v1/journal?${MARCH}&user=u-2`, h.userToken(a, 'u-lead-1', ['leader'], { unit: 'P1' }));
      expect(res.status).to.equal(200);
      expect(ids(res)).to.deep.equal([...entryEvents[a.code]!['u-2']!].sort());
    });

    it("when a leader reads their unit, then they get the unit's members and no one else's", async () => {
      const res = await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1`, h.userToken(a, 'u-lead-1', ['leader'], { unit: 'P1' }));
      expect(res.status).to.equal(200);
      expect(ids(res)).to.deep.equal([...entryEvents[a.code]!['u-1']!, ...entryEvents[a.code]!['u-2']!].sort());
    });

    it('when a leader of another unit (or with no unit) reads a member of P1, then 403', async () => {
      expectError(await h.api('GET', `/api/v1/journal?${MARCH}&user=u-2`, h.userToken(a, 'u-lead-2', ['leader'], { unit: 'P2' })), 403, 'forbidden');
      expectError(await h.api('GET', `/api/v1/journal?${MARCH}&user=u-2`, h.userToken(a, 'u-lead-x', ['leader'])), 403, 'forbidden');
      expectError(await h.api('GET', `/api/v1/journal?${MARCH}&unit=P1`, h.userToken(a, 'u-lead-2', ['leader'], { unit: 'P2' })), 403, 'forbidden');
    });

    it("when hr reads anyone's journal in the agency, then 200", async () => {
      const hr = h.userToken(a, 'u-hr', ['hr']);
      for (const user of ['u-1', 'u-2', 'u-3']) {
        const res = await h.api('GET', `/api/v1/journal?${MARCH}&user=${user}`, hr);
        expect(res.status).to.equal(200);
        expect(ids(res)).to.deep.equal([...entryEvents[a.code]![user]!].sort());
      }
    });
  });

  describe('when two agencies have the same user and unit ids, then nobody sees the other agency\'s entries', () => {
    const eventIds = (res: { body: any }) => new Set((res.body.entries as Array<{ eventId: string }>).map((e) => e.eventId));
    const all = (agency: TestAgency) => Object.values(entryEvents[agency.code]!).flat();

    it('when the same official id reads its journal in each agency, then each sees only its own agency\'s entries', async () => {
      const inA = eventIds(await h.api('GET', `/api/v1/journal?${MARCH}`, h.userToken(a, 'u-1', ['official'])));
      const inB = eventIds(await h.api('GET', `/api/v1/journal?${MARCH}`, h.userToken(b, 'u-1', ['official'])));
      expect([...inA].sort()).to.deep.equal([...entryEvents[a.code]!['u-1']!].sort());
      expect([...inB].sort()).to.deep.equal([...entryEvents[b.code]!['u-1']!].sort());
      for (const id of all(b)) expect(inA.has(id)).to.equal(false);
    });

    it("when hr and a leader of A read users and units that also exist in B, then none of B's entries appear", async () => {
      const tokens = [h.userToken(a, 'u-hr', ['hr']), h.userToken(a, 'u-lead-1', ['leader'], { unit: 'P1' })];
      const bIds = new Set(all(b));
      for (const t of tokens) {
        for (const q of ['user=u-1', 'user=u-2', 'unit=P1']) {
          const res = await h.api('GET', `/api/v1/journal?${MARCH}&${q}`, t);
          expect(res.status, `${q} ${JSON.stringify(res.body)} token ${tokens.indexOf(t)}`).to.equal(200);
          expect(res.body.entries.length, q).to.be.greaterThan(0);
          for (const id of eventIds(res)) expect(bIds.has(id), `${q}: ${id}`).to.equal(false);
        }
      }
    });

    it("when a caller of B adds agency=A to the query, then it still reads B's entries only", async () => {
      const res = await h.api('GET', `/api/v1/journal?${MARCH}&user=u-2&agency=${a.code}`, h.userToken(b, 'u-hr', ['hr']));
      expect(res.status).to.equal(200);
      expect([...eventIds(res)].sort()).to.deep.equal([...entryEvents[b.code]!['u-2']!].sort());
    });

    it("when an admin of B lists stored events, then none of A's appear", async () => {
      const res = await h.api('GET', '/api/v1/events?status=processed', h.userToken(b, 'u-admin', ['admin']));
      expect(res.status).to.equal(200);
      const aIds = new Set(all(a));
      expect(res.body.events.length).to.be.greaterThan(0);
      for (const e of res.body.events) expect(aIds.has(e.id)).to.equal(false);
    });
  });

  describe('when a request is malformed, then the error is JSON that leaks nothing', () => {
    it('when the query has a bad day or a reversed range, then 400 naming the parameter', async () => {
      const token = h.userToken(a, 'u-1', ['official']);
      const bad = await h.api('GET', "/api/v1/journal?from=2026-02-30'%20or%201=1--&to=2026-03-31", token);
      expectError(bad, 400);
      expect(`${bad.body.error.field ?? ''} ${bad.body.error.message}`).to.contain('from');
      const reversed = await h.api('GET', '/api/v1/journal?from=2026-03-31&to=2026-03-01', token);
      expectError(reversed, 400);
    });

    it('when a body is not JSON, then 400 without a parser trace', async () => {
      const res = await fetch(`${h.url}/api/v1/settings`, {
        method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.userToken(a, 'u-admin', ['admin'])}` }, body: '{"dailyMinutes": ',
      });
      expectError({ status: res.status, body: await res.json() }, 400);
    });

    it('when the path does not exist, then 404 JSON', async () => {
      expectError(await h.api('GET', '/api/v1/no-such-thing', h.userToken(a, 'u-1', ['official'])), 404);
    });
  });
});
