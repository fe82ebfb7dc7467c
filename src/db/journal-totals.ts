import type { Knex } from 'knex';
import type { PeriodTotals, TotalsQuery, UserTotals } from '../stores';
import type { SqlDialect } from './sql-dialects';
import { chunkForParams, toNum } from './rows';

/**
 * C, CL, CT per official after the daily cap, and the days over the cap with their T(d),
 * in ONE statement over the daily roll-up's (official, day) rows (journal-days.ts): summed
 * per official and, in the same result, the days over the cap (unless `overDays` is false).
 * Nothing is loaded per entry, so a province's quarter scores in one query. The roll-up must
 * already hold the query's penalties (KnexJournalStore.periodTotals ensures it).
 */
export async function periodTotals(knex: Knex, quirks: SqlDialect, p: TotalsQuery): Promise<PeriodTotals> {
  const totals = new Map<string, UserTotals>();
  const overDays = new Map<string, Array<{ day: string; minutes: number }>>();
  const days = new Map<string, string>();
  const pending = p.statuses.includes('pending');
  const approved = p.statuses.includes('approved');
  const run = (userIds?: string[]) => quirks.aggregate(knex, async (k) => {
    // One row per (official, day) from the roll-up: the counted statuses' sums added up.
    const pick = (col: string) => [approved ? `a_${col}` : null, pending ? `p_${col}` : null].filter((c): c is string => c !== null).join(' + ') || '0';
    let inner = k.from(userIds ? quirks.daysOfFewUsers(k) : 'kpi_journal_days')
      .select('user_id', 'day')
      .select(k.raw(`${pick('t')} as t`))
      .select(k.raw(`${pick('l')} as ml`))
      .select(k.raw(`${pick('p')} as mt`))
      .select(k.raw(`${pick('n')} as n`))
      .where('agency_code', p.agency)
      .andWhere('day', '>=', p.from)
      .andWhere('day', '<=', p.to)
      .andWhereRaw(`${pick('n')} > 0`);
    if (userIds) inner = inner.whereIn('user_id', userIds);
    const cap = p.capMinutes;
    const clipped = (col: string) => (p.clip ? k.raw(`sum(case when t > cast(? as float) then ${col} * cast(? as float) / t else ${col} end)`, [cap, cap]) : k.raw(`sum(${col})`));
    // The per-official branch is a subquery of its own: knex would put its GROUP BY after the UNION.
    const perOfficial = k.select('user_id', k.raw('null as day'))
      .select(k.raw('? as c', [p.clip ? k.raw('sum(case when t > cast(? as float) then cast(? as float) else t end)', [cap, cap]) : k.raw('sum(t)')]))
      .select(k.raw('? as cl', [clipped('ml')]))
      .select(k.raw('? as ct', [clipped('mt')]))
      .select(k.raw('sum(case when t > cast(? as float) then 1 else 0 end) as over_days', [cap]))
      .select(k.raw('count(*) as days_logged'))
      .select(k.raw('sum(n) as entries'))
      .from('d')
      .groupBy('user_id');
    // Inlined where the database would otherwise materialise it (see PostgresDialect.withInlined).
    const q = quirks.withInlined(k.queryBuilder(), 'd', inner);
    const perOfficialOnly = q.select('*').from(perOfficial.as('per_official'));
    const all = p.overDays === false ? perOfficialOnly : perOfficialOnly
      .unionAll((u) => {
        u.select('user_id', 'day', k.raw('t as c'), k.raw('0 as cl'), k.raw('0 as ct'), k.raw('0 as over_days'), k.raw('0 as days_logged'), k.raw('0 as entries'))
          .from('d').whereRaw('t > cast(? as float)', [cap]);
      });
    await quirks.eachRow(k, all, (r) => {
      const userId = String(r.user_id);
      if (r.day === null || r.day === undefined) {
        totals.set(userId, { userId, C: toNum(r.c), CL: toNum(r.cl), CT: toNum(r.ct), overDays: toNum(r.over_days), daysLogged: toNum(r.days_logged), entries: toNum(r.entries) });
      } else {
        const list = overDays.get(userId) ?? [];
        const raw = String(r.day);
        // One string per day of the period, not one per row (a province's quarter has ~100,000 days over the cap).
        let day = days.get(raw);
        if (day === undefined) days.set(raw, (day = raw));
        list.push({ day, minutes: toNum(r.c) });
        overDays.set(userId, list);
      }
    });
  });
  if (p.userIds === undefined) await run();
  else for (const part of chunkForParams(p.userIds, 1, quirks.maxParams - 20)) await run(part);
  for (const list of overDays.values()) list.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return { totals, overDays };
}
