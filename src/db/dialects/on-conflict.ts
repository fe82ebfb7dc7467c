import type { Knex } from 'knex';
import { chunkForParams } from '../rows';
import { byEventId, dayKeysAsOr, daySumsGrouped, EVENT_COLUMNS, insertChunked, type DayKeys, type SqlDialect } from './dialect';

/**
 * What PostgreSQL and SQLite share: `INSERT … ON CONFLICT`, which tells exactly which rows
 * went in and lets the roll-up add to a day in one statement. Each database's own class
 * overrides what it does differently; nothing here asks which database it is.
 */
export abstract class OnConflictDialect implements SqlDialect {
  abstract readonly name: 'sqlite' | 'postgres';
  readonly maxParams: number = 30000;
  readonly addsToDays = true;

  insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
    return insertChunked(trx, table, rows, this.maxParams);
  }

  aggregate<T>(knex: Knex, work: (db: Knex) => Promise<T>): Promise<T> {
    return work(knex);
  }

  writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return knex.transaction(work);
  }

  lockedFirst(trx: Knex.Transaction, table: string, where: Record<string, unknown>, columns: string[], _mode: 'update' | 'share' = 'update'): Promise<Record<string, unknown> | undefined> {
    return trx(table).where(where).first(...columns) as Promise<Record<string, unknown> | undefined>;
  }

  whereDayKeys(q: Knex.QueryBuilder, agency: string, keys: DayKeys): Knex.QueryBuilder {
    return dayKeysAsOr(q, agency, keys);
  }

  daySums(db: Knex | Knex.Transaction, agency: string, keys: DayKeys | null, sums: Knex.Raw[]): Knex.QueryBuilder {
    return daySumsGrouped(db, agency, keys, sums);
  }

  withInlined(qb: Knex.QueryBuilder, name: string, inner: Knex.QueryBuilder): Knex.QueryBuilder {
    return qb.with(name, inner);
  }

  /** `INSERT … ON CONFLICT DO UPDATE SET a_t = a_t + excluded.a_t, …`: atomic, so concurrent writers add without losing each other's sums. */
  async addToDays(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const sums = Object.keys(rows[0]!).filter((c) => !['agency_code', 'user_id', 'day'].includes(c));
    const merge: Record<string, Knex.Raw> = {};
    for (const c of sums) merge[c] = trx.raw('?? + excluded.??', [`kpi_journal_days.${c}`, c]);
    for (const part of chunkForParams(rows, Object.keys(rows[0]!).length, this.maxParams)) {
      await trx('kpi_journal_days').insert(part).onConflict(['agency_code', 'user_id', 'day']).merge(merge);
    }
  }

  async insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    // Always the same order: two transactions taking overlapping batches then lock the unique
    // index entries in the same order, and wait for each other instead of deadlocking.
    for (const part of chunkForParams(byEventId(rows), EVENT_COLUMNS, this.maxParams)) {
      const got = (await trx('kpi_events').insert(part).onConflict(['agency_code', 'event_id']).ignore().returning(['event_id'])) as Array<{ event_id: string }>;
      for (const r of got) inserted.add(r.event_id);
    }
    return inserted;
  }

  isRetryable(e: unknown): boolean {
    const code = (e as { code?: unknown })?.code;
    // 40001 serialization, 40P01 deadlock, 23505 a concurrent insert of the same key (an
    // assignment made by two different events at once); SQLITE_BUSY when another process
    // holds the write lock. The whole transaction is retried: nothing of it was committed.
    return code === '40001' || code === '40P01' || code === '23505' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
  }
}
