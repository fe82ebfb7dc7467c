/**
 * The admin page (GET /admin, POST /admin/events/:id/replay): the catalogue, the mapping
 * rules, the settings and the failed events, each of which can be replayed.
 */
import type { Router } from 'express';
import { formatInstant, t } from '../i18n/i18n';
import { ACTION } from './forms';
import type { PanelKit } from './kit';
import { form, h, link, redirect, requireCsrf } from './session';
import { enc, groupLabel, itemLabel, num } from './view-model';

export function mountAdminPanel(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  router.get('/admin', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'admin');
    const l = s.locale;
    const agency = s.principal.agency;
    const tz = s.settings.timeZone;
    const [catalogue, rules, failed] = await Promise.all([deps.agencies.catalogue(agency), deps.agencies.rules(agency), deps.journal.listEvents(agency, 'failed')]);
    const json = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v));
    await kit.page(req, res, 'admin', 'admin', {
      catalogue: catalogue.map((i) => ({
        code: i.code, name: itemLabel(l, i), unit: i.unit, minutes: num(l, i.standardMinutes), kind: i.kind === 'rated' ? t(l, 'admin.kindRated') : t(l, 'admin.kindCount'),
        group: groupLabel(l, i.group), active: i.active, max: num(l, i.maxQuantityPerEntry), version: i.version,
      })),
      rules: rules.map((r) => ({
        id: r.id, eventType: r.eventType, when: json(r.when), workItemCode: r.workItemCode, quantity: r.quantity === undefined ? '1' : json(r.quantity),
        coefficient: r.coefficient === undefined ? '1' : num(l, r.coefficient, 4), coefficientBy: json(r.coefficientBy), priority: r.priority, active: r.active,
      })),
      settings: Object.entries(s.settings).map(([key, value]) => ({ key, value: Array.isArray(value) ? (value.length ? value.join(', ') : '—') : String(value) })),
      failed: failed.map((e) => ({
        id: e.id, type: e.type, error: e.error, attempts: e.attempts, occurredAt: formatInstant(l, e.occurredAt, tz), receivedAt: formatInstant(l, e.receivedAt, tz),
        replay: form(s, `/admin/events/${enc(e.id)}/replay`, ACTION.replay(e.id)),
      })),
    });
  }));

  router.post('/admin/events/:id/replay', h(async (req, res) => {
    const id = String(req.params.id);
    requireCsrf(req, ACTION.replay(id));
    const s = kit.requirePanelRole(req, 'admin');
    const out = await deps.intake.replay(s.principal.agency, [id]);
    await deps.agencies.audit(s.principal.agency, s.principal.userId, 'events.replay', id, out);
    const ok = out.length > 0 && out.every((x) => x.status !== 'failed');
    redirect(res, link(s, '/admin', { notice: ok ? 'replayed' : 'replay-failed' }));
  }));
}
