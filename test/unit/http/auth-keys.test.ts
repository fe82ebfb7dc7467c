import crypto from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import sinon from 'sinon';
import { AuthError } from '../../../src/domain/errors';
import { signWebhookToken, verifyUser, verifyWebhook, type AuthDeps } from '../../../src/http/auth';
import type { AgencyRecord } from '../../../src/stores';
import { hs256 } from '../../helpers/tokens';

/**
 * The KeyObjects of src/http/auth.ts are made once per secret or public key and reused. Only the
 * key material is cached, never whether it is valid: these cases use a secret (or a registered
 * public key) so that its KeyObject is cached, then take it away — rotated out, expired, revoked,
 * replaced — and prove that the next token signed with it is refused all the same. The same over
 * real HTTP with the plugin's own rotation: test/e2e/webhook-auth.test.ts (rotation).
 */

const AGENCY = 'ag-keys';
const ISSUER = 'host-keys';
const NOW = new Date('2026-03-02T03:00:00.000Z');

function agency(rs256PublicKey: string | null = null): AgencyRecord {
  return { code: AGENCY, name: 'Cơ quan khóa', timeZone: 'Asia/Ho_Chi_Minh', issuer: ISSUER, hostOrigins: [], rs256PublicKey, createdAt: NOW };
}

/** Deps whose valid secrets and registered key the test changes between calls; every token id is new. */
function depsWith(state: { secrets: string[]; key: string | null }): AuthDeps {
  return {
    getAgency: async (code) => (code === AGENCY ? agency(state.key) : null),
    validSecrets: async () => [...state.secrets],
    useTokenId: async () => true,
    clock: () => NOW,
  };
}

const newSecret = (): string => crypto.randomBytes(32).toString('base64url');
const body = (n: number): Buffer => Buffer.from(JSON.stringify({ id: `ev-${n}`, agency: AGENCY }));
const webhookToken = (secret: string, raw: Buffer): string => `Bearer ${signWebhookToken(secret, AGENCY, ISSUER, raw, 120, NOW)}`;

async function refused(p: Promise<unknown>): Promise<void> {
  let err: unknown = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'refused with the one 401 error').to.be.instanceOf(AuthError);
}

describe('auth: KeyObjects cached per key, validity asked on every call', () => {
  afterEach(() => sinon.restore());

  it('when one secret verifies many calls, then its KeyObject is made once, not once per call', async () => {
    const secret = newSecret();
    const deps = depsWith({ secrets: [secret], key: null });
    const tokens = Array.from({ length: 5 }, (_, i) => ({ raw: body(i), auth: webhookToken(secret, body(i)) }));
    const made = sinon.spy(crypto, 'createSecretKey');
    for (const t of tokens) expect(await verifyWebhook(deps, t.auth, t.raw)).to.equal(AGENCY);
    const forThisSecret = made.getCalls().filter((c) => Buffer.isBuffer(c.args[0]) && (c.args[0] as Buffer).toString('utf8') === secret);
    expect(forThisSecret.length).to.be.at.most(1);
  });

  it('when a secret whose key is cached is rotated out (no longer among the valid ones), then its tokens are refused and the new secret is accepted', async () => {
    const oldSecret = newSecret();
    const state = { secrets: [oldSecret], key: null as string | null };
    const deps = depsWith(state);
    expect(await verifyWebhook(deps, webhookToken(oldSecret, body(1)), body(1))).to.equal(AGENCY);
    const next = newSecret();
    state.secrets = [next, oldSecret]; // the overlap: both
    expect(await verifyWebhook(deps, webhookToken(oldSecret, body(2)), body(2))).to.equal(AGENCY);
    expect(await verifyWebhook(deps, webhookToken(next, body(3)), body(3))).to.equal(AGENCY);
    state.secrets = [next]; // the overlap is over (or the old one was revoked)
    await refused(verifyWebhook(deps, webhookToken(oldSecret, body(4)), body(4)));
    expect(await verifyWebhook(deps, webhookToken(next, body(5)), body(5))).to.equal(AGENCY);
  });

  it('when every secret of the agency is revoked, then a token signed with a secret used a moment ago is refused, webhook and user token alike', async () => {
    const secret = newSecret();
    const state = { secrets: [secret], key: null as string | null };
    const deps = depsWith(state);
    const user = jwt.sign({ sub: 'u1', agency: AGENCY, roles: ['official'] }, secret, { algorithm: 'HS256', audience: 'eoffice-kpi', expiresIn: 600 });
    expect((await verifyUser({ ...deps, clock: () => new Date() }, user)).agency).to.equal(AGENCY);
    expect(await verifyWebhook(deps, webhookToken(secret, body(6)), body(6))).to.equal(AGENCY);
    state.secrets = [];
    await refused(verifyWebhook(deps, webhookToken(secret, body(7)), body(7)));
    await refused(verifyUser({ ...deps, clock: () => new Date() }, user));
  });

  it('when a registered RS256 key whose KeyObject is cached is replaced, then tokens of the old key are refused and the cached HS256 secret stays refused too', async () => {
    const secret = newSecret();
    const one = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const two = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = (k: crypto.KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
    const state = { secrets: [secret], key: null as string | null };
    const deps = depsWith(state);
    const rs = (priv: crypto.KeyObject, raw: Buffer) => `Bearer ${jwt.sign({ agency: AGENCY, body_sha256: crypto.createHash('sha256').update(raw).digest('hex'), iat: Math.floor(NOW.getTime() / 1000) }, priv, { algorithm: 'RS256', audience: 'eoffice-kpi', issuer: ISSUER, expiresIn: 120, jwtid: crypto.randomUUID() })}`;
    expect(await verifyWebhook(deps, webhookToken(secret, body(8)), body(8))).to.equal(AGENCY); // HS256 key cached
    state.key = pem(one.publicKey);
    expect(await verifyWebhook(deps, rs(one.privateKey, body(9)), body(9))).to.equal(AGENCY); // RS256 key cached
    await refused(verifyWebhook(deps, webhookToken(secret, body(10)), body(10))); // pinned to RS256 now
    state.key = pem(two.publicKey);
    await refused(verifyWebhook(deps, rs(one.privateKey, body(11)), body(11)));
    expect(await verifyWebhook(deps, rs(two.privateKey, body(12)), body(12))).to.equal(AGENCY);
  });

  it('when a token is HS256-signed with the registered public key (algorithm confusion) after that key was cached, then it is refused', async () => {
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const deps = depsWith({ secrets: [newSecret()], key: pem });
    const raw = body(13);
    const claims = { agency: AGENCY, iss: ISSUER, aud: 'eoffice-kpi', iat: Math.floor(NOW.getTime() / 1000), exp: Math.floor(NOW.getTime() / 1000) + 60, jti: crypto.randomUUID(), body_sha256: crypto.createHash('sha256').update(raw).digest('hex') };
    await refused(verifyWebhook(deps, `Bearer ${hs256(claims, pem)}`, raw));
  });

  it('when the payload segment is not base64url JSON or names no agency, then the token is refused before any key is looked up', async () => {
    const deps = depsWith({ secrets: [newSecret()], key: null });
    const looked = sinon.spy(deps, 'getAgency');
    for (const t of ['a.b.c', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig', `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('{"agency":7}').toString('base64url')}.sig`, `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('null').toString('base64url')}.sig`]) {
      await refused(verifyWebhook(deps, `Bearer ${t}`, body(14)));
    }
    await refused(verifyUser(deps, 'no-dots-at-all'));
    expect(looked.called).to.equal(false);
  });
});
