/**
 * The reports page (GET /reports), for HR and admin: a period and units, the links to their
 * workbooks; and, for HR, the closing of a month or quarter (GET /reports/close, the
 * confirmation; POST /reports/close, the close itself; docs/hr.md). The close works once per
 * form token (submitOnce): sent twice, the period is closed and audited once and the second
 * POST goes where the first went.
 */
import type { Request, Response, Router } from 'express';
import { ForbiddenError, ValidationError, type KpiError } from '../domain/errors';
import { addDays, parsePeriod, periodOfDay, type Period } from '../domain/period';
import type { Locale } from '../domain/principal';
import { formatDay, formatPeriod, t } from '../i18n/i18n';
import { errorText, periodParam, submitOnce } from './forms';
import type { PanelKit } from './kit';
import { form, h, has, link, requireCsrf, str, type Session } from './session';
import { enc, periodOptions } from './view-model';

/** The `action` the close form's anti-forgery token is bound to. */
const closeAction = (period: string): string => `reports.close:${period}`;

/** HR may close; admin sees the reports but reopens through the API only. */
function requireCloser(kit: PanelKit, req: Request): Session {
  const s = kit.requirePanelRole(req, 'reports');
  if (!has(s, 'hr')) throw new ForbiddenError();
  return s;
}

/** Why a close was refused, in the viewer's language: the running period names its last day. */
function closeErrorText(l: Locale, e: KpiError, period: Period): string {
  if (e.code === 'period_running') return t(l, 'reports.close.errorRunning', { period: formatPeriod(l, period.key), day: formatDay(l, period.to) });
  if (e.code === 'reason_required') return t(l, 'reports.close.errorReason');
  if (e.code === 'period_not_started') return t(l, 'reports.close.notStarted');
  return errorText(l, e);
}

export function mountReportsPanel(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  router.get('/reports', h(async (req, res) => {
    const s = kit.requirePanelRole(req, 'reports');
    const l = s.locale;
    const units = await kit.unitNames(s.principal.agency);
    const chosen = req.query.period !== undefined && req.query.period !== '';
    // Unless one is chosen: the last quarter that has ended.
    const period = periodParam(req, periodOfDay(addDays(periodOfDay(s.today, 'quarter').from, -1), 'quarter'));
    const raw = req.query.unit;
    const selected = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((u): u is string => typeof u === 'string' && u !== '');
    for (const u of selected) if (!units.has(u)) throw new ValidationError(`unit: "${u}"`, 'unit');
    // The workbooks are served beside the panels (GET /reports/{period}.xlsx), and take the context token.
    const beside: Session = { ...s, base: s.base.replace(/\/panels$/, '') };
    const download = (unit: string | null): string => link(beside, `/reports/${enc(period.key)}.xlsx`, unit ? { unit } : {});
    const label = formatPeriod(l, period.key);
    const links = !chosen ? [] : selected.length === 0
      ? [{ label: t(l, 'reports.wholeAgency', { period: label }), href: download(null) }]
      : selected.map((u) => ({ label: t(l, 'reports.oneUnit', { unit: units.get(u) ?? u, period: label }), href: download(u) }));
    let closing: Record<string, unknown> | null = null;
    if (has(s, 'hr') && period.kind !== 'year') {
      const { status } = await deps.scoring.periodStatus(s.principal.agency, period.key);
      closing = {
        closed: status === 'closed',
        notStarted: period.from > s.today,
        href: link(s, '/reports/close', { period: period.key }),
        label,
      };
    }
    await kit.page(req, res, 'reports', 'reports', {
      picker: { action: `${s.base}/reports`, ctx: s.out.token, options: periodOptions(s, period.key, ['month', 'quarter', 'year']) },
      units: [...units.entries()].sort((a, b) => a[1].localeCompare(b[1], 'vi')).map(([id, name]) => ({ id, name, checked: selected.includes(id) })),
      links,
      closing,
      appealsLink: has(s, 'hr') && deps.requests ? link(s, '/reports/appeals') : null,
    });
  }));

  /** The confirmation: what the close leaves out (pending entries) and who is not classified yet (no general score). */
  async function confirmPage(req: Request, res: Response, period: Period, opts: { status?: number; error?: string; typed?: { applyQuota: boolean; force: boolean; reason: string } } = {}): Promise<void> {
    const s = requireCloser(kit, req);
    const l = s.locale;
    const [preview, units] = await Promise.all([deps.scoring.closePreview(s.principal.agency, period.key), kit.unitNames(s.principal.agency)]);
    const label = formatPeriod(l, period.key);
    const notStarted = period.from > s.today;
    await kit.page(req, res, 'reports', 'reports-close', {
      close: {
        period: preview.period,
        label,
        lastDay: formatDay(l, preview.lastDay),
        lastDayIso: preview.lastDay,
        running: preview.running && !notStarted,
        notStarted,
        closed: preview.status === 'closed',
        pendingEntries: preview.pendingEntries,
        missing: preview.missingGeneral.map((m) => ({ userId: m.userId, name: m.name, unit: m.unitId === null ? null : (units.get(m.unitId) ?? m.unitId) })),
        form: preview.status === 'closed' || notStarted ? null : form(s, '/reports/close', closeAction(preview.period)),
        typed: opts.typed ?? { applyQuota: false, force: false, reason: '' },
        back: link(s, '/reports', { period: preview.period }),
      },
    }, { status: opts.status ?? 200, error: opts.error ?? null, title: t(l, 'reports.close.confirmTitle', { period: label }) });
  }

  router.get('/reports/close', h(async (req, res) => {
    requireCloser(kit, req);
    const v = req.query.period;
    if (typeof v !== 'string' || v === '') throw new ValidationError('period: YYYY-MM | YYYY-Qn', 'period');
    await confirmPage(req, res, parsePeriod(v));
  }));

  router.post('/reports/close', h(async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const key = str(b.period) ?? '';
    requireCsrf(req, closeAction(key));
    const s = requireCloser(kit, req);
    const period = parsePeriod(key);
    const typed = { applyQuota: b.applyQuota === '1', force: b.force === '1', reason: str(b.reason) ?? '' };
    await submitOnce(req, res, deps.forms, '/reports', async () => {
      await deps.scoring.close(s.principal.agency, period.key, {
        applyQuota: typed.applyQuota, actor: s.principal.userId, force: typed.force, ...(typed.force ? { reason: typed.reason } : {}),
      });
      return { path: '/reports', params: { period: period.key, notice: 'closed' } };
    },
    // A refusal HR can act on (a running period, a missing reason, already closed): the confirmation again, saying why.
    (status, _error, refusal) => confirmPage(req, res, period, { status, error: closeErrorText(s.locale, refusal, period), typed }));
  }));
}
