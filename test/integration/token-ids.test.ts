import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { parseDbUrl } from '../../src/db/connection';
import { toDate } from '../../src/db/rows';
import { KnexUnitOfWork } from '../../src/db/unit-of-work';
import { TokenIdBatch, type TokenUse } from '../../src/http/token-ids';
import { freshDb, startHarness, testDbUrl, testDialect, buildEvent, type Harness } from '../helpers/harness';
import { hs256 } from '../helpers/tokens';

/**
 * Webhook token ids recorded together (src/http/token-ids.ts over KnexAgencyStore.useTokenIds):
 * the ids of calls that arrive together take one INSERT, and replay protection is what it was
 * one id at a time — an id twice among them is new once, an id used before is refused, an id
 * whose lifetime is over is taken again, a database failure reaches every caller.
 */

const T0 = new Date('2026-03-12T02:15:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const uses = (...jtis: string[]): TokenUse[] => jtis.map((jti) => ({ jti, expiresAt: at(300_000) }));

describe(`token ids recorded together on ${testDialect()} (${parseDbUrl(testDbUrl()).display})`, function () {
  this.timeout(60000);
  let knex: Knex;
  let uow: KnexUnitOfWork;
  let inserts: number;
  const countInserts = (q: { sql: string }) => { if (/^insert into .kpi_token_uses./i.test(q.sql)) inserts++; };

  before(async () => {
    knex = await freshDb();
    uow = new KnexUnitOfWork(knex);
    knex.on('query', countInserts);
  });
  after(async () => {
    knex?.off('query', countInserts);
    await knex?.destroy();
  });
  beforeEach(() => { inserts = 0; });

  const stored = async (agency: string, jti: string) => knex('kpi_token_uses').where({ agency_code: agency, jti }).first();

  it('when ids are new, then one INSERT records them all; an id given twice is new only the first time', async () => {
    expect(await uow.read.agencies.useTokenIds('tk-a', uses('j1', 'j2', 'j1', 'j3'), T0)).to.deep.equal([true, true, false, true]);
    expect(inserts).to.equal(1);
    for (const j of ['j1', 'j2', 'j3']) expect(await stored('tk-a', j), j).to.not.equal(undefined);
  });

  it('when one of them was used before and is inside its lifetime, then it alone is refused and the others are recorded', async () => {
    await uow.read.agencies.useTokenIds('tk-b', uses('r1'), T0);
    expect(await uow.read.agencies.useTokenIds('tk-b', uses('r2', 'r1', 'r3'), at(1000))).to.deep.equal([true, false, true]);
    expect(await stored('tk-b', 'r2')).to.not.equal(undefined);
    expect(await stored('tk-b', 'r3')).to.not.equal(undefined);
    // The same ids for another agency: independent.
    expect(await uow.read.agencies.useTokenIds('tk-b2', uses('r1', 'r2'), at(1000))).to.deep.equal([true, true]);
  });

  it('when one of them was used before but its lifetime is over, then it is taken again with its new lifetime', async () => {
    await uow.read.agencies.useTokenIds('tk-c', uses('o1', 'o2'), T0);
    const later = at(400_000);
    expect(await uow.read.agencies.useTokenIds('tk-c', [{ jti: 'o1', expiresAt: at(700_000) }, { jti: 'o4', expiresAt: at(700_000) }], later)).to.deep.equal([true, true]);
    expect(toDate((await stored('tk-c', 'o1')).expires_at)?.getTime()).to.equal(at(700_000).getTime());
    expect(await uow.read.agencies.useTokenIds('tk-c', uses('o1'), at(500_000))).to.deep.equal([false]);
  });

  it('when calls use ids together through TokenIdBatch, then they share one INSERT, each hears its own answer, and a replay among them is refused', async () => {
    const batch = new TokenIdBatch((agency, ids) => uow.read.agencies.useTokenIds(agency, ids, T0));
    await batch.use('tk-d', 'd0', at(300_000));
    inserts = 0;
    const answers = await Promise.all(['d1', 'd2', 'd0', 'd3', 'd2'].map((j) => batch.use('tk-d', j, at(300_000))));
    expect(answers).to.deep.equal([true, true, false, true, false]);
    inserts = 0;
    const fresh = await Promise.all(['d4', 'd5', 'd6'].map((j) => batch.use('tk-d', j, at(300_000))));
    expect(fresh).to.deep.equal([true, true, true]);
    expect(inserts, 'one INSERT for the three calls').to.equal(1);
  });

  it('when the database fails, then every caller of the statement hears the error and none is told its id is new', async () => {
    const boom = new Error('connection lost');
    const batch = new TokenIdBatch(async () => { throw boom; });
    const outcomes = await Promise.allSettled(['f1', 'f2', 'f3'].map((j) => batch.use('tk-e', j, at(300_000))));
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).to.equal(boom);
  });
});

describe(`webhook calls that arrive together on ${testDialect()}`, function () {
  this.timeout(60000);
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(async () => { await h?.close(); });

  it('when the same signed call is sent ten times at once (a replay in flight), then exactly one is 202 and the event is stored once', async () => {
    const a = await h.addAgency('tk-http-a', { issuer: 'host-tk' });
    const e = buildEvent({ agency: a.code });
    const raw = JSON.stringify(e);
    const iat = Math.floor(Date.now() / 1000);
    const token = hs256({ iss: a.issuer, aud: 'eoffice-kpi', agency: a.code, iat, exp: iat + 120, jti: crypto.randomUUID(), body_sha256: crypto.createHash('sha256').update(raw).digest('hex') }, a.secret);
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => {
      const res = await fetch(`${h.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: raw });
      await res.text();
      return res.status;
    }));
    expect(statuses.filter((s) => s === 202)).to.have.length(1);
    expect(statuses.filter((s) => s === 401)).to.have.length(9);
    expect((await h.knex('kpi_events').where({ agency_code: a.code, event_id: e.id })).length).to.equal(1);
  });

  it('when the webhook answers 202, 401 or 413, then each answer carries nosniff and no-store (its route runs before the router-wide headers)', async () => {
    const a = await h.addAgency('tk-http-h', { issuer: 'host-tkh' });
    const send = async (body: string, authorization?: string) => {
      const res = await fetch(`${h.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
      await res.text();
      return { status: res.status, nosniff: res.headers.get('x-content-type-options'), cache: res.headers.get('cache-control') };
    };
    const ok = await h.postEvents(a, buildEvent({ agency: a.code }));
    expect(ok.status).to.equal(202);
    const answers = [
      await send(JSON.stringify(buildEvent({ agency: a.code }))),
      await send('x'.repeat(5 * 1024 * 1024 + 1), 'Bearer a.b.c'),
    ];
    expect(answers.map((x) => x.status)).to.deep.equal([401, 413]);
    for (const x of answers) expect([x.nosniff, x.cache]).to.deep.equal(['nosniff', 'no-store']);
    const res = await fetch(`${h.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.userToken(a, 'u1', ['admin'])}` }, body: '{}' });
    await res.text();
    expect([res.status, res.headers.get('x-content-type-options'), res.headers.get('cache-control')]).to.deep.equal([401, 'nosniff', 'no-store']);
    const health = await fetch(`${h.url}/health`);
    await health.text();
    expect([health.headers.get('x-content-type-options'), health.headers.get('cache-control')]).to.deep.equal(['nosniff', 'no-store']);
  });

  it('when twenty different calls arrive at once, then all are 202 and each token id is recorded', async () => {
    const a = await h.addAgency('tk-http-b', { issuer: 'host-tk2' });
    const events = Array.from({ length: 20 }, () => buildEvent({ agency: a.code }));
    const results = await Promise.all(events.map((e) => h.postEvents(a, e)));
    expect(results.map((r) => r.status)).to.deep.equal(events.map(() => 202));
    expect(Number((await h.knex('kpi_token_uses').where({ agency_code: a.code }).count({ n: '*' }))[0]!.n)).to.equal(20);
  });
});
