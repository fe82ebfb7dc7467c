/**
 * What every panel is built with: the services, the views, the manifest's panels (titles and
 * roles), the role checks, the navigation, and `page`, which renders a panel in the layout.
 */
import type { Request, Response } from 'express';
import type { ManifestPanel } from '../contract/events';
import { loadManifest } from '../contract/manifest-validator';
import { ForbiddenError } from '../domain/errors';
import type { Locale } from '../domain/principal';
import type { AuthDeps } from '../http/auth';
import type { ClockSkewLog } from '../http/clock-skew';
import type { IntakeService } from '../intake/intake-service';
import type { AgencyService } from '../services/agency-service';
import type { AssessmentService } from '../services/assessment-service';
import type { CatalogueService } from '../services/catalogue-service';
import type { FormService } from '../services/form-service';
import type { RequestService } from '../services/request-service';
import type { InsightsService } from '../services/insights-service';
import type { JournalService } from '../services/journal-service';
import type { ReviewService } from '../services/review-service';
import type { RulesService } from '../services/rules-service';
import type { ScoringService } from '../services/scoring-service';
import { createViews, type PageModel, type Views } from '../views/render';
import type { DirectoryUser } from '../stores';
import { keptReads, type KeptReadsDeps } from '../services/read-cache';
import { PanelPages, type PageTemplate } from './page-cache';
import { has, link, newNonce, send, sessionOf, str, type Session } from './session';
import { enc, isFailureNotice, itemLabel, noticeText, type ItemName } from './view-model';

/** With `generations`, rendered pages are kept until the next write (page-cache.ts). */
export interface PanelsDeps extends KeptReadsDeps {
  auth: AuthDeps;
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
  /** The clock skew seen in webhook tokens, for the integration check. */
  skew?: ClockSkewLog;
  /** The mapping rules editor of the admin page: without it the rules are listed read-only. */
  rules?: RulesService;
  /** The catalogue pages of the admin panel (admin-catalogue.ts): without it they are not served. */
  catalogue?: CatalogueService;
  /** Used form tokens: without it a form sent twice acts twice. */
  forms?: FormService;
  /** Corrections and appeals: without it the KPI tab, the unit board and My KPI offer none. */
  requests?: RequestService;
  clock?: () => Date;
  views?: Views;
  log?: { error(obj: object, msg: string): void };
}

export const PANEL_IDS = ['document', 'task', 'me', 'unit', 'ranking', 'reports', 'admin', 'catalogue', 'handbook'] as const;
export type PanelId = (typeof PANEL_IDS)[number];

export interface PanelKit {
  deps: PanelsDeps;
  views: Views;
  /** The session of a request whose viewer has a role the manifest lists for panel `id`; else 403. */
  requirePanelRole(req: Request, id: PanelId): Session;
  /** The unit the viewer leads, when they are a leader. */
  leaderUnit(s: Session): Promise<string | null>;
  nav(s: Session, current: string, leaderUnit: string | null): PageModel['nav'];
  /**
   * Answers a GET panel whose page depends only on its viewer, path, query, the agency's day and
   * the data: from the kept page when nothing was written since (page-cache.ts), else `render`.
   */
  keptPage(req: Request, res: Response, id: PanelId, render: () => Promise<void>): Promise<void>;
  /** Renders panel `id` with template `view` and the panel's own `data`. */
  page(req: Request, res: Response, id: PanelId, view: string, data: Record<string, unknown>, opts?: { status?: number; error?: string | null; title?: string }): Promise<void>;
  /** The catalogue's items of `agency` by code, named in the viewer's language. */
  itemNames(agency: string, l: Locale): Promise<Map<string, ItemName>>;
  userNames(agency: string, ids: readonly string[]): Promise<Map<string, DirectoryUser>>;
  unitNames(agency: string): Promise<Map<string, string>>;
  subjectEntries(agency: string, kind: 'document' | 'task', subjectId: string, limit: number): ReturnType<JournalService['subjectEntries']>;
}

export function createKit(deps: PanelsDeps): PanelKit {
  const views = deps.views ?? createViews();
  // At most 200 pages (a full My KPI is about 60 KB).
  const keptPages = keptReads<PageTemplate | null>(deps, 200);
  const pages = keptPages ? new PanelPages(keptPages) : null;
  const manifestPanels = new Map<string, ManifestPanel>(loadManifest().panels.map((p) => [p.id, p]));

  function panel(id: PanelId): ManifestPanel {
    const p = manifestPanels.get(id);
    if (!p) throw new Error(`panel "${id}" missing from plugin-manifest.json`);
    return p;
  }

  const leaderUnit = async (s: Session): Promise<string | null> => (has(s, 'leader') ? deps.journal.unitOf(s.principal) : null);

  function nav(s: Session, current: string, unit: string | null): PageModel['nav'] {
    const items: PageModel['nav'] = [];
    const l = s.locale;
    const can = (id: PanelId): boolean => panel(id).roles.some((r) => s.principal.roles.includes(r));
    const item = (id: PanelId, path: string): void => {
      items.push({ href: link(s, path), label: panel(id).title[l], current: current === id });
    };
    if (can('me')) item('me', '/me');
    if (has(s, 'leader') && unit) item('unit', `/unit/${enc(unit)}`);
    if (can('ranking')) item('ranking', '/ranking');
    if (can('reports')) item('reports', '/reports');
    if (can('admin')) item('admin', '/admin');
    if (deps.catalogue && can('catalogue')) item('catalogue', '/admin/catalogue');
    if (deps.catalogue && can('handbook')) item('handbook', '/admin/handbook');
    return items;
  }

  return {
    deps,
    views,
    leaderUnit,
    nav,
    requirePanelRole(req, id) {
      const s = sessionOf(req);
      const roles = panel(id).roles;
      if (!s.principal.roles.some((r) => roles.includes(r))) throw new ForbiddenError();
      return s;
    },
    keptPage(req, res, id, render) {
      // The panel's roles are checked on every load, kept page or not (render checks the rest, such as the leader's unit).
      this.requirePanelRole(req, id);
      return pages ? pages.serve(req, res, render) : render();
    },
    async page(req, res, id, view, data, opts = {}) {
      const s = sessionOf(req);
      const unit = await leaderUnit(s);
      const noticeKey = str(req.query.notice);
      const failed = isFailureNotice(noticeKey);
      const notice = failed ? null : noticeText(s.locale, noticeKey);
      const build = (nonce: string): string => views.render(view, {
        locale: s.locale,
        nonce,
        title: opts.title ?? panel(id).title[s.locale],
        panelId: id,
        user: { name: s.principal.name, id: s.principal.userId },
        nav: nav(s, id, unit),
        notice,
        error: opts.error ?? (failed ? noticeText(s.locale, noticeKey) : null),
        timeZone: s.settings.timeZone,
        ...data,
      });
      const status = opts.status ?? 200;
      if (pages?.keeping(req)) {
        const nonce = newNonce();
        pages.offer(req, { status, html: build(nonce), nonce, origins: s.settings.hostOrigins });
        return;
      }
      send(res, status, s.settings.hostOrigins, build);
    },
    async itemNames(agency, l) {
      const items = await deps.agencies.catalogue(agency);
      return new Map(items.map((i) => [i.code, { name: itemLabel(l, i), unit: i.unit, kind: i.kind }]));
    },
    userNames: (agency, ids) => deps.journal.people(agency, ids),
    unitNames: (agency) => deps.journal.unitNames(agency),
    subjectEntries: (agency, kind, subjectId, limit) => deps.journal.subjectEntries(agency, kind, subjectId, limit),
  };
}
