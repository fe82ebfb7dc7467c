import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthError } from '../domain/errors';
import { ROLES, type Principal, type Role } from '../domain/principal';
import type { AgencyRecord } from '../stores';

export const AUDIENCE = 'eoffice-kpi';
export const MAX_WEBHOOK_TOKEN_LIFETIME_S = 300;
/** Clock skew tolerated between host and plugin. */
export const CLOCK_TOLERANCE_S = 30;

export { ROLES, type Role, type Principal } from '../domain/principal';

export interface AuthDeps {
  getAgency(code: string): Promise<AgencyRecord | null>;
  validSecrets(code: string): Promise<string[]>;
  /** Records a webhook token id; false when it was already used within its lifetime. */
  useTokenId(agency: string, jti: string, expiresAt: Date): Promise<boolean>;
  clock?: () => Date;
  /** Told the clock skew (token `iat` minus now, in seconds) of every webhook token whose signature held. */
  recordSkew?(agency: string, seconds: number, at: Date): void;
}

/** The token from `Authorization: Bearer …` (or null). */
export function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)\s*$/.exec(header);
  return m ? m[1]! : null;
}

/**
 * The `agency` claim read WITHOUT trusting it: it only says which agency's keys to try.
 * Nothing else of the unverified token is looked at (notably not its `alg`). The payload
 * segment is decoded here and nowhere else before verification (jwt.verify decodes it again).
 */
function claimedAgency(token: string): string {
  const a = token.indexOf('.');
  const b = a < 0 ? -1 : token.indexOf('.', a + 1);
  if (b < 0) throw new AuthError();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString('utf8'));
  } catch {
    throw new AuthError();
  }
  const agency = decoded !== null && typeof decoded === 'object' ? (decoded as { agency?: unknown }).agency : undefined;
  if (typeof agency !== 'string' || agency.length === 0 || agency.length > 64) throw new AuthError();
  return agency;
}

/** At most this many KeyObjects are kept; past it the cache starts again (a few per agency in use). */
const KEY_CACHE_MAX = 1024;
const keyCache = new Map<string, crypto.KeyObject>();

/**
 * The KeyObject of a secret or a public key, made once and reused, not made again on every
 * call. Only the key material is cached, never its validity: which secrets are valid now is
 * asked on every call (AuthDeps.validSecrets, where a rotation's or a revocation's end is
 * honoured to the second), and a secret no longer valid is never looked up here again.
 */
function keyObject(kind: 'secret' | 'public', material: string): crypto.KeyObject {
  const id = `${kind}:${material}`;
  let key = keyCache.get(id);
  if (!key) {
    key = kind === 'secret' ? crypto.createSecretKey(Buffer.from(material, 'utf8')) : crypto.createPublicKey(material);
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/** The keys and pinned algorithm for an agency: RS256 with the host's public key where one is registered, else HS256 with each valid secret. */
async function keysFor(deps: AuthDeps, agency: AgencyRecord): Promise<{ algorithm: 'HS256' | 'RS256'; keys: crypto.KeyObject[] }> {
  if (agency.rs256PublicKey) return { algorithm: 'RS256', keys: [keyObject('public', agency.rs256PublicKey)] };
  const secrets = (await deps.validSecrets(agency.code)).filter((s) => s.length >= 16);
  return { algorithm: 'HS256', keys: secrets.map((s) => keyObject('secret', s)) };
}

function verifyWithAny(token: string, algorithm: 'HS256' | 'RS256', keys: crypto.KeyObject[], options: jwt.VerifyOptions, now: Date): jwt.JwtPayload {
  for (const key of keys) {
    try {
      const payload = jwt.verify(token, key, { ...options, algorithms: [algorithm], audience: AUDIENCE, clockTolerance: CLOCK_TOLERANCE_S, clockTimestamp: Math.floor(now.getTime() / 1000) });
      if (typeof payload === 'string') throw new AuthError();
      return payload;
    } catch {
      // try the next key (the previous secret during a rotation's overlap window)
    }
  }
  throw new AuthError();
}

/**
 * The steps both kinds of token share: the unverified `agency` claim picks the agency, whose
 * keys verify the token with the pinned algorithm and `aud`; the verified claims must then
 * name that same agency.
 */
async function verifyAgencyToken(deps: AuthDeps, token: string | null, options: (agency: AgencyRecord) => jwt.VerifyOptions): Promise<{ agency: AgencyRecord; claims: jwt.JwtPayload; now: Date }> {
  if (!token) throw new AuthError();
  const agency = await deps.getAgency(claimedAgency(token));
  if (!agency) throw new AuthError();
  const now = deps.clock ? deps.clock() : new Date();
  const { algorithm, keys } = await keysFor(deps, agency);
  const claims = verifyWithAny(token, algorithm, keys, options(agency), now);
  if (claims.agency !== agency.code) throw new AuthError();
  return { agency, claims, now };
}

/**
 * Verifies a webhook call (docs/integrators.md (delivery)): the agency's key with the pinned algorithm,
 * `aud`, `iss` = the agency's registered host, `exp` at most 300 s after `iat`, a `jti`
 * never seen within its lifetime, and `body_sha256` equal to the SHA-256 of the raw body.
 * Returns the agency the token speaks for. Every failure is the same 401.
 */
export async function verifyWebhook(deps: AuthDeps, authorization: string | undefined, rawBody: Buffer): Promise<string> {
  const { agency, claims, now } = await verifyAgencyToken(deps, bearer(authorization), (a) => ({ issuer: a.issuer }));
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') throw new AuthError();
  deps.recordSkew?.(agency.code, claims.iat - now.getTime() / 1000, now);
  if (claims.exp <= claims.iat || claims.exp - claims.iat > MAX_WEBHOOK_TOKEN_LIFETIME_S) throw new AuthError();
  if (claims.iat > now.getTime() / 1000 + CLOCK_TOLERANCE_S) throw new AuthError();
  if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 200) throw new AuthError();
  const expected = crypto.createHash('sha256').update(rawBody).digest('hex');
  const given = claims.body_sha256;
  if (typeof given !== 'string' || given.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected))) throw new AuthError();
  // Last, once everything else holds: a forged token must not burn a real jti.
  if (!(await deps.useTokenId(agency.code, claims.jti, new Date((claims.exp + CLOCK_TOLERANCE_S) * 1000)))) throw new AuthError();
  return agency.code;
}

/**
 * Verifies a user token (docs/integrators.md (panels and API)): HS256 with the agency's secret (RS256 where the host
 * registered a key), `aud`, `exp` required; `sub`, `agency`, `roles` required. The agency of
 * every request comes from here and nowhere else.
 */
export async function verifyUser(deps: AuthDeps, token: string | null): Promise<Principal> {
  const { agency, claims } = await verifyAgencyToken(deps, token, () => ({}));
  if (typeof claims.exp !== 'number') throw new AuthError();
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 200) throw new AuthError();
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)) : [];
  if (roles.length === 0) throw new AuthError();
  return {
    userId: claims.sub,
    agency: agency.code,
    name: typeof claims.name === 'string' ? claims.name.normalize('NFC') : claims.sub,
    unit: typeof claims.unit === 'string' ? claims.unit : null,
    roles,
    locale: claims.locale === 'en' ? 'en' : 'vi',
  };
}

/**
 * The secret as a KeyObject for jwt.sign: given a string, jsonwebtoken first tries it as a
 * private key (createPrivateKey, about 1.5 ms of OpenSSL parsing that fails) before taking it as
 * a secret, on every token. An empty secret stays a string, so that jwt.sign refuses it as before.
 */
function signingKey(secret: string): string | crypto.KeyObject {
  return secret.length > 0 ? keyObject('secret', secret) : secret;
}

/** Mints a user token (the CLI's `token` command, demos and tests). */
export function signUserToken(secret: string, claims: { sub: string; agency: string; name?: string; unit?: string | null; roles: Role[]; locale?: 'vi' | 'en' }, lifetimeSeconds = 8 * 3600): string {
  const body: Record<string, unknown> = { sub: claims.sub, agency: claims.agency, roles: claims.roles, locale: claims.locale ?? 'vi' };
  if (claims.name !== undefined) body.name = claims.name;
  if (claims.unit !== undefined && claims.unit !== null) body.unit = claims.unit;
  return jwt.sign(body, signingKey(secret), { algorithm: 'HS256', audience: AUDIENCE, expiresIn: lifetimeSeconds });
}

/** Signs a webhook call the way a host must (for the CLI, the demo, tests and benchmarks). */
export function signWebhookToken(secret: string, agency: string, issuer: string, rawBody: Buffer | string, lifetimeSeconds = 120, now: Date = new Date()): string {
  const body_sha256 = crypto.createHash('sha256').update(rawBody).digest('hex');
  const iat = Math.floor(now.getTime() / 1000);
  return jwt.sign({ agency, body_sha256, iat }, signingKey(secret), { algorithm: 'HS256', audience: AUDIENCE, issuer, expiresIn: lifetimeSeconds, jwtid: crypto.randomUUID() });
}
