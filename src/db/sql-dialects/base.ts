import type { Knex } from 'knex';
import { dayKeysAsOr, daySumsGrouped, insertChunked, type DayKeys, type SqlDialect } from './dialect';

/**
 * What every database does the same way unless its own class says otherwise: plain
 * multi-row inserts under the parameter limit, a plain transaction for a writer, a plain read
 * for a lock, OR terms of index ranges for day keys, a plain CTE. Each database's class
 * overrides what it does differently; nothing here asks which database it is.
 */
export abstract class BaseDialect implements SqlDialect {
  abstract readonly name: SqlDialect['name'];
  abstract readonly maxParams: number;
  abstract readonly addsToDays: boolean;
  abstract insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>>;
  abstract addToDays(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<void>;
  abstract isRetryable(e: unknown): boolean;

  insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
    return insertChunked(trx, table, rows, this.maxParams);
  }

  aggregate<T>(knex: Knex, work: (db: Knex) => Promise<T>): Promise<T> {
    return work(knex);
  }

  async eachRow(_db: Knex | Knex.Transaction, query: Knex.QueryBuilder, each: (row: Record<string, unknown>) => void): Promise<void> {
    for (const row of (await query) as Record<string, unknown>[]) each(row);
  }

  writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>, begun?: (trx: Knex.Transaction) => void): Promise<T> {
    return knex.transaction((trx) => {
      begun?.(trx);
      return work(trx);
    });
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

  daysOfFewUsers(_db: Knex | Knex.Transaction): string | Knex.Raw {
    return 'kpi_journal_days';
  }

  indexed(_db: Knex | Knex.Transaction, table: string, _index: string): string | Knex.Raw {
    return table;
  }
}
