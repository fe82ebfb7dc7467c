/**
 * The panels' context token (docs/integrators.md (panels and API)). The host proves who is looking once, with its
 * JWT (`?jwt=` on the first load, or `Authorization: Bearer`); every link and form inside
 * a panel then carries a short-lived token that the plugin itself issues, as `?ctx=` (or a
 * `ctx` form field) — no cookies, which browsers block in third-party iframes.
 *
 * - HS256, the algorithm pinned here and never read from the token;
 * - the key is derived from the agency's secret: HMAC-SHA256(secret, "kpi-context"), so a
 *   context token is never a valid host token nor the other way round (different key and
 *   audience); during a secret rotation the keys of every still-valid secret verify, the
 *   newest signs;
 * - claims: `sub`, `agency`, `name`, `unit`, `roles`, `locale`, `aud` =
 *   "eoffice-kpi-context", `iat`, `exp` (15 minutes, never after `lim`), `jti`, and `lim`
 *   = the expiry of the host JWT the session started from: renewing the context on every
 *   page never outlives what the host granted.
 *
 * Forms are protected against forgery by a per-form token bound to the context token:
 * HMAC-SHA256(HMAC-SHA256(secret, "kpi-csrf"), jti + NUL + action), where `action` names
 * the form's target (`me.entries.create`, `unit.approve:p-a:42`...).
 */
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AuthError } from '../domain/errors';
import { ROLES, type Principal, type Role } from '../domain/principal';
import type { AuthDeps } from '../http/auth';

export const CONTEXT_AUDIENCE = 'eoffice-kpi-context';
export const CONTEXT_LIFETIME_S = 15 * 60;
/** Tolerated clock difference between plugin instances behind one load balancer. */
export const CONTEXT_CLOCK_TOLERANCE_S = 5;
const CONTEXT_LABEL = 'kpi-context';
const CSRF_LABEL = 'kpi-csrf';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The keys of one agency secret. */
export interface ContextKeys {
  sign: Buffer;
  csrf: Buffer;
}

export function deriveKeys(secret: string): ContextKeys {
  return {
    sign: crypto.createHmac('sha256', secret).update(CONTEXT_LABEL).digest(),
    csrf: crypto.createHmac('sha256', secret).update(CSRF_LABEL).digest(),
  };
}

/**
 * The keys of a secret with the signing key as a KeyObject, derived once per secret: handed a
 * Buffer, jsonwebtoken first tries it as a private key (a thrown error on every page).
 */
const derived = new Map<string, { keys: ContextKeys; signKey: crypto.KeyObject }>();
function keysOf(secret: string): { keys: ContextKeys; signKey: crypto.KeyObject } {
  let d = derived.get(secret);
  if (!d) {
    const keys = deriveKeys(secret);
    d = { keys, signKey: crypto.createSecretKey(keys.sign) };
    if (derived.size >= 256) derived.clear();
    derived.set(secret, d);
  }
  return d;
}

/** A verified context: who, the token's id (for CSRF), when the session must end, and the keys that verified it. */
export interface ContextSession {
  principal: Principal;
  jti: string;
  exp: number;
  /** Unix seconds after which no renewed context may live (the host JWT's `exp`). */
  lim: number;
  keys: ContextKeys;
}

/** An issued context token and what forms rendered with it need. */
export interface IssuedContext {
  token: string;
  jti: string;
  exp: number;
  keys: ContextKeys;
}

/**
 * Issues a context token for `principal`, signed with the newest secret's key. Its life is
 * CONTEXT_LIFETIME_S from `now`, cut at `lim` (unix seconds) when that comes first.
 */
export function issueContext(secret: string, principal: Principal, opts: { now: Date; lim: number; lifetimeS?: number }): IssuedContext {
  const { keys, signKey } = keysOf(secret);
  const iat = Math.floor(opts.now.getTime() / 1000);
  const exp = Math.min(iat + (opts.lifetimeS ?? CONTEXT_LIFETIME_S), Math.floor(opts.lim));
  if (!(exp > iat)) throw new AuthError();
  const jti = crypto.randomBytes(16).toString('base64url');
  const token = jwt.sign(
    {
      sub: principal.userId, agency: principal.agency, name: principal.name, unit: principal.unit, roles: principal.roles,
      locale: principal.locale, aud: CONTEXT_AUDIENCE, iat, exp, jti, lim: Math.floor(opts.lim),
    },
    signKey,
    { algorithm: 'HS256' },
  );
  return { token, jti, exp, keys };
}

/**
 * Verifies a context token: the agency named in it must exist, and one of its valid
 * secrets' derived keys must verify the HS256 signature with the right audience and an
 * unexpired `exp`. Every failure is the same 401.
 */
export async function verifyContext(deps: AuthDeps, token: string | null | undefined): Promise<ContextSession> {
  if (typeof token !== 'string' || token.length > 4096 || !JWT_SHAPE.test(token)) throw new AuthError();
  const unverified = jwt.decode(token, { json: true });
  const code = unverified?.agency;
  if (typeof code !== 'string' || code.length === 0 || code.length > 64) throw new AuthError();
  const agency = await deps.getAgency(code);
  if (!agency) throw new AuthError();
  const now = deps.clock ? deps.clock() : new Date();
  const secrets = (await deps.validSecrets(agency.code)).filter((s) => s.length >= 16);
  for (const secret of secrets) {
    const { keys, signKey } = keysOf(secret);
    let claims: jwt.JwtPayload | string;
    try {
      claims = jwt.verify(token, signKey, {
        algorithms: ['HS256'], audience: CONTEXT_AUDIENCE, clockTolerance: CONTEXT_CLOCK_TOLERANCE_S, clockTimestamp: Math.floor(now.getTime() / 1000),
      });
    } catch {
      continue; // the next (older, still valid) secret
    }
    if (typeof claims === 'string') break;
    return { principal: principalOfClaims(claims, agency.code), jti: str(claims.jti, 200), exp: num(claims.exp), lim: num(claims.lim), keys };
  }
  throw new AuthError();
}

function str(v: unknown, max: number): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new AuthError();
  return v;
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new AuthError();
  return v;
}

function principalOfClaims(c: jwt.JwtPayload, agency: string): Principal {
  if (c.agency !== agency) throw new AuthError();
  const roles = Array.isArray(c.roles) ? c.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)) : [];
  if (roles.length === 0) throw new AuthError();
  return {
    userId: str(c.sub, 200),
    agency,
    name: typeof c.name === 'string' ? c.name.normalize('NFC') : String(c.sub),
    unit: typeof c.unit === 'string' ? c.unit : null,
    roles,
    locale: c.locale === 'en' ? 'en' : 'vi',
  };
}

/** The anti-forgery token of one form (`action`) rendered under the context `jti`. */
export function csrfToken(keys: ContextKeys, jti: string, action: string): string {
  return crypto.createHmac('sha256', keys.csrf).update(`${jti}\u0000${action}`).digest('base64url');
}

/** Whether `given` is the anti-forgery token of `action` under the context `jti` (constant time). */
export function checkCsrf(keys: ContextKeys, jti: string, action: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 128) return false;
  const expected = Buffer.from(csrfToken(keys, jti, action));
  const got = Buffer.from(given);
  return got.length === expected.length && crypto.timingSafeEqual(got, expected);
}
