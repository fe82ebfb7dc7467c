/**
 * The admin page (GET /admin): the settings in words (the form: admin-settings.ts), the failed
 * events, each replayable, and all of one type at once (POST /admin/events/:id/replay,
 * POST /admin/replay-type), the catalogue, and the mapping rules with their editor and "try
 * it" (admin-rules.ts); GET /admin/integration, the integration check: the events received per
 * type, failures, the clock skew seen in the host's tokens and the webhook's address.
 * A replay form works once per form token (submitOnce): sent twice, the events are replayed
 * and audited once, and the second POST goes where the first went; replaying again takes a
 * fresh page's form.
 */
import type { Request, Router } from 'express';
import { CLOCK_TOLERANCE_S } from '../http/auth';
import { formatInstant, t } from '../i18n/i18n';
import type { MappingRule } from '../rules/mapping';
import { eventTypeLabel, factor, mountAdminRules } from './admin-rules';
import { mountAdminSettings, settingsSummary } from './admin-settings';
import { ACTION, rethrow, submitOnce } from './forms';
import type { PanelKit } from './kit';
import { form, h, link, requireCsrf, str } from './session';
import { enc, groupLabel, itemLabel, num } from './view-model';
import type { Locale } from '../domain/principal';

/** A rule's conditions and coefficient tables in words: `subject.docType: cong-van, to-trinh`. */
function ruleInWords(l: Locale, r: MappingRule): { when: string; coefficient: string; quantity: string } {
  const when = Object.entries(r.when ?? {}).map(([path, v]) => `${path}: ${(Array.isArray(v) ? v : [v]).map(String).join(', ')}`).join('; ');
  const tables = Object.entries(r.coefficientBy ?? {}).map(([path, table]) => `${path}: ${Object.entries(table).map(([k, f]) => `${k} × ${factor(l, f)}`).join(', ')}`);
  const q = r.quantity;
  return {
    when: when === '' ? t(l, 'admin.always') : when,
    coefficient: [factor(l, r.coefficient ?? 1), ...tables].join('; '),
    quantity: q === undefined ? '1' : typeof q === 'number' ? num(l, q) : t(l, 'admin.quantityFrom', { path: q.path }),
  };
}

/** The webhook's address as the host must call it: this request's origin and the plugin's base path. */
function webhookUrl(req: Request, panelsBase: string): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${panelsBase.replace(/\/panels$/, '')}/events`;
}

export function mountAdminPanel(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  router.get('/admin', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'admin');
    const l = s.locale;
    const agency = s.principal.agency;
    const tz = s.settings.timeZone;
    const [catalogue, rules, failed] = await Promise.all([deps.agencies.catalogue(agency), deps.agencies.rules(agency), deps.journal.listEvents(agency, 'failed')]);
    const failedTypes = [...new Set(failed.map((e) => e.type))].sort();
    await kit.page(req, res, 'admin', 'admin', {
      catalogue: catalogue.map((i) => ({
        code: i.code, name: itemLabel(l, i), unit: i.unit, minutes: num(l, i.standardMinutes), kind: i.kind === 'rated' ? t(l, 'admin.kindRated') : t(l, 'admin.kindCount'),
        group: groupLabel(l, i.group), active: i.active, max: num(l, i.maxQuantityPerEntry), version: i.version,
      })),
      rules: rules.map((r) => ({
        id: r.id, eventType: eventTypeLabel(l, r.eventType), workItemCode: r.workItemCode, ...ruleInWords(l, r), priority: r.priority, active: r.active,
        edit: link(s, `/admin/rules/${enc(r.id)}`),
      })),
      newRule: link(s, '/admin/rules/new'),
      tryForm: form(s, '/admin/rules-try', ACTION.ruleTry),
      event: '', eventId: '',
      settings: settingsSummary(l, s.settings),
      settingsLink: link(s, '/admin/settings'),
      integrationLink: link(s, '/admin/integration'),
      failed: failed.map((e) => ({
        id: e.id, type: e.type, error: e.error, attempts: e.attempts, occurredAt: formatInstant(l, e.occurredAt, tz), receivedAt: formatInstant(l, e.receivedAt, tz),
        replay: form(s, `/admin/events/${enc(e.id)}/replay`, ACTION.replay(e.id)),
      })),
      replayType: failedTypes.length ? { form: form(s, '/admin/replay-type', ACTION.replayType), types: failedTypes.map((type) => ({ value: type, count: failed.filter((e) => e.type === type).length })) } : null,
    });
  }));

  router.post('/admin/events/:id/replay', h(async (req, res) => {
    const id = String(req.params.id);
    requireCsrf(req, ACTION.replay(id));
    const s = kit.requirePanelRole(req, 'admin');
    await submitOnce(req, res, deps.forms, '/admin', async () => {
      const out = await deps.intake.replay(s.principal.agency, [id]);
      await deps.agencies.audit(s.principal.agency, s.principal.userId, 'events.replay', id, out);
      const ok = out.length > 0 && out.every((x) => x.status !== 'failed');
      return { path: '/admin', params: { notice: ok ? 'replayed' : 'replay-failed' } };
    }, rethrow);
  }));

  router.post('/admin/replay-type', h(async (req, res) => {
    requireCsrf(req, ACTION.replayType);
    const s = kit.requirePanelRole(req, 'admin');
    const type = str(((req.body ?? {}) as Record<string, unknown>).type) ?? '';
    await submitOnce(req, res, deps.forms, '/admin', async () => {
      const out = await deps.intake.replayType(s.principal.agency, type);
      const failedAgain = out.filter((x) => x.status === 'failed').length;
      await deps.agencies.audit(s.principal.agency, s.principal.userId, 'events.replay-type', type, { count: out.length, failed: failedAgain });
      return { path: '/admin', params: { notice: out.length > 0 && failedAgain === 0 ? 'replayed' : 'replay-failed' } };
    }, rethrow);
  }));

  router.get('/admin/integration', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'admin');
    const l = s.locale;
    const agency = s.principal.agency;
    const tz = s.settings.timeZone;
    const [types, record] = await Promise.all([deps.intake.eventTypes(agency), deps.agencies.requireAgency(agency)]);
    const skew = deps.skew?.of(agency) ?? null;
    const worst = skew ? Math.max(Math.abs(skew.min), Math.abs(skew.max)) : 0;
    await kit.page(req, res, 'admin', 'admin-integration', {
      back: link(s, '/admin'),
      webhook: webhookUrl(req, s.base),
      issuer: record.issuer,
      origins: s.settings.hostOrigins,
      types: types.map((x) => ({
        type: x.type, received: x.received, failed: x.failed, last: x.lastReceivedAt ? formatInstant(l, x.lastReceivedAt.toISOString(), tz) : '—',
        lastId: x.last?.id ?? '', lastFailed: x.last?.status === 'failed', lastError: x.last?.error ?? null,
      })),
      totalFailed: types.reduce((n, x) => n + x.failed, 0),
      skew: skew ? { last: skew.last, min: skew.min, max: skew.max, count: skew.count, at: formatInstant(l, skew.at.toISOString(), tz), risky: worst > CLOCK_TOLERANCE_S / 2 } : null,
      tolerance: CLOCK_TOLERANCE_S,
      failedLink: link(s, '/admin'),
    }, { title: t(l, 'integration.title') });
  }));

  mountAdminRules(router, kit);
  mountAdminSettings(router, kit);
}
