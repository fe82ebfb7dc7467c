import crypto from 'node:crypto';

/**
 * JWTs made by hand, without a library's guard rails, so the tests can send what an attacker
 * would: any key (empty, a PEM…), any header, `alg: none`.
 */

/** base64url of a string as it is, of anything else as JSON. */
export const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A JWT signed with HMAC-SHA256 under any key. */
export function hs256(claims: object, key: string | Buffer, header: object = { alg: 'HS256', typ: 'JWT' }): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${crypto.createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** The unsigned token of the `alg: none` attack. */
export function algNone(claims: object): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}
