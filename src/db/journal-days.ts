import type { Knex } from 'knex';
import { writeTransaction, type DialectQuirks } from './dialects';
import { isUniqueViolation } from './knex-agency-store';

/** An official's local day whose entries changed. */
export interface DayKey { userId: string; day: string }

export interface Penalties { fail: number; delay: number }

const STATE = 'kpi_journal_days_state';
const DAYS = 'kpi_journal_days';
const COLUMNS = ['agency_code', 'user_id', 'day', 'a_t', 'a_l', 'a_p', 'a_n', 'p_t', 'p_l', 'p_p', 'p_n'];

/**
 * The daily roll-ups of the journal (migrations/20261203000001_journal_days.ts): one row
 * per (agency, official, day) with the sums a score needs before the daily cap, approved
 * and pending apart, so that scoring reads one row per official and day instead of
 * grouping every entry of the period.
 *
 * Rows are never adjusted by differences: a change recomputes the rows of the days it
 * touched from the entries themselves, so a roll-up is always exactly the sum its entries
 * would give. Writers lock the agency's state row first, so two processes never recompute
 * the same day from different snapshots; the state row also says which penalties the
 * sums were computed with, and scoring rebuilds the agency's rows when the profile's
 * penalties differ (or the roll-up was never built).
 */
export class JournalDays {
  constructor(private readonly quirks: DialectQuirks) {}

  /**
   * Recomputes the rows of `keys` in the caller's transaction, after it changed entries of
   * those days. Call it last in the transaction: it takes the agency's roll-up lock, which
   * is then held only until the commit.
   */
  async refresh(trx: Knex.Transaction, agency: string, keys: Iterable<DayKey>): Promise<void> {
    const byUser = new Map<string, Set<string>>();
    for (const k of keys) {
      let days = byUser.get(k.userId);
      if (!days) byUser.set(k.userId, (days = new Set()));
      days.add(k.day);
    }
    if (byUser.size === 0) return;
    const state = await this.quirks.lockedFirst(trx, STATE, { agency_code: agency }, ['fail_penalty', 'delay_penalty']);
    // Not built yet: the first score builds it whole, from whatever is committed by then.
    if (!state || state.fail_penalty === null || state.fail_penalty === undefined) return;
    const penalties = { fail: Number(state.fail_penalty), delay: Number(state.delay_penalty) };
    for (const part of this.keyParts(byUser)) {
      const where = (q: Knex.QueryBuilder) => q.where((w) => {
        for (const [userId, days] of part) w.orWhere((x) => x.where('user_id', userId).whereIn('day', days));
      });
      await where(trx(DAYS).where('agency_code', agency)).delete();
      await trx.into(trx.raw(`?? (${COLUMNS.map(() => '??').join(', ')})`, [DAYS, ...COLUMNS])).insert(where(this.sums(trx, agency, penalties)));
    }
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
    return writeTransaction(knex, async (trx) => {
      const state = await this.quirks.lockedFirst(trx, STATE, { agency_code: agency }, ['fail_penalty', 'delay_penalty']);
      if (state && this.matches(state, penalties)) return false;
      await trx(DAYS).where('agency_code', agency).delete();
      await trx.into(trx.raw(`?? (${COLUMNS.map(() => '??').join(', ')})`, [DAYS, ...COLUMNS])).insert(this.sums(trx, agency, penalties));
      await trx(STATE).where({ agency_code: agency }).update({ fail_penalty: penalties.fail, delay_penalty: penalties.delay, built_at: new Date() });
      return true;
    });
  }

  private matches(state: Record<string, unknown>, p: Penalties): boolean {
    return state.fail_penalty !== null && state.fail_penalty !== undefined && Number(state.fail_penalty) === p.fail && Number(state.delay_penalty) === p.delay;
  }

  /** The grouped sums of an agency's counted entries, in the roll-up's column order. */
  private sums(db: Knex | Knex.Transaction, agency: string, p: Penalties): Knex.QueryBuilder {
    // max(0, 1 − penalty × n) written as CASE so every dialect computes it the same way (as the score store did).
    const factor = (col: string, penalty: number) => db.raw(`case when 1 - cast(? as float) * ${col} < 0 then 0 else 1 - cast(? as float) * ${col} end`, [penalty, penalty]);
    const of = (status: string, expr: Knex.Raw | string) => db.raw(`sum(case when status = ? then ${typeof expr === 'string' ? expr : '?'} else 0 end)`, typeof expr === 'string' ? [status] : [status, expr]);
    const cols: Array<Knex.Raw | string> = ['agency_code', 'user_id', 'day'];
    for (const status of ['approved', 'pending']) {
      cols.push(of(status, 'minutes'), of(status, db.raw(`minutes * (?)`, [factor('fails', p.fail)])), of(status, db.raw(`minutes * (?)`, [factor('delays', p.delay)])), of(status, '1'));
    }
    return db('kpi_journal_entries').select(cols).where('agency_code', agency).whereIn('status', ['approved', 'pending']).groupBy('agency_code', 'user_id', 'day');
  }

  /** The keys split so that one statement binds fewer parameters than the dialect allows. */
  private *keyParts(byUser: Map<string, Set<string>>): Generator<Array<[string, string[]]>> {
    const budget = this.quirks.maxParams - 40;
    let part: Array<[string, string[]]> = [];
    let used = 0;
    for (const [userId, days] of byUser) {
      let list = [...days];
      while (list.length > 0) {
        const room = budget - used - 1;
        if (room < 1) {
          yield part;
          part = [];
          used = 0;
          continue;
        }
        const take = list.slice(0, room);
        list = list.slice(take.length);
        part.push([userId, take]);
        used += 1 + take.length;
      }
    }
    if (part.length > 0) yield part;
  }
}
