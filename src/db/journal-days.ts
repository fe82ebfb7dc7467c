import type { Knex } from 'knex';
import { penaltyFactor } from '../scoring/day-totals';
import type { DayKey } from '../domain/journal';
import type { DayEntry, Penalties } from '../stores';
import { isUniqueViolation, type SqlDialect } from './sql-dialects';

export type { DayEntry, DayKey, Penalties };

const STATE = 'kpi_journal_days_state';
const DAYS = 'kpi_journal_days';
const COLUMNS = ['agency_code', 'user_id', 'day', 'a_t', 'a_l', 'a_p', 'a_n', 'p_t', 'p_l', 'p_p', 'p_n'];


/**
 * The daily roll-ups of the journal (migrations/20261203000001_journal_days.ts), kept by KnexJournalStore: one row
 * per (agency, official, day) with the sums a score needs before the daily cap, approved
 * and pending apart, so that scoring reads one row per official and day instead of
 * grouping every entry of the period.
 *
 * Two ways to keep them: NEW entries (the intake's bulk) are added to their day's row by
 * an upsert that adds (one statement, no read of the journal; adding a term is as exact as
 * any SQL SUM). Any other change (a status, minutes, fails or delays changed, an entry moved
 * or deleted) recomputes the rows of the days it touched from the entries themselves, never
 * by subtracting, so no rounding drift builds up. Recomputing writers lock the agency's state
 * row for update, adding writers for share, so that no day is recomputed from a snapshot that
 * misses another writer's entries, and a rebuild (when the profile's penalties change, or
 * the first score builds the roll-up) waits for both. SQL Server, which has no upsert that
 * adds, recomputes every touched day.
 */
export class JournalDays {
  constructor(private readonly quirks: SqlDialect) {}

  /** Recomputes the rows of `keys` in the caller's transaction, after it changed entries of those days (call it last). */
  refresh(trx: Knex.Transaction, agency: string, keys: Iterable<DayKey>): Promise<void> {
    return this.apply(trx, agency, [], keys);
  }

  /**
   * Brings the rows in step with what the caller's transaction did: `added` entries it
   * inserted, and the days of `changed` entries it updated or deleted. Call it last in the
   * transaction: the lock it takes is then held only until the commit.
   */
  async apply(trx: Knex.Transaction, agency: string, added: readonly DayEntry[], changed: Iterable<DayKey>): Promise<void> {
    const recompute = new Map<string, Set<string>>();
    const mark = (userId: string, day: string) => {
      let days = recompute.get(userId);
      if (!days) recompute.set(userId, (days = new Set()));
      days.add(day);
    };
    for (const k of changed) mark(k.userId, k.day);
    if (!this.quirks.addsToDays) for (const e of added) mark(e.userId, e.day);
    const adding = this.quirks.addsToDays ? added.filter((e) => !recompute.get(e.userId)?.has(e.day)) : [];
    if (recompute.size === 0 && adding.length === 0) return;
    const state = await this.quirks.lockedFirst(trx, STATE, { agency_code: agency }, ['fail_penalty', 'delay_penalty'], recompute.size > 0 ? 'update' : 'share');
    // Not built yet: the first score builds it whole, from whatever is committed by then.
    if (!state || state.fail_penalty === null || state.fail_penalty === undefined) return;
    const penalties = { fail: Number(state.fail_penalty), delay: Number(state.delay_penalty) };
    if (adding.length > 0) await this.quirks.addToDays(trx, this.sumsOf(agency, adding, penalties));
    for (const part of this.keyParts(recompute)) {
      await this.quirks.whereDayKeys(trx(DAYS), agency, part).delete();
      await this.insertSums(trx, agency, part, penalties);
    }
  }

  /** New entries summed per (official, day), as the SQL of sumColumns would sum them. */
  private sumsOf(agency: string, entries: readonly DayEntry[], p: Penalties): Record<string, unknown>[] {
    const rows = new Map<string, { agency_code: string; user_id: string; day: string } & Record<'a_t' | 'a_l' | 'a_p' | 'a_n' | 'p_t' | 'p_l' | 'p_p' | 'p_n', number>>();
    for (const e of entries) {
      if (e.status !== 'approved' && e.status !== 'pending') continue;
      const key = `${e.userId}\u0000${e.day}`;
      let r = rows.get(key);
      if (!r) rows.set(key, (r = { agency_code: agency, user_id: e.userId, day: e.day, a_t: 0, a_l: 0, a_p: 0, a_n: 0, p_t: 0, p_l: 0, p_p: 0, p_n: 0 }));
      const s = e.status === 'approved' ? 'a' : 'p';
      r[`${s}_t`] += e.minutes;
      r[`${s}_l`] += e.minutes * penaltyFactor(p.fail, e.fails);
      r[`${s}_p`] += e.minutes * penaltyFactor(p.delay, e.delays);
      r[`${s}_n`] += 1;
    }
    // In key order: two transactions adding to overlapping days then lock their rows in the
    // same order, and wait for each other instead of deadlocking.
    return [...rows.values()].sort((x, y) => (x.user_id === y.user_id ? (x.day < y.day ? -1 : x.day > y.day ? 1 : 0) : String(x.user_id) < String(y.user_id) ? -1 : 1));
  }

  /**
   * Brings the agency's roll-up to these penalties: nothing to do when it was built with
   * them; otherwise every row is recomputed, in one transaction, under the writers' lock.
   * Returns whether it rebuilt.
   */
  async ensure(knex: Knex, agency: string, penalties: Penalties): Promise<boolean> {
    const current = await knex(STATE).where({ agency_code: agency }).first('fail_penalty', 'delay_penalty');
    if (current && this.matches(current, penalties)) return false;
    if (!current) {
      // An agency added by hand, without its state row: add it (a concurrent caller may win the race).
      try {
        await knex(STATE).insert({ agency_code: agency, fail_penalty: null, delay_penalty: null, built_at: null });
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    }
    return this.quirks.writeTransaction(knex, async (trx) => {
      const state = await this.quirks.lockedFirst(trx, STATE, { agency_code: agency }, ['fail_penalty', 'delay_penalty']);
      if (state && this.matches(state, penalties)) return false;
      await trx(DAYS).where('agency_code', agency).delete();
      await this.insertSums(trx, agency, null, penalties);
      await trx(STATE).where({ agency_code: agency }).update({ fail_penalty: penalties.fail, delay_penalty: penalties.delay, built_at: new Date() });
      return true;
    });
  }

  private matches(state: Record<string, unknown>, p: Penalties): boolean {
    return state.fail_penalty !== null && state.fail_penalty !== undefined && Number(state.fail_penalty) === p.fail && Number(state.delay_penalty) === p.delay;
  }

  /** Inserts the rows of these keys (or of every day: null) as the journal sums them. */
  private async insertSums(trx: Knex.Transaction, agency: string, keys: Array<[string, string[]]> | null, penalties: Penalties): Promise<void> {
    await trx.into(trx.raw(`?? (${COLUMNS.map(() => '??').join(', ')})`, [DAYS, ...COLUMNS])).insert(this.quirks.daySums(trx, agency, keys, this.sumColumns(trx, penalties)));
  }

  /** Σ per status of m, m·(fail factor), m·(delay factor) and 1, named as the roll-up's columns. */
  private sumColumns(db: Knex | Knex.Transaction, p: Penalties): Knex.Raw[] {
    // max(0, 1 − penalty × n) written as CASE so every dialect computes it the same way.
    const factor = (col: string, penalty: number) => db.raw(`case when 1 - cast(? as float) * ${col} < 0 then 0 else 1 - cast(? as float) * ${col} end`, [penalty, penalty]);
    const of = (status: string, expr: Knex.Raw | string, as: string) => db.raw(`sum(case when status = ? then ${typeof expr === 'string' ? expr : '?'} else 0 end) as ${as}`, typeof expr === 'string' ? [status] : [status, expr]);
    const cols: Knex.Raw[] = [];
    for (const [status, s] of [['approved', 'a'], ['pending', 'p']] as const) {
      cols.push(of(status, 'minutes', `${s}_t`), of(status, db.raw('minutes * (?)', [factor('fails', p.fail)]), `${s}_l`), of(status, db.raw('minutes * (?)', [factor('delays', p.delay)]), `${s}_p`), of(status, '1', `${s}_n`));
    }
    return cols;
  }

  /** The keys split so that one statement binds fewer parameters than the dialect allows. */
  private *keyParts(byUser: ReadonlyMap<string, ReadonlySet<string>>): Generator<Array<[string, string[]]>> {
    const budget = this.quirks.maxParams - 40;
    let part: Array<[string, string[]]> = [];
    let used = 0;
    for (const [userId, days] of byUser) {
      let list = [...days];
      while (list.length > 0) {
        const room = budget - used - 2;
        if (room < 1) {
          yield part;
          part = [];
          used = 0;
          continue;
        }
        const take = list.slice(0, room);
        list = list.slice(take.length);
        part.push([userId, take]);
        used += 2 + take.length;
      }
    }
    if (part.length > 0) yield part;
  }
}
