/** The reports page (GET /reports), for HR and admin: a period and units, the links to their workbooks. */
import type { Router } from 'express';
import { ValidationError } from '../domain/errors';
import { addDays, periodOfDay } from '../domain/period';
import { formatPeriod, t } from '../i18n/i18n';
import { periodParam } from './forms';
import type { PanelKit } from './kit';
import { h } from './session';
import { enc, periodOptions } from './view-model';

export function mountReportsPanel(router: Router, kit: PanelKit): void {
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
    const root = s.base.replace(/\/panels$/, '');
    const file = `${root}/reports/${enc(period.key)}.xlsx`;
    const download = (unit: string | null): string => `${file}?${new URLSearchParams({ ...(unit ? { unit } : {}), ctx: s.out.token }).toString()}`;
    const label = formatPeriod(l, period.key);
    const links = !chosen ? [] : selected.length === 0
      ? [{ label: t(l, 'reports.wholeAgency', { period: label }), href: download(null) }]
      : selected.map((u) => ({ label: t(l, 'reports.oneUnit', { unit: units.get(u) ?? u, period: label }), href: download(u) }));
    await kit.page(req, res, 'reports', 'reports', {
      picker: { action: `${s.base}/reports`, ctx: s.out.token, options: periodOptions(s, period.key, ['month', 'quarter', 'year']) },
      units: [...units.entries()].sort((a, b) => a[1].localeCompare(b[1], 'vi')).map(([id, name]) => ({ id, name, checked: selected.includes(id) })),
      links,
    });
  }));
}
