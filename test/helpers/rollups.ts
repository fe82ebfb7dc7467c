import { expect } from 'chai';
import type { Knex } from 'knex';

/**
 * The daily roll-ups of an agency as its entries say they must be, computed here in plain
 * code from every entry row (independently of the SQL that maintains them), against the
 * rows in kpi_journal_days. `penalties` are the profile's (0.25 each for nd335).
 */
export async function expectRollupsMatchEntries(knex: Knex, agency: string, penalties = { fail: 0.25, delay: 0.25 }): Promise<number> {
  const want = new Map<string, Record<string, number>>();
  const factor = (p: number, n: number) => Math.max(0, 1 - p * n);
  for (const e of await knex('kpi_journal_entries').where({ agency_code: agency }).select('user_id', 'day', 'status', 'minutes', 'fails', 'delays')) {
    if (e.status !== 'approved' && e.status !== 'pending') continue;
    const key = `${e.user_id}|${e.day}`;
    const s = e.status === 'approved' ? 'a' : 'p';
    const row = want.get(key) ?? { a_t: 0, a_l: 0, a_p: 0, a_n: 0, p_t: 0, p_l: 0, p_p: 0, p_n: 0 };
    const m = Number(e.minutes);
    row[`${s}_t`]! += m;
    row[`${s}_l`]! += m * factor(penalties.fail, Number(e.fails));
    row[`${s}_p`]! += m * factor(penalties.delay, Number(e.delays));
    row[`${s}_n`]! += 1;
    want.set(key, row);
  }
  const got = new Map<string, Record<string, number>>();
  for (const r of await knex('kpi_journal_days').where({ agency_code: agency })) {
    got.set(`${r.user_id}|${r.day}`, { a_t: Number(r.a_t), a_l: Number(r.a_l), a_p: Number(r.a_p), a_n: Number(r.a_n), p_t: Number(r.p_t), p_l: Number(r.p_l), p_p: Number(r.p_p), p_n: Number(r.p_n) });
  }
  expect([...got.keys()].sort(), 'the (official, day)s of the roll-up').to.deep.equal([...want.keys()].sort());
  for (const [key, w] of want) {
    const g = got.get(key)!;
    for (const c of Object.keys(w)) expect(g[c], `${key} ${c}`).to.be.closeTo(w[c]!, 1e-6);
  }
  return want.size;
}
