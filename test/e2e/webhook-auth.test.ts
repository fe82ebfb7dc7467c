import crypto from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { countRows } from '../helpers/count-rows';
import { buildEvent, startHarness, type Harness, type TestAgency } from '../helpers/harness';
import { algNone, b64url, hs256 } from '../helpers/tokens';

/**
 * docs/integrators.md (delivery), webhook authentication, over real HTTP as a host (or an attacker) would
 * call it: every forged call is a 401 that writes nothing — no event, no used token id —
 * and the genuine ones (HS256 with the agency's secret, RS256 with a registered key,
 * either secret during a rotation's overlap) are a 202.
 */

// ------------------------------------------------------------------ tokens made by hand (hs256, algNone: test/helpers/tokens)

/** The body digest a webhook token carries (`body_sha256`). */
const sha256 = (raw: string): string => crypto.createHash('sha256').update(raw).digest('hex');

// ------------------------------------------------------------------ the harness and its clock

let h: Harness;
/** The plugin's clock runs `offsetMs` ahead of the real one (to live through a rotation's overlap). */
let offsetMs = 0;
const nowS = (): number => Math.floor((Date.now() + offsetMs) / 1000);

/** Claims a correct host sends for `raw`, minus/plus `changes` (undefined removes a claim). */
function claimsFor(agency: TestAgency, raw: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowS();
  const c: Record<string, unknown> = {
    iss: agency.issuer, aud: 'eoffice-kpi', agency: agency.code, iat, exp: iat + 120, jti: crypto.randomUUID(), body_sha256: sha256(raw),
    ...changes,
  };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return c;
}

async function post(raw: string, authorization?: string): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(`${h.url}/events`, { method: 'POST', headers, body: raw });
  const text = await res.text();
  let body: unknown = null;
  try { body = JSON.parse(text); } catch { /* checked by the caller */ }
  return { status: res.status, body, text };
}

const count = (table: string): Promise<number> => countRows(h.knex, table);

/** An event of `agency` with an id no other case uses, and its raw body. */
function freshEvent(agency: TestAgency): { id: string; raw: string } {
  const e = buildEvent({ agency: agency.code });
  return { id: e.id as string, raw: JSON.stringify(e) };
}

/**
 * Sends a forged call and proves it was refused and left no trace: 401 with the JSON
 * error, no kpi_events row (for its event, nor any other), no kpi_token_uses row.
 */
async function expectRefused(id: string, raw: string, authorization: string | undefined): Promise<void> {
  const events = await count('kpi_events');
  const uses = await count('kpi_token_uses');
  const entries = await count('kpi_journal_entries');
  const res = await post(raw, authorization);
  expect(res.status, res.text).to.equal(401);
  expect(res.body).to.have.nested.property('error.code', 'unauthorized');
  expect(res.body.error.message).to.be.a('string').and.not.be.empty;
  expect(await h.knex('kpi_events').where({ event_id: id }).first()).to.equal(undefined);
  expect(await count('kpi_events')).to.equal(events);
  expect(await count('kpi_token_uses')).to.equal(uses);
  expect(await count('kpi_journal_entries')).to.equal(entries);
}

/** A fresh event of `agency`, sent once for each of `changes` to the claims a correct host sends (HS256, the agency's secret): each call refused. */
async function expectClaimsRefused(agency: TestAgency, ...changes: Array<Record<string, unknown>>): Promise<void> {
  const { id, raw } = freshEvent(agency);
  for (const c of changes) await expectRefused(id, raw, `Bearer ${hs256(claimsFor(agency, raw, c), agency.secret)}`);
}

async function expectAccepted(id: string, raw: string, authorization: string, agency: string): Promise<void> {
  const res = await post(raw, authorization);
  expect(res.status, res.text).to.equal(202);
  expect(res.body).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
  expect(await h.knex('kpi_events').where({ agency_code: agency, event_id: id }).first()).to.not.equal(undefined);
  // The call's token id is recorded, so it can never be accepted again within its lifetime.
  // (Counting all rows would not do: expired ids are swept now and then.)
  const jti = (jwt.decode(authorization.replace(/^Bearer\s+/, '')) as { jti?: string } | null)?.jti;
  expect(jti, 'the token carries a jti').to.be.a('string');
  expect(await h.knex('kpi_token_uses').where({ agency_code: agency, jti }).first()).to.not.equal(undefined);
}

describe('e2e: webhook authentication (docs/integrators.md (delivery))', function () {
  this.timeout(30000);
  let a: TestAgency;
  let b: TestAgency;
  /** An RSA key pair of "the host": the public half is what the integrator registers. */
  let keyPem: string;
  let privateKey: crypto.KeyObject;

  before(async () => {
    h = await startHarness({ clock: () => new Date(Date.now() + offsetMs) });
    a = await h.addAgency('ag-auth-a', { issuer: 'host-a' });
    b = await h.addAgency('ag-auth-b', { issuer: 'host-b' });
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    privateKey = pair.privateKey;
  });
  after(async () => { await h?.close(); });
  afterEach(() => { offsetMs = 0; });

  describe('when the call is forged, then it is 401 and writes nothing', () => {
    it('when there is no Authorization header', async () => {
      const { id, raw } = freshEvent(a);
      await expectRefused(id, raw, undefined);
    });

    it('when the scheme is not Bearer or the token is not a JWT', async () => {
      const { id, raw } = freshEvent(a);
      await expectRefused(id, raw, `Basic ${Buffer.from(`${a.code}:${a.secret}`).toString('base64')}`);
      await expectRefused(id, raw, 'Bearer not-a-token');
    });

    it('when the token says alg: none and carries no signature', async () => {
      const { id, raw } = freshEvent(a);
      await expectRefused(id, raw, `Bearer ${algNone(claimsFor(a, raw))}`);
      // The same with a signature part glued on, and with "None" spelled otherwise.
      await expectRefused(id, raw, `Bearer ${algNone(claimsFor(a, raw))}${crypto.createHmac('sha256', a.secret).update('x').digest('base64url')}`);
      await expectRefused(id, raw, `Bearer ${b64url({ alg: 'NONE' })}.${b64url(claimsFor(a, raw))}.`);
    });

    it('when it is HS256 with an empty key', async () => {
      const { id, raw } = freshEvent(a);
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(a, raw), '')}`);
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(a, raw), Buffer.alloc(0))}`);
    });

    it('when it is HS256 using a public key as the HMAC secret and the agency has no key registered', async () => {
      const { id, raw } = freshEvent(a);
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(a, raw), keyPem)}`);
    });

    it("when it is signed with another agency's secret (the agency claim names A, the key is B's)", async () => {
      const { id, raw } = freshEvent(a);
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(a, raw), b.secret)}`);
      // …and the mirror: B's claim, A's secret, for an event of B.
      const other = freshEvent(b);
      await expectRefused(other.id, other.raw, `Bearer ${hs256(claimsFor(b, other.raw), a.secret)}`);
    });

    it('when the agency claim names no registered agency', async () => {
      await expectClaimsRefused(a, { agency: 'ag-nobody' }, { agency: undefined });
    });

    it('when aud is not "eoffice-kpi" (wrong, missing, another audience only)', async () => {
      await expectClaimsRefused(a, { aud: 'eoffice-kpi-admin' }, { aud: undefined }, { aud: ['some-other-service'] });
    });

    it("when iss is not the agency's registered host (another agency's host, missing)", async () => {
      await expectClaimsRefused(a, { iss: 'host-b' }, { iss: undefined });
    });

    it('when it has expired (beyond the clock tolerance)', async () => {
      const iat = nowS() - 200;
      await expectClaimsRefused(a, { iat, exp: iat + 140 });
    });

    it('when its lifetime (exp − iat) is over 300 s, or it has no exp or no iat', async () => {
      const iat = nowS();
      await expectClaimsRefused(a, { iat, exp: iat + 301 }, { iat: iat - 250, exp: iat + 100 }, { exp: undefined }, { iat: undefined });
    });

    it('when it was issued in the future', async () => {
      const iat = nowS() + 120;
      await expectClaimsRefused(a, { iat, exp: iat + 60 });
    });

    it('when body_sha256 is missing', async () => {
      await expectClaimsRefused(a, { body_sha256: undefined });
    });

    it('when body_sha256 does not match the body (the body was changed after signing)', async () => {
      const signed = buildEvent({ agency: a.code });
      const token = hs256(claimsFor(a, JSON.stringify(signed)), a.secret);
      const changed = { ...signed, actor: { id: 'u-attacker' } };
      await expectRefused(signed.id as string, JSON.stringify(changed), `Bearer ${token}`);
      // Upper-case hex of the right digest is not the contract's lowercase hex either.
      const { id, raw } = freshEvent(a);
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(a, raw, { body_sha256: sha256(raw).toUpperCase() }), a.secret)}`);
      // A byte appended to the signed body.
      const { id: id2, raw: raw2 } = freshEvent(a);
      await expectRefused(id2, `${raw2} `, `Bearer ${hs256(claimsFor(a, raw2), a.secret)}`);
    });

    it('when it has no jti', async () => {
      await expectClaimsRefused(a, { jti: undefined });
    });

    it('when its jti was already used, then the second call is 401 (a replay of the same call)', async () => {
      const { id, raw } = freshEvent(a);
      const authorization = `Bearer ${hs256(claimsFor(a, raw), a.secret)}`;
      await expectAccepted(id, raw, authorization, a.code);
      const eventsBefore = await count('kpi_events');
      const usesBefore = await count('kpi_token_uses');
      const again = await post(raw, authorization);
      expect(again.status, again.text).to.equal(401);
      expect(again.body).to.have.nested.property('error.code', 'unauthorized');
      expect(await count('kpi_events')).to.equal(eventsBefore);
      expect(await count('kpi_token_uses')).to.equal(usesBefore);
      // The jti of a refused token was not burnt: a real call with a new token still goes through.
      const next = freshEvent(a);
      await expectAccepted(next.id, next.raw, `Bearer ${hs256(claimsFor(a, next.raw), a.secret)}`, a.code);
    });

    it('when the same jti is reused with a new body and a fresh signature, then it is still 401', async () => {
      const first = freshEvent(a);
      const jti = crypto.randomUUID();
      await expectAccepted(first.id, first.raw, `Bearer ${hs256(claimsFor(a, first.raw, { jti }), a.secret)}`, a.code);
      const second = freshEvent(a);
      await expectRefused(second.id, second.raw, `Bearer ${hs256(claimsFor(a, second.raw, { jti }), a.secret)}`);
    });
  });

  describe('a call spends its token id once, whatever it carried', () => {
    it('when the same signed call is sent twice at once (a replay racing the original), then one is 202, the other 401, and the event is stored once', async () => {
      const { id, raw } = freshEvent(a);
      const authorization = `Bearer ${hs256(claimsFor(a, raw), a.secret)}`;
      const answers = await Promise.all([post(raw, authorization), post(raw, authorization)]);
      expect(answers.map((r) => r.status).sort(), answers.map((r) => r.text).join(' | ')).to.deep.equal([202, 401]);
      expect(answers.find((r) => r.status === 202)!.body).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
      const stored = await h.knex('kpi_events').where({ agency_code: a.code, event_id: id }).count({ n: '*' }).first();
      expect(Number(stored?.n), 'the event is stored once').to.equal(1);
    });

    it('when a replay carries events not stored yet (the same jti, a new body, signed again), then it is 401 and none of its events is stored', async () => {
      const first = freshEvent(a);
      const jti = crypto.randomUUID();
      await expectAccepted(first.id, first.raw, `Bearer ${hs256(claimsFor(a, first.raw, { jti }), a.secret)}`, a.code);
      const e1 = buildEvent({ agency: a.code });
      const e2 = buildEvent({ agency: a.code });
      const raw = JSON.stringify({ events: [e1, e2] });
      const entries = await count('kpi_journal_entries');
      const again = await post(raw, `Bearer ${hs256(claimsFor(a, raw, { jti }), a.secret)}`);
      expect(again.status, again.text).to.equal(401);
      expect(await h.knex('kpi_events').whereIn('event_id', [e1.id, e2.id]).first()).to.equal(undefined);
      expect(await count('kpi_journal_entries')).to.equal(entries);
    });

    it('when every event of a call is rejected, then the call still spends its token id: its replay is 401', async () => {
      const bad = { ...buildEvent({ agency: a.code }), type: 42 };
      const raw = JSON.stringify({ events: [bad] });
      const authorization = `Bearer ${hs256(claimsFor(a, raw), a.secret)}`;
      const first = await post(raw, authorization);
      expect(first.status, first.text).to.equal(202);
      expect(first.body.accepted).to.equal(0);
      expect(first.body.rejected).to.have.length(1);
      const again = await post(raw, authorization);
      expect(again.status, again.text).to.equal(401);
    });

    it('when a call is refused for its body (not JSON), then it still spends its token id: its replay is 401', async () => {
      const raw = '{"events": [';
      const authorization = `Bearer ${hs256(claimsFor(a, raw), a.secret)}`;
      const first = await post(raw, authorization);
      expect(first.status, first.text).to.equal(400);
      expect(first.body).to.have.nested.property('error.code', 'invalid_json');
      const again = await post(raw, authorization);
      expect(again.status, again.text).to.equal(401);
    });
  });

  describe('when the host signs correctly, then the call is 202', () => {
    it('when it is HS256 with the agency secret (the token the plugin itself mints for hosts)', async () => {
      const e = buildEvent({ agency: a.code });
      const res = await h.postEvents(a, e);
      expect(res.status).to.equal(202);
      expect(res.body).to.deep.equal({ accepted: 1, duplicates: 0, rejected: [] });
      expect(await h.knex('kpi_events').where({ agency_code: a.code, event_id: e.id }).first()).to.not.equal(undefined);
    });

    it('when a token is used within the 30 s clock tolerance after exp, then it is still accepted', async () => {
      const { id, raw } = freshEvent(a);
      const iat = nowS() - 100;
      await expectAccepted(id, raw, `Bearer ${hs256(claimsFor(a, raw, { iat, exp: iat + 90 }), a.secret)}`, a.code);
    });
  });

  describe('when the integrator registers an RS256 public key for the agency, then RS256 is pinned', () => {
    let r: TestAgency;
    before(async () => {
      r = await h.addAgency('ag-auth-rsa', { issuer: 'host-rsa' });
    });

    it('before the key is registered, HS256 with the agency secret is accepted; after, the pinned RS256 path is used', async () => {
      const before = freshEvent(r);
      await expectAccepted(before.id, before.raw, `Bearer ${hs256(claimsFor(r, before.raw), r.secret)}`, r.code);
      await h.plugin.services.agencies.setHostKey(r.code, keyPem);
      expect((await h.plugin.services.agencies.getAgency(r.code))?.rs256PublicKey).to.equal(keyPem);
      // The agency's own secret no longer opens the door: the algorithm is the plugin's choice.
      const after = freshEvent(r);
      await expectRefused(after.id, after.raw, `Bearer ${hs256(claimsFor(r, after.raw), r.secret)}`);
    });

    it('when HS256 is signed with the registered public key as the HMAC secret (algorithm confusion), then 401', async () => {
      const { id, raw } = freshEvent(r);
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(r, raw), keyPem)}`);
      // The same key in DER bytes, and the PEM without its trailing newline.
      const der = crypto.createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(r, raw), der)}`);
      await expectRefused(id, raw, `Bearer ${hs256(claimsFor(r, raw), keyPem.trim())}`);
    });

    it('when the token is alg none for the RS256 agency, then 401', async () => {
      const { id, raw } = freshEvent(r);
      await expectRefused(id, raw, `Bearer ${algNone(claimsFor(r, raw))}`);
    });

    it('when RS256 is signed with another private key, then 401', async () => {
      const { id, raw } = freshEvent(r);
      const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const c = claimsFor(r, raw);
      await expectRefused(id, raw, `Bearer ${jwt.sign(c, other, { algorithm: 'RS256' })}`);
    });

    it('when a valid RS256 token is signed with the registered key, then 202 and the event is stored', async () => {
      const { id, raw } = freshEvent(r);
      await expectAccepted(id, raw, `Bearer ${jwt.sign(claimsFor(r, raw), privateKey, { algorithm: 'RS256' })}`, r.code);
    });

    it('when a valid RS256 token has the wrong aud or an over-long lifetime, then it is still 401', async () => {
      const { id, raw } = freshEvent(r);
      await expectRefused(id, raw, `Bearer ${jwt.sign(claimsFor(r, raw, { aud: 'other' }), privateKey, { algorithm: 'RS256' })}`);
      const iat = nowS();
      await expectRefused(id, raw, `Bearer ${jwt.sign(claimsFor(r, raw, { iat, exp: iat + 301 }), privateKey, { algorithm: 'RS256' })}`);
    });

    it('when an agency is created with its key (AgencyService.addAgency), then only RS256 is accepted', async () => {
      const created = await h.plugin.services.agencies.addAgency({ code: 'ag-auth-rsa2', name: 'Cơ quan RS256', issuer: 'host-rsa2', rs256PublicKey: keyPem });
      const r2: TestAgency = { code: created.agency, secret: created.secret, issuer: created.issuer };
      const hs = freshEvent(r2);
      await expectRefused(hs.id, hs.raw, `Bearer ${hs256(claimsFor(r2, hs.raw), r2.secret)}`);
      await expectRefused(hs.id, hs.raw, `Bearer ${hs256(claimsFor(r2, hs.raw), keyPem)}`);
      const rs = freshEvent(r2);
      await expectAccepted(rs.id, rs.raw, `Bearer ${jwt.sign(claimsFor(r2, rs.raw), privateKey, { algorithm: 'RS256' })}`, r2.code);
    });
  });

  describe('when the agency secret is rotated', () => {
    it('then old and new secrets are both accepted during the overlap, and the old one is refused after it', async () => {
      const rot = await h.addAgency('ag-auth-rot', { issuer: 'host-rot' });
      const oldSecret = rot.secret;
      const sign = (secret: string, raw: string) => `Bearer ${hs256(claimsFor(rot, raw), secret)}`;

      const e0 = freshEvent(rot);
      await expectAccepted(e0.id, e0.raw, sign(oldSecret, e0.raw), rot.code);

      const rotated = await h.plugin.services.agencies.rotateSecret(rot.code, 3600);
      const newSecret = rotated.secret;
      expect(newSecret).to.not.equal(oldSecret);

      // During the overlap: both.
      const e1 = freshEvent(rot);
      await expectAccepted(e1.id, e1.raw, sign(oldSecret, e1.raw), rot.code);
      const e2 = freshEvent(rot);
      await expectAccepted(e2.id, e2.raw, sign(newSecret, e2.raw), rot.code);

      // Near the end of the overlap, still both.
      offsetMs = 3500 * 1000;
      const e3 = freshEvent(rot);
      await expectAccepted(e3.id, e3.raw, sign(oldSecret, e3.raw), rot.code);

      // After it: the old secret is refused, the new one is accepted.
      offsetMs = 3601 * 1000;
      const e4 = freshEvent(rot);
      await expectRefused(e4.id, e4.raw, sign(oldSecret, e4.raw));
      const e5 = freshEvent(rot);
      await expectAccepted(e5.id, e5.raw, sign(newSecret, e5.raw), rot.code);
    });

    it('then a rotation with no overlap (after a leak) ends every earlier secret at once, not only the last one', async () => {
      const rot = await h.addAgency('ag-auth-rot2', { issuer: 'host-rot2' });
      const s1 = rot.secret;
      const s2 = (await h.plugin.services.agencies.rotateSecret(rot.code, 3600)).secret;
      const s3 = (await h.plugin.services.agencies.rotateSecret(rot.code, 0)).secret;
      const sign = (secret: string, raw: string) => `Bearer ${hs256(claimsFor(rot, raw), secret)}`;
      const x3 = freshEvent(rot);
      await expectAccepted(x3.id, x3.raw, sign(s3, x3.raw), rot.code);
      const x2 = freshEvent(rot);
      await expectRefused(x2.id, x2.raw, sign(s2, x2.raw));
      // s1 was inside the first rotation's overlap; the emergency rotation must end it too.
      const x1 = freshEvent(rot);
      await expectRefused(x1.id, x1.raw, sign(s1, x1.raw));
    });
  });
});
