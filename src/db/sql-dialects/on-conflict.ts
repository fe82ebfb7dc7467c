import type { Knex } from 'knex';
import { chunkForParams, MAX_INSERT_ROWS } from '../rows';
import { BaseDialect } from './base';
import { byEventId, EVENT_COLUMNS } from './dialect';

/**
 * What PostgreSQL and SQLite share: `INSERT … ON CONFLICT`, which tells exactly which rows
 * went in and lets the roll-up add to a day in one statement.
 */
export abstract class OnConflictDialect extends BaseDialect {
  readonly maxParams: number = 30000;
  readonly addsToDays = true;

  /** `INSERT … ON CONFLICT DO UPDATE SET a_t = a_t + excluded.a_t, …`: atomic, so concurrent writers add without losing each other's sums. */
  async addToDays(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const sums = Object.keys(rows[0]!).filter((c) => !['agency_code', 'user_id', 'day'].includes(c));
    const merge: Record<string, Knex.Raw> = {};
    for (const c of sums) merge[c] = trx.raw('?? + excluded.??', [`kpi_journal_days.${c}`, c]);
    for (const part of chunkForParams(rows, Object.keys(rows[0]!).length, this.maxParams, MAX_INSERT_ROWS)) {
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
