/**
 * Who is looking at a panel, and the protections every panel response carries (docs/integrators.md (panels and API)).
 *
 * - who: the host's JWT (`?jwt=` on the first load or `Authorization: Bearer`, verifyUser),
 *   else the plugin's own context token (`ctx`, see context-token.ts) that every link and
 *   form of a rendered panel carries; a bad one of either is a 401. Each response hands out
 *   a fresh context token, never outliving the host JWT the session started from;
 * - forgery: every state-changing form is a POST carrying `ctx` and a per-form token bound
 *   to it; a POST without a context token or with a missing or wrong form token is a 403;
 * - headers: `Content-Security-Policy` with `frame-ancestors` = the agency's registered host
 *   origins (`'none'` when there are none, with `X-Frame-Options: DENY`), no script at all,
 *   styles only by nonce; `Referrer-Policy: no-referrer` (the host JWT may sit in the URL),
 *   `nosniff`, `no-store`.
 */
import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import jwt from 'jsonwebtoken';
import type { AgencySettings } from '../contract/events';
import { AuthError, ForbiddenError } from '../domain/errors';
import type { Locale, Principal, Role } from '../domain/principal';
import { today as todayIn } from '../domain/time';
import { bearer, verifyUser, type AuthDeps } from '../http/auth';
import type { AgencyService } from '../services/agency-service';
import type { FormModel } from '../views/render';
import { checkCsrf, csrfToken, issueContext, verifyContext, type ContextKeys, type IssuedContext } from './context-token';

/** Who is looking, how they proved it, and the fresh context token this response hands out. */
export interface Session {
  principal: Principal;
  locale: Locale;
  /** The context token the request came with (null when it came with the host JWT): forms are checked against it. */
  incoming: { jti: string; keys: ContextKeys } | null;
  out: IssuedContext;
  settings: AgencySettings;
  today: string;
  /** Where the panels router is mounted, e.g. `/kpi/panels`. */
  base: string;
  /** The forms rendered so far for this response: action → its anti-forgery token (page-cache.ts prints them afresh). */
  formTokens: Map<string, string>;
}

const sessions = new WeakMap<Request, Session>();

/** The session of a request that passed `sessionMiddleware`. */
export function sessionOf(req: Request): Session {
  const s = sessions.get(req);
  if (!s) throw new AuthError();
  return s;
}

/** The session of a request, if it got that far (the error page renders with or without one). */
export function maybeSessionOf(req: Request): Session | undefined {
  return sessions.get(req);
}

export function has(s: Session, ...roles: Role[]): boolean {
  return s.principal.roles.some((r) => roles.includes(r));
}

/** An async route whose rejection goes to the router's error handler. */
export const h = (fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler => (req, res, next) => {
  fn(req, res, next).catch(next);
};

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** Establishes the session of every request: the context token when one comes, else the host JWT. */
export function sessionMiddleware(auth: AuthDeps, agencies: AgencyService, clock: () => Date): RequestHandler {
  return h(async (req, _res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ctx = (req.method === 'POST' ? str(body.ctx) : undefined) ?? str(req.query.ctx);
    let principal: Principal;
    let incoming: Session['incoming'] = null;
    let lim: number;
    if (ctx !== undefined) {
      const c = await verifyContext(auth, ctx);
      principal = c.principal;
      incoming = { jti: c.jti, keys: c.keys };
      lim = c.lim;
    } else {
      const token = bearer(req.get('authorization')) ?? str(req.query.jwt) ?? null;
      principal = await verifyUser(auth, token);
      const exp = jwt.decode(token as string, { json: true })?.exp;
      if (typeof exp !== 'number') throw new AuthError();
      lim = exp;
    }
    // The newest valid secret signs the fresh context token: from the agency's briefly cached context, as the host JWT was checked.
    const [[secret], settings] = await Promise.all([agencies.cachedSecrets(principal.agency), agencies.getSettings(principal.agency)]);
    if (secret === undefined) throw new AuthError();
    const now = clock();
    sessions.set(req, {
      principal, locale: principal.locale, incoming, settings,
      out: issueContext(secret, principal, { now, lim }),
      today: todayIn(settings.timeZone, now),
      base: req.baseUrl,
      formTokens: new Map(),
    });
    next();
  });
}

/** A link inside the panels, carrying the fresh context token. */
export function link(s: Session, path: string, params: Record<string, string | string[] | undefined> = {}): string {
  const q = new URLSearchParams({ ctx: s.out.token });
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
  }
  return `${s.base}${path}?${q.toString()}`;
}

/** A POST form to `path` whose anti-forgery token is bound to `action`. */
export function form(s: Session, path: string, action: string): FormModel {
  let csrf = s.formTokens.get(action);
  if (csrf === undefined) s.formTokens.set(action, (csrf = csrfToken(s.out.keys, s.out.jti, action)));
  return { action: `${s.base}${path}`, ctx: s.out.token, csrf };
}

/** A POST must come with the context token the form was rendered under and the form's own token. */
export function requireCsrf(req: Request, action: string): void {
  const s = sessionOf(req);
  const given = ((req.body ?? {}) as Record<string, unknown>)._csrf;
  if (!s.incoming || !checkCsrf(s.incoming.keys, s.incoming.jti, action, given)) {
    throw new ForbiddenError('Biểu mẫu không hợp lệ hoặc đã hết hạn (invalid or expired form token)', 'csrf_failed');
  }
}

function cspHeader(nonce: string, origins: readonly string[]): string {
  const ancestors = origins.length > 0 ? origins.join(' ') : "'none'";
  return [
    "default-src 'self'", "script-src 'none'", "object-src 'none'", `style-src 'nonce-${nonce}'`, "img-src 'self' data:",
    "form-action 'self'", "base-uri 'none'", `frame-ancestors ${ancestors}`,
  ].join('; ');
}

/** A new style nonce (CSP), never reused. */
export function newNonce(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** Sends the HTML `build` makes with a fresh style nonce, under a CSP that lets only `origins` frame it. */
export function send(res: Response, status: number, origins: readonly string[], build: (nonce: string) => string): void {
  const nonce = newNonce();
  sendHtml(res, status, origins, nonce, build(nonce));
}

/**
 * Sends `html` (or its UTF-8 pieces, in order), whose style element carries `nonce`, under a CSP
 * that lets only `origins` frame it.
 */
export function sendHtml(res: Response, status: number, origins: readonly string[], nonce: string, html: string | readonly Buffer[]): void {
  res.statusCode = status;
  res.setHeader('Content-Security-Policy', cspHeader(nonce, origins));
  if (origins.length === 0) res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  // Written directly: res.send would hash the page for an ETag, which a no-store page never uses.
  if (typeof html === 'string') {
    res.end(html);
    return;
  }
  // Pieces go out as they are (one writev), not copied into one page-sized buffer per load.
  res.setHeader('Content-Length', html.reduce((n, b) => n + b.length, 0));
  res.cork();
  for (const b of html) res.write(b);
  res.end();
}

export function redirect(res: Response, href: string): void {
  res.redirect(303, href);
}
