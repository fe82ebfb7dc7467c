/**
 * A mock E-Office for the demo (`demo --serve`, `npm start`), served at `/`: the host's
 * document list, a document page and a task page whose "KPI" tab frames the plugin's panel,
 * a KPI menu framing the person's dashboards, and a switcher between the demo's four people
 * (an official, the head of the same unit, HR, an admin).
 *
 * It does what a real host does and nothing more: it signs a host JWT for the person with the
 * agency's current secret (HS256, docs/integrators.md (tokens)) and puts the panel's URL with
 * `?jwt=` in an iframe. The plugin answers with its usual headers, so the frame loads only
 * because the demo agency registers this server's origins (`hostOriginsOf`), exactly as in
 * production. The production `serve` never mounts this router.
 *
 * The pages run no script; every value is escaped by the templates in `templates/demo-host/`.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { loadManifest } from '../contract/manifest-validator';
import type { Role } from '../domain/principal';
import { signUserToken } from '../http/auth';
import { packageRoot, t } from '../i18n/i18n';
import { createViews, type PageModel } from '../views/render';
import type { DemoData, DemoEvent, DemoUser } from './demo-data';
import { DEMO_PERSON_KEYS, demoPeople, type DemoPerson, type DemoPersonKey } from './demo-people';

/** How long a host token minted for one page view lives. */
export const MOCK_HOST_TOKEN_TTL_S = 3600;
const LIST_DOCUMENTS = 40;
const LIST_TASKS = 20;

export interface MockHostDeps {
  agency: string;
  agencyName: string;
  data: DemoData;
  /** The agency's current secret, read on every page (a rotation takes effect at once). */
  currentSecret(agency: string): Promise<string>;
  /** Where the plugin's router is mounted: `''` or e.g. `/kpi`. */
  pluginBase: string;
}

// The host's words for what its records hold (the mock E-Office speaks Vietnamese, as the hosts do).
const HOST_LOCALE = 'vi';
const URGENCY: Record<string, () => string> = {
  thuong: () => t(HOST_LOCALE, 'host.urgency.normal'), khan: () => t(HOST_LOCALE, 'host.urgency.urgent'), 'hoa-toc': () => t(HOST_LOCALE, 'host.urgency.flash'),
};
const DOC_TYPE: Record<string, () => string> = {
  'cong-van': () => t(HOST_LOCALE, 'host.docType.letter'), 'to-trinh': () => t(HOST_LOCALE, 'host.docType.submission'), 'bao-cao': () => t(HOST_LOCALE, 'host.docType.report'),
  'quyet-dinh': () => t(HOST_LOCALE, 'host.docType.decision'), 'ke-hoach': () => t(HOST_LOCALE, 'host.docType.plan'),
};
const EVENT: Record<string, () => string> = {
  'document.received': () => t(HOST_LOCALE, 'host.event.received'), 'document.assigned': () => t(HOST_LOCALE, 'host.event.assigned'),
  'document.processed': () => t(HOST_LOCALE, 'host.event.processed'), 'document.drafted': () => t(HOST_LOCALE, 'host.event.drafted'),
  'document.signed': () => t(HOST_LOCALE, 'host.event.signed'), 'document.issued': () => t(HOST_LOCALE, 'host.event.issued'),
  'document.returned': () => t(HOST_LOCALE, 'host.event.returned'), 'task.assigned': () => t(HOST_LOCALE, 'host.event.taskAssigned'),
  'task.completed': () => t(HOST_LOCALE, 'host.event.completed'), 'task.extended': () => t(HOST_LOCALE, 'host.event.extended'),
  'task.rejected': () => t(HOST_LOCALE, 'host.event.rejected'), 'task.cancelled': () => t(HOST_LOCALE, 'host.event.cancelled'),
};

/** The origins a browser may use to reach a server on `port` of this machine. */
export function hostOriginsOf(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

interface Subject {
  kind: 'document' | 'task';
  id: string;
  title: string;
  docType: string | null;
  urgency: string | null;
  dueAt: string | null;
  number: string | null;
  sender: string | null;
  events: DemoEvent[];
  people: Set<string>;
}

/** Documents and tasks of the demo's events, newest first, with who touched them. */
function subjectsOf(data: DemoData): Subject[] {
  const byId = new Map<string, Subject>();
  for (const e of data.events) {
    if (e.subject.kind !== 'document' && e.subject.kind !== 'task') continue;
    let s = byId.get(e.subject.id);
    if (!s) {
      s = {
        kind: e.subject.kind, id: e.subject.id, title: e.subject.title ?? e.subject.id, docType: e.subject.docType ?? null, urgency: e.subject.urgency ?? null,
        dueAt: null, number: null, sender: null, events: [], people: new Set(),
      };
      byId.set(s.id, s);
    }
    s.events.push(e);
    s.people.add(e.actor.id);
    if (e.subject.dueAt) s.dueAt = e.subject.dueAt;
    const d = e.data;
    if (typeof d.number === 'string') s.number = d.number;
    if (typeof d.sender === 'string') s.sender = d.sender;
    for (const k of ['assigneeId', 'userId']) if (typeof d[k] === 'string') s.people.add(d[k] as string);
    if (Array.isArray(d.assignees)) for (const a of d.assignees as Array<{ userId?: unknown }>) if (typeof a.userId === 'string') s.people.add(a.userId);
  }
  return [...byId.values()].reverse();
}

/** `2026-03-12T09:15:00+07:00` as the host prints it: `2026-03-12 09:15` (the demo writes local times). */
function localTime(instant: string | null): string {
  return instant ? `${instant.slice(0, 10)} ${instant.slice(11, 16)}` : '—';
}

export function createMockHost(deps: MockHostDeps): Router {
  const views = createViews({ dir: path.join(packageRoot(), 'templates', 'demo-host') });
  const people = demoPeople(deps.data);
  const users = new Map<string, DemoUser>(deps.data.users.map((u) => [u.id, u]));
  const units = new Map(deps.data.units.map((u) => [u.id, u.name]));
  const subjects = subjectsOf(deps.data);
  const subjectById = new Map(subjects.map((s) => [`${s.kind}:${s.id}`, s]));
  const dashboards = loadManifest().panels.filter((p) => p.slot !== 'document.tab' && p.slot !== 'task.tab');
  const router = express.Router();

  const personOf = (req: Request): DemoPerson => {
    const key = typeof req.query.as === 'string' && (DEMO_PERSON_KEYS as readonly string[]).includes(req.query.as) ? (req.query.as as DemoPersonKey) : 'official';
    return people.find((p) => p.key === key)!;
  };
  const href = (p: string, person: DemoPerson, extra: Record<string, string> = {}): string => `${p}?${new URLSearchParams({ as: person.key, ...extra }).toString()}`;

  /** The host's JWT for `person`, as a real host mints it, and a panel URL carrying it. */
  async function panelSrc(person: DemoPerson, panelPath: string): Promise<string> {
    const secret = await deps.currentSecret(deps.agency);
    const u = person.user;
    const jwt = signUserToken(secret, { sub: u.id, agency: deps.agency, name: u.name, unit: u.unitId, roles: u.roles as Role[], locale: 'vi' }, MOCK_HOST_TOKEN_TTL_S);
    return `${deps.pluginBase}${panelPath}?${new URLSearchParams({ jwt }).toString()}`;
  }

  function render(res: Response, view: string, person: DemoPerson, current: string, data: Record<string, unknown>): void {
    const nonce = crypto.randomBytes(18).toString('base64url');
    const model: PageModel = {
      locale: HOST_LOCALE, nonce, title: String(data.title), panelId: view, user: { name: person.user.name, id: person.user.id }, nav: [], notice: null, error: null, timeZone: 'Asia/Ho_Chi_Minh',
      agencyName: deps.agencyName,
      people: people.map((p) => ({ href: href(currentPath(current), p), name: p.user.name, label: p.who, position: p.user.position, unit: units.get(p.user.unitId) ?? p.user.unitId, current: p.key === person.key })),
      menu: [
        { href: href('/', person), title: null, current: current === '/' },
        ...dashboards.filter((d) => d.roles.some((r) => person.user.roles.includes(r))).map((d) => ({ href: href('/eoffice/kpi', person, { panel: d.id }), title: d.title.vi, current: current === `kpi:${d.id}` })),
      ],
      ...data,
    };
    res.setHeader('Content-Security-Policy', [
      "default-src 'none'", `style-src 'nonce-${nonce}'`, "frame-src 'self'", "img-src 'self' data:", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
    ].join('; '));
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/html; charset=utf-8').send(views.render(view, model));
  }

  /** The same page for another person (the switcher keeps the page where it can). */
  function currentPath(current: string): string {
    if (current.startsWith('document:')) return `/eoffice/documents/${encodeURIComponent(current.slice('document:'.length))}`;
    if (current.startsWith('task:')) return `/eoffice/tasks/${encodeURIComponent(current.slice('task:'.length))}`;
    if (current.startsWith('kpi:')) return '/eoffice/kpi'; // the other person's first dashboard
    return '/';
  }

  const row = (s: Subject, person: DemoPerson) => ({
    href: href(`/eoffice/${s.kind === 'document' ? 'documents' : 'tasks'}/${encodeURIComponent(s.id)}`, person),
    kpiHref: href(`/eoffice/${s.kind === 'document' ? 'documents' : 'tasks'}/${encodeURIComponent(s.id)}`, person, { tab: 'kpi' }),
    id: s.id, title: s.title, number: s.number, sender: s.sender, due: s.dueAt ? localTime(s.dueAt) : null,
    updated: localTime(s.events[s.events.length - 1]?.occurredAt ?? null), urgent: s.urgency !== null && s.urgency !== 'thuong',
    urgency: s.urgency ? (URGENCY[s.urgency]?.() ?? s.urgency) : null,
  });

  // Browsers ask for an icon; the host has none.
  router.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });

  router.get('/', (req, res) => {
    const person = personOf(req);
    const everyone = person.user.roles.includes('hr') || person.user.roles.includes('admin');
    const mine = (s: Subject) => everyone || s.people.has(person.user.id);
    render(res, 'list', person, '/', {
      title: 'E-Office',
      documents: subjects.filter((s) => s.kind === 'document' && mine(s)).slice(0, LIST_DOCUMENTS).map((s) => row(s, person)),
      tasks: subjects.filter((s) => s.kind === 'task' && mine(s)).slice(0, LIST_TASKS).map((s) => row(s, person)),
    });
  });

  async function subjectPage(req: Request, res: Response, kind: 'document' | 'task'): Promise<void> {
    const person = personOf(req);
    const s = subjectById.get(`${kind}:${String(req.params.id)}`);
    if (!s) {
      res.status(404);
      render(res, 'missing', person, '/', { title: 'E-Office' });
      return;
    }
    const kpi = req.query.tab === 'kpi';
    const base = `/eoffice/${kind === 'document' ? 'documents' : 'tasks'}/${encodeURIComponent(s.id)}`;
    render(res, 'subject', person, `${kind}:${s.id}`, {
      title: s.title,
      subject: row(s, person),
      kind: kind === 'document' ? t(HOST_LOCALE, 'host.kind.document') : t(HOST_LOCALE, 'host.kind.task'),
      docType: s.docType ? (DOC_TYPE[s.docType]?.() ?? s.docType) : null,
      kpi,
      infoHref: href(base, person),
      kpiTabHref: href(base, person, { tab: 'kpi' }),
      frameSrc: kpi ? await panelSrc(person, `/panels/${kind}/${encodeURIComponent(s.id)}`) : null,
      history: s.events.map((e) => ({ at: localTime(e.occurredAt), what: EVENT[e.type]?.() ?? e.type, actor: users.get(e.actor.id)?.name ?? e.actor.id })),
    });
  }
  router.get('/eoffice/documents/:id', (req, res, next) => { subjectPage(req, res, 'document').catch(next); });
  router.get('/eoffice/tasks/:id', (req, res, next) => { subjectPage(req, res, 'task').catch(next); });

  router.get('/eoffice/kpi', (req, res, next) => {
    const person = personOf(req);
    const mayOpen = dashboards.filter((d) => d.roles.some((r) => person.user.roles.includes(r)));
    const panel = mayOpen.find((d) => d.id === req.query.panel) ?? mayOpen[0];
    if (!panel) {
      res.redirect(303, href('/', person));
      return;
    }
    panelSrc(person, panel.path.replace(':unitId', encodeURIComponent(person.user.unitId))).then((frameSrc) => {
      render(res, 'kpi', person, `kpi:${panel.id}`, { title: panel.title.vi, frameSrc });
    }, next);
  });

  return router;
}
