/**
 * The server-rendered panels of CONTRACT §3, which the host embeds in its own screens
 * (an iframe, or a fragment its server fetches), Vietnamese first.
 *
 * | path | roles (from plugin-manifest.json) | shows |
 * | --- | --- | --- |
 * | GET /document/:id, /task/:id | official, leader, hr, admin | the entries the subject produced that the viewer may see |
 * | GET /me, POST /me/entries, POST /me/entries/:id/withdraw | official | today, month, quarter; formula; journal; add an entry |
 * | GET /unit/:unitId, POST …/entries/:id/approve, /return, /rate, POST …/assessments | leader of the unit, hr | members' scores, approval queue, general criteria, quota |
 * | GET /ranking | leader, hr, admin | units ranked by mean score |
 * | GET /reports | hr, admin | period and units, the workbook links |
 * | GET /admin, POST /admin/events/:id/replay | admin | catalogue, rules, settings, failed events |
 *
 * Security (CONTRACT §3):
 * - who is looking: the host's JWT (`?jwt=` on the first load or `Authorization: Bearer`,
 *   verifyUser), else the plugin's own context token (`ctx`, see context-token.ts) that
 *   every link and form of a rendered panel carries; a bad one of either is a 401;
 * - every state-changing form is a POST carrying `ctx` and a per-form token bound to it;
 *   a POST without a context token or with a missing or wrong form token is a 403;
 * - `Content-Security-Policy` with `frame-ancestors` = the agency's registered host
 *   origins (`'none'` when there are none), no script at all, styles only by nonce;
 *   `Referrer-Policy: no-referrer` (the host JWT may sit in the URL), `nosniff`;
 * - templates escape every value (render.ts); role and scope are checked on every route.
 */
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import type { AgencySettings, ManifestPanel } from '../contract/events';
import { loadManifest } from '../contract/validate';
import { AuthError, ForbiddenError, isKpiError, KpiError, NotFoundError, ValidationError } from '../domain/errors';
import { asKpiError, httpStatus } from './errors';
import { addDays, parsePeriod, periodOfDay, type Period } from '../domain/period';
import { today as todayIn } from '../domain/time';
import { formatDay, formatNumber, formatPeriod, formatInstant, localeFromAcceptLanguage, msgKey, t, type Locale } from '../i18n/i18n';
import type { IntakeService } from '../intake/intake-service';
import type { CapWarning, Classification, Score } from '../scoring/engine';
import { quotaLimit } from '../scoring/engine';
import type { PeriodExplanation } from '../scoring/explain';
import type { AgencyService } from '../services/agency-service';
import type { AssessmentJson, AssessmentService } from '../services/assessment-service';
import type { InsightsService } from '../services/insights-service';
import { entryJson, ENTRY_COLUMNS, JOURNAL_PAGE, type JournalEntryJson, type JournalService } from '../services/journal-service';
import type { ReviewService } from '../services/review-service';
import type { ScoringService } from '../services/scoring-service';
import { toBool } from '../db/rows';
import { createViews, type FormModel, type PageModel, type Views } from '../views/render';
import { bearer, verifyUser, type AuthDeps, type Principal, type Role } from './auth';
import { checkCsrf, csrfToken, issueContext, verifyContext, type ContextKeys, type IssuedContext } from './context-token';

export interface PanelsDeps {
  auth: AuthDeps;
  knex: Knex;
  agencies: AgencyService;
  journal: JournalService;
  scoring: ScoringService;
  intake: IntakeService;
  /** Manual entries and their review: without it "My KPI" has no add-entry form and the unit board no review buttons. */
  review?: ReviewService;
  /** General criteria: without it the unit board has no assessment form. */
  assessments?: AssessmentService;
  /** Empty-day reminders and suggestions of "My KPI". */
  insights?: InsightsService;
  clock?: () => Date;
  views?: Views;
  log?: { error(obj: object, msg: string): void };
}

/** Who is looking, how they proved it, and the fresh context token this response hands out. */
interface Session {
  principal: Principal;
  locale: Locale;
  /** The context token the request came with (null when it came with the host JWT): forms are checked against it. */
  incoming: { jti: string; keys: ContextKeys } | null;
  out: IssuedContext;
  settings: AgencySettings;
  today: string;
  /** Where the panels router is mounted, e.g. `/kpi/panels`. */
  base: string;
}

const MAX_ROWS = 2000;
const PANEL_IDS = ['document', 'task', 'me', 'unit', 'ranking', 'reports', 'admin'] as const;
type PanelId = (typeof PANEL_IDS)[number];

/** Form targets, the `action` each anti-forgery token is bound to. */
const ACTION = {
  createEntry: 'me.entries.create',
  withdraw: (id: string) => `me.entries.withdraw:${id}`,
  approve: (unit: string, id: string) => `unit.approve:${unit}:${id}`,
  returnEntry: (unit: string, id: string) => `unit.return:${unit}:${id}`,
  rate: (unit: string, id: string) => `unit.rate:${unit}:${id}`,
  assess: (unit: string, user: string, period: string) => `unit.assess:${unit}:${user}:${period}`,
  replay: (id: string) => `admin.replay:${id}`,
};

/** Service error codes shown with a message of their own; any other 4xx shows `error.invalid` with its field. */
const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  invalid_quantity: msgKey('error.code.invalid_quantity'),
  quantity_over_max: msgKey('error.code.quantity_over_max'),
  invalid_date: msgKey('error.code.invalid_date'),
  date_in_future: msgKey('error.code.date_in_future'),
  date_too_old: msgKey('error.code.date_too_old'),
  invalid_work_item: msgKey('error.code.unknown_work_item'),
  unknown_work_item: msgKey('error.code.unknown_work_item'),
  inactive_work_item: msgKey('error.code.inactive_work_item'),
  note_too_long: msgKey('error.code.note_too_long'),
  required: msgKey('error.code.required'),
  period_closed: msgKey('error.code.period_closed'),
  reason_required: msgKey('error.code.reason_required'),
  reason_too_long: msgKey('error.code.reason_too_long'),
  invalid_rating: msgKey('error.code.invalid_rating'),
  invalid_general: msgKey('error.code.invalid_general'),
  not_pending: msgKey('error.code.not_pending'),
  entry_changed: msgKey('error.code.entry_changed'),
  assessment_changed: msgKey('error.code.entry_changed'),
  event_has_entry: msgKey('error.code.event_has_entry'),
  unknown_event: msgKey('error.code.unknown_event'),
  rating_required: msgKey('error.code.rating_required'),
  not_rated_item: msgKey('error.code.not_rated_item'),
  already_rejected: msgKey('error.code.already_rejected'),
};

const STATUS_KEYS: Readonly<Record<string, string>> = {
  pending: msgKey('status.pending'),
  approved: msgKey('status.approved'),
  rejected: msgKey('status.rejected'),
};

const GROUP_KEYS: Readonly<Record<string, string>> = {
  'van-thu': msgKey('group.van-thu'),
  'chuyen-vien': msgKey('group.chuyen-vien'),
  'lanh-dao': msgKey('group.lanh-dao'),
  chung: msgKey('group.chung'),
};

const CLASS_KEYS: Readonly<Record<Classification, string>> = {
  HTXSNV: msgKey('class.HTXSNV'),
  HTTNV: msgKey('class.HTTNV'),
  HTNV: msgKey('class.HTNV'),
  KHTNV: msgKey('class.KHTNV'),
};

// ------------------------------------------------------------------ small pure helpers

/**
 * The colour class of a score, green (high) to red (low): `sc-0` (red, below the "complete"
 * threshold region) … `sc-10` (green); `sc-none` when there is no score.
 */
export function scoreClass(total: number | null | undefined): string {
  if (total === null || total === undefined || !Number.isFinite(total)) return 'sc-none';
  const f = Math.min(1, Math.max(0, (total - 40) / 55));
  return `sc-${Math.round(f * 10)}`;
}

/** The SVG path of a half-circle gauge arc filled to `fraction` (0..1), centre (100,100), radius 80. */
export function gaugeArc(fraction: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  if (f === 0) return '';
  const angle = Math.PI * (1 - f);
  const x = 100 + 80 * Math.cos(angle);
  const y = 100 - 80 * Math.sin(angle);
  return `M20 100 A80 80 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`;
}

/** A day over the cap: clipped (scaled down) or only warned about. */
function capLine(l: Locale, w: CapWarning, n: (x: number) => string): string {
  const vars = { day: formatDay(l, w.day), minutes: n(w.minutes), cap: n(w.capMinutes) };
  return w.clipped ? t(l, 'me.capClipped', vars) : t(l, 'me.capWarn', vars);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A quantity as typed in a form: `1,5` and `1.5` alike; anything else goes to the service as is, which names it. */
function parseFormNumber(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().replace(',', '.');
  if (s === '') return undefined;
  const n = Number(s);
  return /^-?\d+(\.\d+)?$/.test(s) && Number.isFinite(n) ? n : v;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

// ------------------------------------------------------------------ the router

export function createPanelsRouter(deps: PanelsDeps): Router {
  const router = express.Router();
  const views = deps.views ?? createViews();
  const clock = deps.clock ?? (() => new Date());
  const manifestPanels = new Map<string, ManifestPanel>(loadManifest().panels.map((p) => [p.id, p]));
  const sessions = new WeakMap<Request, Session>();
  const h = (fn: (req: Request, res: Response, next: NextFunction) => Promise<unknown>): RequestHandler => (req, res, next) => {
    fn(req, res, next).catch(next);
  };

  function panel(id: PanelId): ManifestPanel {
    const p = manifestPanels.get(id);
    if (!p) throw new Error(`panel "${id}" missing from plugin-manifest.json`);
    return p;
  }

  const session = (req: Request): Session => {
    const s = sessions.get(req);
    if (!s) throw new AuthError();
    return s;
  };

  // ---------------------------------------------------------------- headers, body, who is looking

  router.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 }));

  router.use(h(async (req, _res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const ctx = (req.method === 'POST' ? str(body.ctx) : undefined) ?? str(req.query.ctx);
    let principal: Principal;
    let incoming: Session['incoming'] = null;
    let lim: number;
    if (ctx !== undefined) {
      const c = await verifyContext(deps.auth, ctx);
      principal = c.principal;
      incoming = { jti: c.jti, keys: c.keys };
      lim = c.lim;
    } else {
      const token = bearer(req.get('authorization')) ?? str(req.query.jwt) ?? null;
      principal = await verifyUser(deps.auth, token);
      const exp = jwt.decode(token as string, { json: true })?.exp;
      if (typeof exp !== 'number') throw new AuthError();
      lim = exp;
    }
    const [secret, settings] = await Promise.all([deps.agencies.currentSecret(principal.agency), deps.agencies.getSettings(principal.agency)]);
    const now = clock();
    sessions.set(req, {
      principal, locale: principal.locale, incoming, settings,
      out: issueContext(secret, principal, { now, lim }),
      today: todayIn(settings.timeZone, now),
      base: req.baseUrl,
    });
    next();
  }));

  // ---------------------------------------------------------------- building blocks

  function link(s: Session, path: string, params: Record<string, string | string[] | undefined> = {}): string {
    const q = new URLSearchParams({ ctx: s.out.token });
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
    }
    return `${s.base}${path}?${q.toString()}`;
  }

  function form(s: Session, path: string, action: string): FormModel {
    return { action: `${s.base}${path}`, ctx: s.out.token, csrf: csrfToken(s.out.keys, s.out.jti, action) };
  }

  /** A POST must come with the context token the form was rendered under and the form's own token. */
  function requireCsrf(req: Request, action: string): void {
    const s = session(req);
    const given = ((req.body ?? {}) as Record<string, unknown>)._csrf;
    if (!s.incoming || !checkCsrf(s.incoming.keys, s.incoming.jti, action, given)) {
      throw new ForbiddenError('Biểu mẫu không hợp lệ hoặc đã hết hạn (invalid or expired form token)', 'csrf_failed');
    }
  }

  function requirePanelRole(req: Request, id: PanelId): Session {
    const s = session(req);
    const roles = panel(id).roles;
    if (!s.principal.roles.some((r) => roles.includes(r))) throw new ForbiddenError();
    return s;
  }

  function has(s: Session, ...roles: Role[]): boolean {
    return s.principal.roles.some((r) => roles.includes(r));
  }

  function nav(s: Session, current: string, leaderUnit: string | null): PageModel['nav'] {
    const items: PageModel['nav'] = [];
    const l = s.locale;
    const can = (id: PanelId): boolean => panel(id).roles.some((r) => s.principal.roles.includes(r));
    if (can('me')) items.push({ href: link(s, '/me'), label: panel('me').title[l], current: current === 'me' });
    if (has(s, 'leader') && leaderUnit) items.push({ href: link(s, `/unit/${enc(leaderUnit)}`), label: panel('unit').title[l], current: current === 'unit' });
    if (can('ranking')) items.push({ href: link(s, '/ranking'), label: panel('ranking').title[l], current: current === 'ranking' });
    if (can('reports')) items.push({ href: link(s, '/reports'), label: panel('reports').title[l], current: current === 'reports' });
    if (can('admin')) items.push({ href: link(s, '/admin'), label: panel('admin').title[l], current: current === 'admin' });
    return items;
  }

  function cspHeader(nonce: string, origins: readonly string[]): string {
    const ancestors = origins.length > 0 ? origins.join(' ') : "'none'";
    return [
      "default-src 'self'", "script-src 'none'", "object-src 'none'", `style-src 'nonce-${nonce}'`, "img-src 'self' data:",
      "form-action 'self'", "base-uri 'none'", `frame-ancestors ${ancestors}`,
    ].join('; ');
  }

  function send(res: Response, status: number, origins: readonly string[], build: (nonce: string) => string): void {
    const nonce = crypto.randomBytes(18).toString('base64url');
    const html = build(nonce);
    res.status(status);
    res.setHeader('Content-Security-Policy', cspHeader(nonce, origins));
    if (origins.length === 0) res.setHeader('X-Frame-Options', 'DENY');
    res.type('text/html; charset=utf-8').send(html);
  }

  async function page(req: Request, res: Response, id: PanelId, view: string, data: Record<string, unknown>, opts: { status?: number; error?: string | null; title?: string } = {}): Promise<void> {
    const s = session(req);
    const leaderUnit = has(s, 'leader') ? await deps.journal.unitOf(s.principal) : null;
    const notice = noticeText(s.locale, str(req.query.notice));
    send(res, opts.status ?? 200, s.settings.hostOrigins, (nonce) => views.render(view, {
      locale: s.locale,
      nonce,
      title: opts.title ?? panel(id).title[s.locale],
      panelId: id,
      user: { name: s.principal.name, id: s.principal.userId },
      nav: nav(s, id, leaderUnit),
      notice,
      error: opts.error ?? null,
      timeZone: s.settings.timeZone,
      ...data,
    }));
  }

  function noticeText(l: Locale, key: string | undefined): string | null {
    switch (key) {
      case 'saved': return t(l, 'notice.saved');
      case 'withdrawn': return t(l, 'notice.withdrawn');
      case 'approved': return t(l, 'notice.approved');
      case 'returned': return t(l, 'notice.returned');
      case 'rated': return t(l, 'notice.rated');
      case 'assessed': return t(l, 'notice.assessed');
      case 'replayed': return t(l, 'notice.replayed');
      case 'replay-failed': return t(l, 'notice.replayFailed');
      default: return null;
    }
  }

  /** The message of a service's refusal, in the viewer's language. */
  function errorText(l: Locale, e: KpiError): string {
    const key = ERROR_MESSAGES[e.code];
    if (key) return t(l, key, { field: e.field ?? '' });
    return e.field ? t(l, 'error.invalid', { field: e.field }) : t(l, 'error.invalidNoField');
  }

  /** Runs a form's action; a refusal the user can fix (400, 409) shows the panel again with the message. */
  async function attempt(req: Request, run: () => Promise<void>, again: (status: number, error: string) => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (e) {
      const status = isKpiError(e) ? httpStatus(e) : 500;
      if (isKpiError(e) && (status === 400 || status === 409)) return again(status, errorText(session(req).locale, e));
      throw e;
    }
  }

  function redirect(res: Response, href: string): void {
    res.redirect(303, href);
  }

  function num(l: Locale, n: number | null | undefined, d = 2): string {
    return n === null || n === undefined ? '—' : formatNumber(l, n, d);
  }

  function classLabel(l: Locale, c: Classification | null): string {
    return c ? t(l, CLASS_KEYS[c]) : t(l, 'class.none');
  }

  function statusLabel(l: Locale, s: string): string {
    const key = STATUS_KEYS[s];
    return key ? t(l, key) : s;
  }

  async function itemNames(agency: string, l: Locale): Promise<Map<string, { name: string; unit: string; kind: string }>> {
    const items = await deps.agencies.catalogue(agency);
    return new Map(items.map((i) => [i.code, { name: l === 'en' && i.nameEn ? i.nameEn : i.name, unit: i.unit, kind: i.kind }]));
  }

  async function userNames(agency: string, ids: readonly string[]): Promise<Map<string, { name: string; unitId: string | null; position: string | null; isLeader: boolean }>> {
    const out = new Map<string, { name: string; unitId: string | null; position: string | null; isLeader: boolean }>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await deps.knex('kpi_users').where('agency_code', agency).whereIn('id', unique.slice(i, i + 500)).select('id', 'name', 'unit_id', 'position', 'is_leader');
      for (const r of rows) out.set(String(r.id), { name: String(r.name), unitId: (r.unit_id as string | null) ?? null, position: (r.position as string | null) ?? null, isLeader: toBool(r.is_leader) });
    }
    return out;
  }

  async function unitNames(agency: string): Promise<Map<string, string>> {
    const rows = await deps.knex('kpi_units').where('agency_code', agency).select('id', 'name');
    return new Map(rows.map((r) => [String(r.id), String(r.name)]));
  }

  /** One journal entry as a table row. */
  function entryRow(l: Locale, e: JournalEntryJson, items: Map<string, { name: string; unit: string }>, who?: string): Record<string, unknown> {
    const item = items.get(e.workItemCode);
    const marks: string[] = [];
    if (e.fails > 0) marks.push(t(l, 'entry.fails', { n: e.fails }));
    if (e.delays > 0) marks.push(t(l, 'entry.delays', { n: e.delays }));
    if (e.late) marks.push(t(l, 'entry.late'));
    return {
      id: e.id, who: who ?? e.userId, userId: e.userId, day: formatDay(l, e.date), code: e.workItemCode, itemName: item?.name ?? e.workItemCode,
      quantity: num(l, e.quantity), itemUnit: item?.unit ?? '', minutes: num(l, e.minutes), status: e.status, statusLabel: statusLabel(l, e.status),
      source: e.source === 'event' ? t(l, 'entry.sourceEvent') : t(l, 'entry.sourceManual'), subjectTitle: e.subjectTitle, subjectId: e.subjectId,
      note: e.note, reviewReason: e.reviewReason, marks, rating: e.rating === null ? null : num(l, e.rating * 100, 0),
    };
  }

  function periodOptions(s: Session, selected: string, kinds: ReadonlyArray<'month' | 'quarter' | 'year'> = ['month', 'quarter', 'year']): Array<{ value: string; label: string; selected: boolean }> {
    const keys: string[] = [];
    const month = periodOfDay(s.today, 'month');
    if (kinds.includes('month')) {
      let m = month;
      for (let i = 0; i < 3; i++) {
        keys.push(m.key);
        m = periodOfDay(addDays(m.from, -1), 'month');
      }
    }
    if (kinds.includes('quarter')) {
      const q = periodOfDay(s.today, 'quarter');
      keys.push(q.key, periodOfDay(addDays(q.from, -1), 'quarter').key);
    }
    if (kinds.includes('year')) {
      const y = periodOfDay(s.today, 'year');
      keys.push(y.key, periodOfDay(addDays(y.from, -1), 'year').key);
    }
    if (!keys.includes(selected)) keys.unshift(selected);
    return keys.map((k) => ({ value: k, label: formatPeriod(s.locale, k), selected: k === selected }));
  }

  function periodParam(req: Request, fallback: Period, name = 'period'): Period {
    const v = req.query[name];
    if (v === undefined || v === '') return fallback;
    if (typeof v !== 'string') throw new ValidationError(`${name}: YYYY-MM | YYYY-Qn | YYYY`, name);
    return parsePeriod(v);
  }

  function scoreCard(s: Session, sc: Score | undefined, period: Period, href: string): Record<string, unknown> {
    const l = s.locale;
    if (!sc) return { periodLabel: formatPeriod(l, period.key), href, missing: true, gauge: { arc: '', cls: 'sc-none', text: '—' } };
    return {
      periodLabel: formatPeriod(l, period.key), href, missing: false,
      total: num(l, sc.total), cls: scoreClass(sc.scored ? sc.total : null),
      gauge: { arc: gaugeArc(sc.scored ? sc.total / 100 : 0), cls: scoreClass(sc.scored ? sc.total : null), text: sc.scored ? num(l, sc.total) : '—' },
      classLabel: sc.scored ? classLabel(l, sc.classification) : t(l, 'class.notScored'), classification: sc.classification,
      provisional: sc.provisional, incomplete: sc.incomplete, scored: sc.scored, overQuota: sc.overQuota,
      bars: [
        { label: t(l, 'score.quantity'), value: num(l, sc.quantityPct), width: Math.max(0, Math.min(100, sc.quantityPct)), cls: 'pct' },
        { label: t(l, 'score.quality'), value: num(l, sc.qualityPct), width: Math.max(0, Math.min(100, sc.qualityPct)), cls: 'pct' },
        { label: t(l, 'score.progress'), value: num(l, sc.progressPct), width: Math.max(0, Math.min(100, sc.progressPct)), cls: 'pct' },
      ],
      taskScore: num(l, sc.taskScore), taskMax: num(l, sc.taskMax), generalScore: sc.generalScore === null ? null : num(l, sc.generalScore), generalMax: num(l, sc.generalMax),
      workingDays: sc.workingDays, assigned: num(l, sc.assignedMinutes), completed: num(l, sc.completedMinutes),
    };
  }

  function capWarnings(l: Locale, ws: readonly CapWarning[]): string[] {
    return ws.map((w) => capLine(l, w, (x) => num(l, x)));
  }

  // ---------------------------------------------------------------- document and task

  async function subjectPanel(req: Request, res: Response, kind: 'document' | 'task'): Promise<void> {
    const s = requirePanelRole(req, kind);
    const p = s.principal;
    const l = s.locale;
    const subjectId = String(req.params.id);
    if (subjectId.length === 0 || subjectId.length > 200) throw new NotFoundError();
    const rows = await deps.knex('kpi_journal_entries as e')
      .leftJoin('kpi_users as u', function join() {
        this.on('u.agency_code', '=', 'e.agency_code').andOn('u.id', '=', 'e.user_id');
      })
      .where({ 'e.agency_code': p.agency, 'e.subject_kind': kind, 'e.subject_id': subjectId })
      .orderBy([{ column: 'e.day' }, { column: 'e.id' }]).limit(MAX_ROWS)
      .select(...ENTRY_COLUMNS.map((c) => `e.${c}`), 'u.name as user_name', 'u.unit_id as user_unit');
    const all = has(s, 'hr', 'admin');
    const leaderUnit = has(s, 'leader') ? await deps.journal.unitOf(p) : null;
    const visible = rows.filter((r) => all || String(r.user_id) === p.userId || (leaderUnit !== null && r.user_unit === leaderUnit));
    const items = await itemNames(p.agency, l);
    const entries = visible.map((r) => entryRow(l, entryJson(r), items, r.user_name == null ? String(r.user_id) : String(r.user_name)));
    const counted = visible.map((r) => entryJson(r)).filter((e) => e.status !== 'rejected');
    const title = visible.map((r) => r.subject_title as string | null).find((x) => typeof x === 'string' && x !== '') ?? null;
    await page(req, res, kind, 'subject', {
      subject: { kind, id: subjectId, title, kindLabel: kind === 'document' ? t(l, 'subject.document') : t(l, 'subject.task') },
      entries,
      totalMinutes: num(l, counted.reduce((a, e) => a + e.minutes, 0)),
      people: new Set(counted.map((e) => e.userId)).size,
    });
  }

  router.get('/document/:id', h(async (req, res) => subjectPanel(req, res, 'document')));
  router.get('/task/:id', h(async (req, res) => subjectPanel(req, res, 'task')));

  // ---------------------------------------------------------------- My KPI

  async function mePanel(req: Request, res: Response, opts: { status?: number; error?: string; values?: Record<string, string> } = {}): Promise<void> {
    const s = requirePanelRole(req, 'me');
    const p = s.principal;
    const l = s.locale;
    const currentMonth = periodOfDay(s.today, 'month');
    let month = periodParam(req, currentMonth, 'month');
    if (month.kind !== 'month') throw new ValidationError('month: YYYY-MM', 'month');
    if (month.from > s.today) month = currentMonth;
    const quarter = periodOfDay(month.from, 'quarter');
    const to = month.to < s.today ? month.to : s.today;
    const [monthScores, quarterScores, journal, todays, items, catalogue, insights] = await Promise.all([
      deps.scoring.scoresFor(p, { period: month.key, user: p.userId }),
      deps.scoring.scoresFor(p, { period: quarter.key, user: p.userId }),
      deps.journal.list(p, { from: month.from, to, limit: JOURNAL_PAGE.max }),
      deps.journal.list(p, { from: s.today, to: s.today, limit: JOURNAL_PAGE.max }),
      itemNames(p.agency, l),
      deps.agencies.catalogue(p.agency),
      deps.insights ? deps.insights.forUser(p, { period: month.key }) : Promise.resolve(null),
    ]);
    const ms = monthScores.scores[0];
    const qs = quarterScores.scores[0];
    const todayCounted = todays.entries.filter((e) => e.status !== 'rejected');
    const todayMinutes = todayCounted.reduce((a, e) => a + e.minutes, 0);
    const ex = ms && ms.explanation.kind === 'period' ? (ms.explanation as PeriodExplanation) : null;

    const prev = periodOfDay(addDays(month.from, -1), 'month');
    const next = month.to < s.today ? periodOfDay(addDays(month.to, 1), 'month') : null;

    const entries = [...journal.entries].reverse().map((e) => {
      const row = entryRow(l, e, items);
      if (deps.review && e.source === 'manual' && e.status === 'pending') row.withdraw = form(s, `/me/entries/${enc(e.id)}/withdraw`, ACTION.withdraw(e.id));
      return row;
    });

    const active = catalogue.filter((i) => i.active);
    const groups = [...new Set(active.map((i) => i.group))].map((g) => ({
      label: GROUP_KEYS[g] ? t(l, GROUP_KEYS[g]!) : g,
      items: active.filter((i) => i.group === g).map((i) => ({
        code: i.code, label: `${i.code} — ${l === 'en' && i.nameEn ? i.nameEn : i.name} (${t(l, 'me.perUnit', { minutes: num(l, i.standardMinutes), unit: i.unit })})`,
        selected: opts.values?.workItemCode === i.code,
      })),
    }));
    const minDay = deps.review ? addDays(s.today, -deps.review.maxBackdateDays) : s.today;

    const suggestions = (insights?.suggestions ?? []).slice(0, 20).map((sg) => ({
      date: formatDay(l, sg.date), rawDate: sg.date, type: sg.type, title: sg.subject.title, subjectId: sg.subject.id,
      workItemCode: sg.workItemCode, workItemName: sg.workItemName, quantity: sg.quantity, eventId: sg.eventId,
      form: deps.review ? form(s, '/me/entries', ACTION.createEntry) : null,
      tooOld: sg.date < minDay,
    }));

    await page(req, res, 'me', 'me', {
      month: { key: month.key, label: formatPeriod(l, month.key), prev: link(s, '/me', { month: prev.key }), next: next ? link(s, '/me', { month: next.key }) : null },
      todayCard: {
        day: formatDay(l, s.today), minutes: num(l, todayMinutes), dailyMinutes: num(l, s.settings.dailyMinutes), count: todayCounted.length,
        width: Math.min(100, (100 * todayMinutes) / Math.max(1, s.settings.dailyMinutes)), over: todayMinutes > s.settings.capMinutes,
        cls: todayMinutes > s.settings.capMinutes ? 'sc-0' : scoreClass(40 + (55 * Math.min(todayMinutes, s.settings.dailyMinutes)) / Math.max(1, s.settings.dailyMinutes)),
        cap: num(l, s.settings.capMinutes),
      },
      monthCard: scoreCard(s, ms, month, link(s, '/me', { month: month.key })),
      quarterCard: scoreCard(s, qs, quarter, link(s, '/me', { month: month.key })),
      notInDirectory: !ms,
      explanation: ex ? explanationModel(l, ex) : null,
      capWarnings: ms ? capWarnings(l, ms.capWarnings) : [],
      nextClass: ex?.nextClass ? t(l, 'me.nextClass', {
        target: ex.nextClass.target, targetName: classLabel(l, ex.nextClass.target), threshold: num(l, ex.nextClass.threshold),
        minutes: num(l, ex.nextClass.minutes), totalAfter: num(l, ex.nextClass.totalAfter),
      }) : null,
      reminders: (insights?.reminders ?? []).map((r) => formatDay(l, r.date)),
      suggestions,
      hasInsights: insights !== null,
      entries,
      addForm: deps.review ? {
        form: form(s, '/me/entries', ACTION.createEntry), groups,
        date: opts.values?.date ?? s.today, min: minDay, max: s.today, quantity: opts.values?.quantity ?? '1', note: opts.values?.note ?? '',
      } : null,
    }, { status: opts.status ?? 200, error: opts.error ?? null });
  }

  /**
   * The formula of a score: in Vietnamese the engine's own lines (the words SCORING.md and the
   * workbook use), in English the same numbers in English. The per-entry lines behind C, CL and
   * CT are listed apart, folded, so that a month of entries does not bury the formula.
   */
  function explanationModel(l: Locale, ex: PeriodExplanation): { lines: string[]; entries: string[] } {
    if (l === 'vi') {
      const isEntry = (x: string): boolean => /^\s+•/.test(x);
      return { lines: ex.lines.filter((x) => !isEntry(x)).map((x) => x.trim()), entries: ex.lines.filter(isEntry).map((x) => x.trim().replace(/^•\s*/, '')) };
    }
    const n = (x: number): string => formatNumber(l, x);
    const entries = (ex.completed.entries ?? []).map((en) => {
      const notes: string[] = [];
      if (en.clipped) notes.push(t(l, 'explain.noteClipped', { factor: formatNumber(l, en.factor, 4) }));
      if (en.fails > 0) notes.push(t(l, 'explain.noteFailed', { n: en.fails }));
      if (en.delays > 0) notes.push(t(l, 'explain.noteLate', { n: en.delays }));
      const line = t(l, 'explain.entry', { day: formatDay(l, en.day), code: en.workItemCode ?? '', id: String(en.id), minutes: n(en.minutes), C: n(en.countedMinutes), CL: n(en.qualityMinutes), CT: n(en.progressMinutes) });
      return notes.length ? `${line} [${notes.join('; ')}]` : line;
    });
    return { lines: englishLines(ex), entries };
  }

  /** The English rendering of a period explanation (the Vietnamese one is the engine's own `lines`). */
  function englishLines(e: PeriodExplanation): string[] {
    const l: Locale = 'en';
    const n = (x: number): string => formatNumber(l, x);
    const a = e.assigned;
    const L: string[] = [];
    L.push(t(l, 'explain.period', { period: formatPeriod(l, e.period), from: formatDay(l, e.from), to: formatDay(l, e.to), profile: e.profile.id, version: e.profile.version }));
    if (e.provisional) L.push(t(l, 'explain.provisional'));
    L.push(t(l, 'explain.workingDays', { n: e.workingDays }));
    const formula = a.basis === 'norm' ? `${n(a.workingDays)} × ${n(a.dailyMinutes)} × ${n(a.normRatio)}`
      : a.basis === 'assignments' ? t(l, 'explain.assignmentsBasis', { minutes: n(a.assignmentMinutes) })
        : `max(${n(a.workingDays)} × ${n(a.dailyMinutes)} × ${n(a.normRatio)}, ${n(a.assignmentMinutes)})`;
    L.push(t(l, 'explain.assigned', { formula, minutes: n(a.minutes) }));
    if (!e.scored) L.push(t(l, 'explain.notScored'));
    for (const w of e.cap.warnings) L.push(capLine(l, w, n));
    const c = e.completed;
    L.push(t(l, 'explain.C', { C: n(c.C) }));
    L.push(t(l, 'explain.CL', { penalty: n(c.failPenalty), CL: n(c.CL) }));
    L.push(t(l, 'explain.CT', { penalty: n(c.delayPenalty), CT: n(c.CT) }));
    const pc = e.percentages;
    L.push(t(l, 'explain.quantity', { C: n(c.C), A: n(a.minutes), pct: n(pc.quantity.value) }));
    L.push(t(l, 'explain.quality', { CL: n(c.CL), A: n(a.minutes), pct: n(pc.quality.value) }));
    L.push(t(l, 'explain.progress', { CT: n(c.CT), A: n(a.minutes), pct: n(pc.progress.value) }));
    const tk = e.task;
    const rForm = `${n(tk.taskMax)} × (${n(pc.quantity.value)} + ${n(pc.quality.value)} + ${n(pc.progress.value)}) / 300`;
    if (!e.isLeader || !e.scored) {
      L.push(t(l, 'explain.R', { formula: rForm, R: n(tk.value), max: n(tk.taskMax) }));
    } else {
      L.push(t(l, 'explain.Rown', { formula: rForm, R: n(tk.ownTaskScore), max: n(tk.taskMax) }));
      if (tk.unitMean && tk.alpha !== null) {
        L.push(t(l, 'explain.U', { members: tk.unitMean.members, U: n(tk.unitMean.value) }));
        L.push(t(l, 'explain.Rleader', { alpha: n(tk.alpha), own: n(tk.ownTaskScore), beta: n(1 - tk.alpha), U: n(tk.unitMean.value), R: n(tk.value) }));
      } else {
        L.push(t(l, 'explain.noU', { R: n(tk.value) }));
      }
    }
    if (e.general.value === null) {
      L.push(t(l, 'explain.Gmissing', { max: n(e.general.max) }));
      L.push(t(l, 'explain.totalPartial', { total: n(e.total) }));
    } else {
      L.push(t(l, 'explain.G', { G: n(e.general.value), max: n(e.general.max) }));
      L.push(t(l, 'explain.S', { R: n(tk.value), G: n(e.general.value), total: n(e.total) }));
    }
    if (e.disqualified) L.push(t(l, 'explain.disqualified'));
    else if (!e.scored) L.push(t(l, 'explain.classNotScored'));
    else if (e.classification === null || e.incomplete) L.push(t(l, 'explain.classIncomplete'));
    else L.push(t(l, 'explain.class', { code: e.classification, name: classLabel(l, e.classification) }));
    if (e.overQuota) L.push(t(l, 'explain.overQuota'));
    return L;
  }

  router.get('/me', h(async (req, res) => mePanel(req, res)));

  router.post('/me/entries', h(async (req, res) => {
    requireCsrf(req, ACTION.createEntry);
    const s = requirePanelRole(req, 'me');
    if (!deps.review) throw new NotFoundError();
    const review = deps.review;
    const b = req.body as Record<string, unknown>;
    const values = { date: str(b.date) ?? '', workItemCode: str(b.workItemCode) ?? '', quantity: str(b.quantity) ?? '', note: str(b.note) ?? '' };
    const input: Record<string, unknown> = { date: values.date || undefined, workItemCode: values.workItemCode || undefined, quantity: parseFormNumber(b.quantity) };
    if (values.note.trim() !== '') input.note = values.note;
    const fromEvent = str(b.fromEvent);
    if (fromEvent) input.fromEvent = fromEvent;
    for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
    await attempt(req, async () => {
      const e = await review.create(s.principal, input);
      redirect(res, link(s, '/me', { month: e.date.slice(0, 7), notice: 'saved' }));
    }, (status, error) => mePanel(req, res, { status, error, values }));
  }));

  router.post('/me/entries/:id/withdraw', h(async (req, res) => {
    const id = String(req.params.id);
    requireCsrf(req, ACTION.withdraw(id));
    const s = requirePanelRole(req, 'me');
    if (!deps.review) throw new NotFoundError();
    const review = deps.review;
    await attempt(req, async () => {
      await review.remove(s.principal, id);
      redirect(res, link(s, '/me', { notice: 'withdrawn' }));
    }, (status, error) => mePanel(req, res, { status, error }));
  }));

  // ---------------------------------------------------------------- unit board

  async function unitAccess(req: Request): Promise<{ s: Session; unitId: string; isLeaderOfUnit: boolean }> {
    const s = requirePanelRole(req, 'unit');
    const unitId = String(req.params.unitId);
    const isHr = has(s, 'hr');
    const mine = has(s, 'leader') ? await deps.journal.unitOf(s.principal) : null;
    const isLeaderOfUnit = mine !== null && mine === unitId;
    if (!isHr && !isLeaderOfUnit) throw new ForbiddenError();
    return { s, unitId, isLeaderOfUnit };
  }

  async function unitPanel(req: Request, res: Response, opts: { status?: number; error?: string } = {}): Promise<void> {
    const { s, unitId, isLeaderOfUnit } = await unitAccess(req);
    const p = s.principal;
    const l = s.locale;
    const period = periodParam(req, periodOfDay(s.today, 'month'));
    const lowest = req.query.order === 'lowest';
    const to = period.to < s.today ? period.to : s.today;
    const [scored, units, items, assessments, profile] = await Promise.all([
      deps.scoring.scoresFor(p, { period: period.key, unit: unitId }),
      unitNames(p.agency),
      itemNames(p.agency, l),
      deps.assessments && period.kind !== 'year' ? deps.assessments.list(p, { period: period.key, unit: unitId }) : Promise.resolve(null),
      deps.assessments ? deps.assessments.profile(p.agency) : Promise.resolve(null),
    ]);
    // The approval queue: only the pending entries, not the whole period's journal.
    const pending = period.from <= to ? await deps.journal.list(p, { unit: unitId, from: period.from, to, status: 'pending', limit: JOURNAL_PAGE.max }) : { entries: [] as JournalEntryJson[], next: null };
    const pendingEntries = pending.entries;
    const people = await userNames(p.agency, [...scored.scores.map((x) => x.userId), ...pendingEntries.map((e) => e.userId)]);
    const byUser = new Map<string, AssessmentJson>((assessments?.assessments ?? []).map((a) => [a.userId, a]));

    const sorted = [...scored.scores].sort((a, b) => {
      const x = a.scored ? a.total : Number.NEGATIVE_INFINITY;
      const y = b.scored ? b.total : Number.NEGATIVE_INFINITY;
      if (x !== y) return lowest ? x - y : y - x;
      return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
    });
    const members = sorted.map((sc) => {
      const who = people.get(sc.userId);
      const a = byUser.get(sc.userId);
      return {
        userId: sc.userId, name: who?.name ?? sc.userId, position: who?.position ?? null, isLeader: sc.isLeader,
        total: sc.scored ? num(l, sc.total) : '—', cls: scoreClass(sc.scored ? sc.total : null),
        classLabel: sc.scored ? classLabel(l, sc.classification) : t(l, 'class.notScored'),
        taskScore: num(l, sc.taskScore), generalScore: sc.generalScore === null ? null : num(l, sc.generalScore),
        quantityPct: num(l, sc.quantityPct), qualityPct: num(l, sc.qualityPct), progressPct: num(l, sc.progressPct),
        overQuota: sc.overQuota, incomplete: sc.incomplete, provisional: sc.provisional,
        assess: a && a.canAssess && deps.assessments ? {
          form: form(s, `/unit/${enc(unitId)}/assessments`, ACTION.assess(unitId, sc.userId, period.key)),
          value: a.general === null ? '' : String(a.general), max: a.generalMax, period: period.key,
        } : null,
      };
    });

    // The excellence quota (SCORING.md): from a candidate's own quota facts when there is one, else counted here.
    const withQuota = scored.scores.find((x) => x.explanation.quota !== null);
    const eligible = withQuota?.explanation.quota?.eligible ?? scored.scores.filter((x) => x.classification === 'HTXSNV' || x.classification === 'HTTNV' || (x.overQuota && x.classification !== null)).length;
    const ratio = profile?.quotaRatio ?? 0.2;
    const quota = {
      ratio: num(l, ratio * 100, 0), eligible, limit: withQuota?.explanation.quota?.limit ?? quotaLimit(ratio, eligible),
      candidates: withQuota?.explanation.quota?.candidates ?? 0,
      over: scored.scores.filter((x) => x.overQuota).map((x) => people.get(x.userId)?.name ?? x.userId),
    };

    const queue = pendingEntries.map((e) => {
      const row = entryRow(l, e, items, people.get(e.userId)?.name ?? e.userId);
      const canReview = Boolean(deps.review) && isLeaderOfUnit && e.userId !== p.userId;
      const rated = items.get(e.workItemCode)?.kind === 'rated';
      return {
        ...row, canReview, rated,
        approve: canReview && !rated ? form(s, `/unit/${enc(unitId)}/entries/${enc(e.id)}/approve`, ACTION.approve(unitId, e.id)) : null,
        rate: canReview && rated ? form(s, `/unit/${enc(unitId)}/entries/${enc(e.id)}/rate`, ACTION.rate(unitId, e.id)) : null,
        giveBack: canReview ? form(s, `/unit/${enc(unitId)}/entries/${enc(e.id)}/return`, ACTION.returnEntry(unitId, e.id)) : null,
      };
    });

    const here = (extra: Record<string, string | undefined>): string => link(s, `/unit/${enc(unitId)}`, { period: period.key, ...extra });
    await page(req, res, 'unit', 'unit', {
      unit: { id: unitId, name: units.get(unitId) ?? unitId },
      period: { key: period.key, label: formatPeriod(l, period.key), status: scored.status },
      picker: { action: `${s.base}/unit/${enc(unitId)}`, ctx: s.out.token, options: periodOptions(s, period.key), order: lowest ? 'lowest' : 'highest' },
      orderLinks: { highest: here({}), lowest: here({ order: 'lowest' }), lowest_active: lowest },
      members,
      quota,
      queue,
      reviewer: isLeaderOfUnit,
      canAssess: members.some((m) => m.assess !== null),
      generalMax: assessments ? num(l, assessments.generalMax.official) : null,
      assessNote: period.kind === 'year' ? t(l, 'unit.assessYear') : null,
    }, { status: opts.status ?? 200, error: opts.error ?? null });
  }

  router.get('/unit/:unitId', h(async (req, res) => unitPanel(req, res)));

  function reviewRoute(kind: 'approve' | 'return' | 'rate'): RequestHandler {
    return h(async (req, res) => {
      const unitId = String(req.params.unitId);
      const id = String(req.params.id);
      requireCsrf(req, kind === 'approve' ? ACTION.approve(unitId, id) : kind === 'return' ? ACTION.returnEntry(unitId, id) : ACTION.rate(unitId, id));
      const { s } = await unitAccess(req);
      if (!deps.review) throw new NotFoundError();
      const review = deps.review;
      const b = req.body as Record<string, unknown>;
      const period = str(b.period);
      await attempt(req, async () => {
        if (kind === 'approve') await review.approve(s.principal, id);
        else if (kind === 'return') await review.returnEntry(s.principal, id, { reason: str(b.reason) ?? '' });
        else await review.rate(s.principal, id, { rating: parseFormNumber(b.rating) });
        redirect(res, link(s, `/unit/${enc(unitId)}`, { period, notice: kind === 'approve' ? 'approved' : kind === 'return' ? 'returned' : 'rated' }));
      }, (status, error) => unitPanel(req, res, { status, error }));
    });
  }
  router.post('/unit/:unitId/entries/:id/approve', reviewRoute('approve'));
  router.post('/unit/:unitId/entries/:id/return', reviewRoute('return'));
  router.post('/unit/:unitId/entries/:id/rate', reviewRoute('rate'));

  router.post('/unit/:unitId/assessments', h(async (req, res) => {
    const unitId = String(req.params.unitId);
    const b = req.body as Record<string, unknown>;
    const userId = str(b.userId) ?? '';
    const period = str(b.period) ?? '';
    requireCsrf(req, ACTION.assess(unitId, userId, period));
    const { s } = await unitAccess(req);
    if (!deps.assessments) throw new NotFoundError();
    const assessments = deps.assessments;
    // The member must belong to the unit of this board: the form cannot reach past it.
    const member = (await userNames(s.principal.agency, [userId])).get(userId);
    if (!member || member.unitId !== unitId) throw new NotFoundError();
    const raw = str(b.general)?.trim() ?? '';
    await attempt(req, async () => {
      await assessments.put(s.principal, { userId, period, general: raw === '' ? null : parseFormNumber(raw) });
      redirect(res, link(s, `/unit/${enc(unitId)}`, { period, notice: 'assessed' }));
    }, (status, error) => unitPanel(req, res, { status, error }));
  }));

  // ---------------------------------------------------------------- ranking

  router.get('/ranking', h(async (req, res) => {
    const s = requirePanelRole(req, 'ranking');
    const l = s.locale;
    const p = s.principal;
    const period = periodParam(req, periodOfDay(s.today, 'month'));
    const lowest = req.query.order === 'lowest';
    const [ranks, units] = await Promise.all([deps.scoring.ranking(p.agency, period.key, lowest), unitNames(p.agency)]);
    const leaderUnit = has(s, 'leader') ? await deps.journal.unitOf(p) : null;
    const canOpen = (u: string | null): boolean => u !== null && (has(s, 'hr') || (leaderUnit !== null && u === leaderUnit));
    const rows = ranks.map((r) => ({
      rank: r.rank, unitId: r.unitId, name: r.unitId === null ? t(l, 'ranking.noUnit') : units.get(r.unitId) ?? r.unitId,
      mean: r.mean === null ? '—' : num(l, r.mean), width: r.mean === null ? 0 : Math.max(0, Math.min(100, r.mean)), cls: scoreClass(r.mean),
      scoredCount: r.scoredCount, officialCount: r.officialCount, incomplete: r.incomplete,
      href: canOpen(r.unitId) ? link(s, `/unit/${enc(r.unitId as string)}`, { period: period.key }) : null,
    }));
    const here = (extra: Record<string, string | undefined>): string => link(s, '/ranking', { period: period.key, ...extra });
    await page(req, res, 'ranking', 'ranking', {
      period: { key: period.key, label: formatPeriod(l, period.key) },
      picker: { action: `${s.base}/ranking`, ctx: s.out.token, options: periodOptions(s, period.key), order: lowest ? 'lowest' : 'highest' },
      orderLinks: { highest: here({}), lowest: here({ order: 'lowest' }), lowest_active: lowest },
      rows,
    });
  }));

  // ---------------------------------------------------------------- reports

  router.get('/reports', h(async (req, res) => {
    const s = requirePanelRole(req, 'reports');
    const l = s.locale;
    const units = await unitNames(s.principal.agency);
    const chosen = req.query.period !== undefined && req.query.period !== '';
    const period = periodParam(req, periodOfDay(addDays(periodOfDay(s.today, 'quarter').from, -1), 'quarter'));
    const raw = req.query.unit;
    const selected = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((u): u is string => typeof u === 'string' && u !== '');
    for (const u of selected) if (!units.has(u)) throw new ValidationError(`unit: "${u}"`, 'unit');
    const root = s.base.replace(/\/panels$/, '');
    const file = `${root}/reports/${enc(period.key)}.xlsx`;
    const download = (unit: string | null): string => `${file}?${new URLSearchParams({ ...(unit ? { unit } : {}), ctx: s.out.token }).toString()}`;
    const links = !chosen ? [] : selected.length === 0
      ? [{ label: t(l, 'reports.wholeAgency', { period: formatPeriod(l, period.key) }), href: download(null) }]
      : selected.map((u) => ({ label: t(l, 'reports.oneUnit', { unit: units.get(u) ?? u, period: formatPeriod(l, period.key) }), href: download(u) }));
    await page(req, res, 'reports', 'reports', {
      picker: { action: `${s.base}/reports`, ctx: s.out.token, options: periodOptions(s, period.key, ['month', 'quarter', 'year']) },
      units: [...units.entries()].sort((a, b) => a[1].localeCompare(b[1], 'vi')).map(([id, name]) => ({ id, name, checked: selected.includes(id) })),
      links,
    });
  }));

  // ---------------------------------------------------------------- admin

  async function adminPanel(req: Request, res: Response): Promise<void> {
    const s = requirePanelRole(req, 'admin');
    const l = s.locale;
    const agency = s.principal.agency;
    const [catalogue, rules, failed] = await Promise.all([deps.agencies.catalogue(agency), deps.agencies.rules(agency), deps.journal.listEvents(agency, 'failed')]);
    const json = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v));
    await page(req, res, 'admin', 'admin', {
      catalogue: catalogue.map((i) => ({
        code: i.code, name: l === 'en' && i.nameEn ? i.nameEn : i.name, unit: i.unit, minutes: num(l, i.standardMinutes), kind: i.kind === 'rated' ? t(l, 'admin.kindRated') : t(l, 'admin.kindCount'),
        group: GROUP_KEYS[i.group] ? t(l, GROUP_KEYS[i.group]!) : i.group, active: i.active, max: num(l, i.maxQuantityPerEntry), version: i.version,
      })),
      rules: rules.map((r) => ({
        id: r.id, eventType: r.eventType, when: json(r.when), workItemCode: r.workItemCode, quantity: r.quantity === undefined ? '1' : json(r.quantity),
        coefficient: r.coefficient === undefined ? '1' : num(l, r.coefficient, 4), coefficientBy: json(r.coefficientBy), priority: r.priority, active: r.active,
      })),
      settings: Object.entries(s.settings).map(([key, value]) => ({ key, value: Array.isArray(value) ? (value.length ? value.join(', ') : '—') : String(value) })),
      failed: failed.map((e) => ({
        id: e.id, type: e.type, error: e.error, attempts: e.attempts, occurredAt: formatInstant(l, e.occurredAt, s.settings.timeZone), receivedAt: formatInstant(l, e.receivedAt, s.settings.timeZone),
        replay: form(s, `/admin/events/${enc(e.id)}/replay`, ACTION.replay(e.id)),
      })),
    });
  }

  router.get('/admin', h(async (req, res) => adminPanel(req, res)));

  router.post('/admin/events/:id/replay', h(async (req, res) => {
    const id = String(req.params.id);
    requireCsrf(req, ACTION.replay(id));
    const s = requirePanelRole(req, 'admin');
    const out = await deps.intake.replay(s.principal.agency, [id]);
    await deps.agencies.audit(s.principal.agency, s.principal.userId, 'events.replay', id, out);
    const ok = out.length > 0 && out.every((x) => x.status !== 'failed');
    redirect(res, link(s, '/admin', { notice: ok ? 'replayed' : 'replay-failed' }));
  }));

  // ---------------------------------------------------------------- not found, errors

  router.use((_req, _res, next) => next(new NotFoundError()));

  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = asKpiError(err, deps.log);
    const status = httpStatus(e);
    if (res.headersSent) return;
    const s = sessions.get(req);
    const l = s?.locale ?? localeFromAcceptLanguage(req.get('accept-language'));
    let heading: string;
    let message: string;
    switch (status) {
      case 401: heading = t(l, 'error.401.title'); message = t(l, 'error.401.text'); break;
      case 403: heading = t(l, 'error.403.title'); message = e.code === 'csrf_failed' ? t(l, 'error.csrf') : t(l, 'error.403.text'); break;
      case 404: heading = t(l, 'error.404.title'); message = t(l, 'error.404.text'); break;
      case 400: case 409: case 413: heading = t(l, 'error.400.title'); message = errorText(l, e); break;
      default: heading = t(l, 'error.500.title'); message = t(l, 'error.500.text');
    }
    const origins = s?.settings.hostOrigins ?? [];
    send(res, status, origins, (nonce) => views.render('error', {
      locale: l, nonce, title: heading, panelId: 'error', user: s ? { name: s.principal.name, id: s.principal.userId } : null,
      nav: s ? nav(s, 'error', has(s, 'leader') ? s.principal.unit : null) : [], notice: null, error: null, timeZone: s?.settings.timeZone ?? 'Asia/Ho_Chi_Minh',
      failure: { status, heading, message },
    }));
  });

  return router;
}
