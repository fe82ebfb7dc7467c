import type { DemoPersonKey } from '../../src/demo/demo-people';
import type { DemoServer } from '../helpers/demo-server';

/**
 * Every page the browser tests visit: ONE list, extended by appending. Each is looked at by
 * the demo person `as`, at every width of test/helpers/browser.ts (axe-core, no sideways
 * scrolling, a screenshot).
 *
 * - `panel`: the plugin's panel path (under /panels), opened with the person's host JWT;
 *   `panelId` is the panel's id (its `<body class="panel-…">`).
 * - `host`: the mock E-Office's page that frames that panel (the panel must load inside it),
 *   or a host page of its own when there is no `panel`.
 *
 * A new page is one more row, e.g. an admin sub-page with no host page of its own:
 * `{ name: 'admin-catalogue', as: 'admin', panelId: 'admin', panel: () => '/panels/admin/catalogue' }`.
 */
export interface VisitedPage {
  name: string;
  as: DemoPersonKey;
  panel?: (d: DemoServer) => string;
  panelId?: string;
  host?: (d: DemoServer) => string;
}

/** The newest document and task the official worked on. */
function officialSubject(d: DemoServer, kind: 'document' | 'task'): string {
  const id = d.person('official').id;
  const e = [...d.demo.data.events].reverse().find((x) => x.subject.kind === kind && (x.actor.id === id || x.data.assigneeId === id || (Array.isArray(x.data.assignees) && (x.data.assignees as Array<{ userId: string }>).some((a) => a.userId === id))));
  if (!e) throw new Error(`the demo official has no ${kind}`);
  return encodeURIComponent(e.subject.id);
}

export const PAGES: VisitedPage[] = [
  { name: 'host-list', as: 'official', host: () => '/?as=official' },
  { name: 'host-document', as: 'official', host: (d) => `/eoffice/documents/${officialSubject(d, 'document')}?as=official` },
  { name: 'me', as: 'official', panelId: 'me', panel: () => '/panels/me', host: () => '/eoffice/kpi?as=official&panel=me' },
  { name: 'document', as: 'official', panelId: 'document', panel: (d) => `/panels/document/${officialSubject(d, 'document')}`, host: (d) => `/eoffice/documents/${officialSubject(d, 'document')}?as=official&tab=kpi` },
  { name: 'task', as: 'official', panelId: 'task', panel: (d) => `/panels/task/${officialSubject(d, 'task')}`, host: (d) => `/eoffice/tasks/${officialSubject(d, 'task')}?as=official&tab=kpi` },
  { name: 'unit', as: 'leader', panelId: 'unit', panel: (d) => `/panels/unit/${encodeURIComponent(d.person('leader').unitId)}`, host: () => '/eoffice/kpi?as=leader&panel=unit' },
  { name: 'ranking', as: 'hr', panelId: 'ranking', panel: () => '/panels/ranking', host: () => '/eoffice/kpi?as=hr&panel=ranking' },
  { name: 'reports', as: 'hr', panelId: 'reports', panel: () => '/panels/reports', host: () => '/eoffice/kpi?as=hr&panel=reports' },
  { name: 'admin', as: 'admin', panelId: 'admin', panel: () => '/panels/admin', host: () => '/eoffice/kpi?as=admin&panel=admin' },
  { name: 'admin-settings', as: 'admin', panelId: 'admin', panel: () => '/panels/admin/settings' },
  { name: 'admin-rule-new', as: 'admin', panelId: 'admin', panel: () => '/panels/admin/rules/new' },
  { name: 'admin-integration', as: 'admin', panelId: 'admin', panel: () => '/panels/admin/integration' },
  { name: 'admin-catalogue', as: 'admin', panelId: 'admin', panel: () => '/panels/admin/catalogue' },
  { name: 'admin-handbook', as: 'hr', panelId: 'admin', panel: () => '/panels/admin/handbook' },
];
