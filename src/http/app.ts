import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { AuthError, ForbiddenError, isKpiError, PayloadTooLargeError, UnavailableError, ValidationError } from '../domain/errors';
import type { IntakeService } from '../intake/intake-service';
import type { AgencyService } from '../services/agency-service';
import type { JournalService } from '../services/journal-service';
import { verifyUser, verifyWebhook, type AuthDeps, type Principal, type Role } from './auth';
import { errorHandler, notFound } from './errors';

export const MAX_BODY_BYTES = 5 * 1024 * 1024;
export const MAX_BATCH = 1000;

export interface AppDeps {
  auth: AuthDeps;
  intake: IntakeService;
  agencies: AgencyService;
  journal: JournalService;
  /** Answers whether the database takes queries (for /health). */
  ping(): Promise<void>;
  /** Extra /api/v1 routes mounted after the built-in ones (scores, review...). */
  extraApi?: (api: Router, helpers: ApiHelpers) => void;
  /** The server-rendered panels (docs/integrators.md (panels and API)), mounted at /panels. */
  panels?: Router;
  /** HR's workbooks (src/http/reports.ts), mounted at /reports. */
  reports?: Router;
  log?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface ApiHelpers {
  /** Rejects unless the principal holds one of the roles. */
  requireRole(...roles: Role[]): RequestHandler;
  principal(req: Request): Principal;
}

type AsyncHandler = (req: Request, res: Response, next: NextFunction) => Promise<unknown>;
/** Express 5 forwards rejected promises to the error handler; this only keeps the types tidy. */
export const h = (fn: AsyncHandler): RequestHandler => (req, res, next) => {
  fn(req, res, next).catch(next);
};

const principals = new WeakMap<Request, Principal>();

export function principalOf(req: Request): Principal {
  const p = principals.get(req);
  if (!p) throw new AuthError();
  return p;
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const p = principalOf(req);
    if (!p.roles.some((r) => roles.includes(r))) return next(new ForbiddenError());
    next();
  };
}

/** POST /events: a host's signed event or batch, stored before the 202 (docs/integrators.md (delivery)). */
function webhook(deps: AppDeps): AsyncHandler {
  return async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let agency: string;
    try {
      agency = await verifyWebhook(deps.auth, req.get('authorization'), raw);
    } catch (e) {
      // The keys or the token ids could not be read: the database is down, not the token bad.
      if (isKpiError(e)) throw e;
      deps.log?.warn({ err: (e as Error)?.message }, 'webhook: database unavailable during authentication');
      throw new UnavailableError(undefined, e);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ValidationError('Dữ liệu không phải JSON hợp lệ (body is not valid JSON)', undefined, 'invalid_json');
    }
    let events: unknown[];
    if (body !== null && typeof body === 'object' && !Array.isArray(body) && Array.isArray((body as { events?: unknown }).events)) {
      events = (body as { events: unknown[] }).events;
      if (events.length > MAX_BATCH) throw new PayloadTooLargeError(`Tối đa ${MAX_BATCH} sự kiện mỗi lần gửi (at most ${MAX_BATCH} events per batch)`, 'too_many_events');
    } else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
      events = [body];
    } else {
      throw new ValidationError('Cần một sự kiện hoặc { "events": [...] } (expected an event or { "events": [...] })', undefined, 'invalid_body');
    }
    const result = await deps.intake.ingest(events, { source: 'webhook', agency });
    // Written directly: res.json would also hash the body for an ETag, which no POST answer needs.
    const json = JSON.stringify(result);
    res.writeHead(202, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) }).end(json);
  };
}

/** The express router of the plugin: mount it under the host's base path. */
export function createRouter(deps: AppDeps): Router {
  const router = express.Router();
  const securityHeaders: RequestHandler = (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  };

  // Webhook: the busiest route is the router's first layer, and takes only what it needs (its
  // headers, its raw body) — no router-wide middleware before it. The raw body is needed as
  // sent, for body_sha256. Its errors (401, 413…) reach errorHandler with the headers already set.
  router.post('/events', securityHeaders, express.raw({ type: () => true, limit: MAX_BODY_BYTES }), h(webhook(deps)));

  router.use(securityHeaders);

  router.get('/health', h(async (_req, res) => {
    try {
      await deps.ping();
      res.json({ status: 'ok', db: 'ok' });
    } catch {
      res.status(503).json({ status: 'degraded', db: 'unavailable' });
    }
  }));

  const api = express.Router();
  api.use(express.json({ limit: '1mb' }));
  api.use(h(async (req, _res, next) => {
    const fromHeader = req.get('authorization');
    const token = fromHeader ? (/^Bearer\s+(\S+)$/.exec(fromHeader)?.[1] ?? null) : typeof req.query.jwt === 'string' ? req.query.jwt : null;
    principals.set(req, await verifyUser(deps.auth, token));
    next();
  }));

  api.get('/catalogue', requireRole('official', 'leader', 'hr', 'admin'), h(async (req, res) => {
    const p = principalOf(req);
    const items = await deps.agencies.catalogue(p.agency);
    res.json({
      items: items.map((i) => ({ code: i.code, name: i.name, nameEn: i.nameEn, unit: i.unit, standardMinutes: i.standardMinutes, kind: i.kind, group: i.group, active: i.active, version: i.version, maxQuantityPerEntry: i.maxQuantityPerEntry, sector: i.sector ?? '', validFrom: i.validFrom })),
    });
  }));

  api.get('/settings', requireRole('admin'), h(async (req, res) => {
    res.json(await deps.agencies.getSettings(principalOf(req).agency));
  }));

  api.put('/settings', requireRole('admin'), h(async (req, res) => {
    const p = principalOf(req);
    res.json(await deps.agencies.putSettings(p.agency, req.body, p.userId));
  }));

  api.get('/journal', requireRole('official', 'leader', 'hr'), h(async (req, res) => {
    const p = principalOf(req);
    const q = req.query;
    const str = (v: unknown, name: string): string | undefined => {
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw new ValidationError(`${name}: phải là chuỗi (must be a string)`, name);
      return v;
    };
    res.json(await deps.journal.list(p, {
      user: str(q.user, 'user'), from: str(q.from, 'from'), to: str(q.to, 'to'), unit: str(q.unit, 'unit'),
      status: str(q.status, 'status'), limit: str(q.limit, 'limit'), after: str(q.after, 'after'),
    }));
  }));

  api.get('/events', requireRole('admin'), h(async (req, res) => {
    const p = principalOf(req);
    const status = typeof req.query.status === 'string' ? req.query.status : 'failed';
    res.json({ events: await deps.journal.listEvents(p.agency, status) });
  }));

  api.post('/events/:id/replay', requireRole('admin'), h(async (req, res) => {
    const p = principalOf(req);
    const out = await deps.intake.replay(p.agency, [String(req.params.id)]);
    await deps.agencies.audit(p.agency, p.userId, 'events.replay', String(req.params.id), out);
    res.json({ replayed: out });
  }));

  deps.extraApi?.(api, { requireRole, principal: principalOf });
  router.use('/api/v1', api);
  if (deps.panels) router.use('/panels', deps.panels);
  if (deps.reports) router.use('/reports', deps.reports);
  router.use(notFound);
  router.use(errorHandler(deps.log));
  return router;
}
