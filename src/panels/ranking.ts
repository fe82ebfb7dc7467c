/** The ranking (GET /ranking), for leaders, HR and admin: the agency's units ranked by mean score. */
import type { Router } from 'express';
import { periodOfDay } from '../domain/period';
import { formatPeriod, t } from '../i18n/i18n';
import { periodParam } from './forms';
import type { PanelKit } from './kit';
import { h, has, link } from './session';
import { enc, num, orderLinks, periodOptions, scoreClass } from './view-model';

export function mountRankingPanel(router: Router, kit: PanelKit): void {
  const { deps } = kit;

  router.get('/ranking', h(async (req, res) => kit.keptPage(req, res, 'ranking', async () => {
    const s = kit.requirePanelRole(req, 'ranking');
    const l = s.locale;
    const p = s.principal;
    const period = periodParam(req, periodOfDay(s.today, 'month'));
    const lowest = req.query.order === 'lowest';
    const [ranks, units] = await Promise.all([deps.scoring.ranking(p.agency, period.key, lowest), kit.unitNames(p.agency)]);
    const leaderUnit = await kit.leaderUnit(s);
    const canOpen = (u: string | null): boolean => u !== null && (has(s, 'hr') || (leaderUnit !== null && u === leaderUnit));
    const rows = ranks.map((r) => ({
      rank: r.rank, unitId: r.unitId, name: r.unitId === null ? t(l, 'ranking.noUnit') : units.get(r.unitId) ?? r.unitId,
      mean: r.mean === null ? '—' : num(l, r.mean), width: r.mean === null ? 0 : Math.max(0, Math.min(100, r.mean)), cls: scoreClass(r.mean),
      scoredCount: r.scoredCount, officialCount: r.officialCount, incomplete: r.incomplete,
      href: canOpen(r.unitId) ? link(s, `/unit/${enc(r.unitId as string)}`, { period: period.key }) : null,
    }));
    const here = (extra: Record<string, string | undefined>): string => link(s, '/ranking', { period: period.key, ...extra });
    await kit.page(req, res, 'ranking', 'ranking', {
      period: { key: period.key, label: formatPeriod(l, period.key) },
      picker: { action: `${s.base}/ranking`, ctx: s.out.token, options: periodOptions(s, period.key), order: lowest ? 'lowest' : 'highest' },
      orderLinks: orderLinks(here, lowest),
      rows,
    });
  })));
}
