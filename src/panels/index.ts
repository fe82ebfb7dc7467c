/**
 * The server-rendered panels of docs/integrators.md (panels and API), which the host embeds in its own screens
 * (an iframe, or a fragment its server fetches), Vietnamese first.
 *
 * | path | roles (from plugin-manifest.json) | shows | file |
 * | --- | --- | --- | --- |
 * | GET /document/:id, /task/:id | official, leader, hr, admin | the entries the subject produced that the viewer may see | subject.ts |
 * | GET /me, POST /me/entries, POST /me/entries/:id/withdraw | official | today, month, quarter; formula; journal; add an entry | me.ts |
 * | GET /unit/:unitId, POST …/entries/:id/approve, /return, /rate, POST …/assessments | leader of the unit, hr | members' scores, approval queue, general criteria, quota | unit.ts |
 * | GET /ranking | leader, hr, admin | units ranked by mean score | ranking.ts |
 * | GET /reports; GET, POST /reports/close (hr only) | hr, admin | period and units, the workbook links; closing a period after a confirmation | reports.ts |
 * | GET /admin, POST /admin/events/:id/replay | admin | catalogue, rules, settings, failed events | admin.ts |
 * | GET /admin/catalogue…, POST …/import, /adopt, /items; GET /admin/handbook | admin, hr (writes: admin, HR if allowed) | edit, import and export the catalogue; the KPI handbook | admin-catalogue.ts |
 *
 * Security (session.ts, context-token.ts): who is looking comes from the host's JWT or the
 * plugin's own context token; every state-changing form is a POST carrying a per-form token;
 * CSP with `frame-ancestors` = the agency's host origins, no script, styles only by nonce.
 * Templates escape every value (views/render.ts); role and scope are checked on every route.
 */
import express, { type Router } from 'express';
import { mountAdminPanel } from './admin';
import { mountAdminCataloguePanels } from './admin-catalogue';
import { mountAppealsPanel } from './appeals';
import { panelErrorPage, panelNotFound } from './errors';
import { createKit, type PanelsDeps } from './kit';
import { mountMePanel } from './me';
import { mountRankingPanel } from './ranking';
import { mountReportsPanel } from './reports';
import { securityHeaders, sessionMiddleware } from './session';
import { mountSubjectPanels } from './subject';
import { mountUnitPanel } from './unit';

export type { PanelsDeps } from './kit';
export { gaugeArc, scoreClass } from './view-model';

export function createPanelsRouter(deps: PanelsDeps): Router {
  const router = express.Router();
  const kit = createKit(deps);
  router.use(securityHeaders);
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 }));
  router.use(sessionMiddleware(deps.auth, deps.agencies, deps.clock ?? (() => new Date())));
  for (const mount of [mountSubjectPanels, mountMePanel, mountUnitPanel, mountRankingPanel, mountReportsPanel, mountAdminPanel, mountAppealsPanel]) mount(router, kit);
  if (deps.catalogue) mountAdminCataloguePanels(router, kit, deps.catalogue);
  router.use(panelNotFound);
  router.use(panelErrorPage(kit));
  return router;
}
