import type { Knex } from 'knex';
import type { Dialect } from '../connection';
import { chunkForParams, MAX_INSERT_ROWS } from '../rows';

export type DayKeys = ReadonlyArray<readonly [string, readonly string[]]>;

/**
 * What differs between the three databases, in one place. Each dialect answers the
 * same questions; the stores never branch on the client name themselves.
 */
export interface SqlDialect {
  readonly name: Dialect;
  /** A common table expression the planner should inline (PostgreSQL would otherwise materialise it). */
  withInlined(qb: Knex.QueryBuilder, name: string, inner: Knex.QueryBuilder): Knex.QueryBuilder;
  /**
   * The daily roll-up as the table of a query that names a few users (one unit, one official):
   * the users, not the period, must lead the planner into the table (see SqliteDialect).
   */
  daysOfFewUsers(db: Knex | Knex.Transaction): string | Knex.Raw;
  /**
   * A table to be read through the named index, where the planner has no statistics to choose it
   * (SQLite: `INDEXED BY`); elsewhere the table itself, and the planner chooses.
   */
  indexed(db: Knex | Knex.Transaction, table: string, index: string): string | Knex.Raw;
  /** Bound parameters one statement may carry (SQL Server refuses 2100 and more). */
  readonly maxParams: number;
  /**
   * Inserts the rows whose `(agency_code, event_id)` is not stored yet and returns the
   * ids it inserted. Safe when two processes insert the same id at once: exactly one
   * of them gets it back.
   */
  insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>>;
  /** Inserts many rows of one shape (same keys in the same order) into a table, in the caller's transaction. */
  insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void>;
  /** Runs a large aggregate query (a period's scores) with whatever the dialect needs for it. */
  aggregate<T>(knex: Knex, work: (db: Knex) => Promise<T>): Promise<T>;
  /**
   * Hands each row of a read to `each`, in order, without holding them all where the driver
   * can iterate (SQLite: a province's quarter is 100,000 rows that need not live at once).
   */
  eachRow(db: Knex | Knex.Transaction, query: Knex.QueryBuilder, each: (row: Record<string, unknown>) => void): Promise<void>;
  /** Whether an error is a passing conflict (deadlock, busy, serialization) worth retrying the transaction for. */
  isRetryable(e: unknown): boolean;
  /**
   * A transaction that will write: whatever the dialect needs so that two writers wait for each
   * other instead of failing. `begun` sees the transaction before any statement of it runs.
   */
  writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>, begun?: (trx: Knex.Transaction) => void): Promise<T>;
  /**
   * Reads one row and holds it locked until the transaction ends: a second transaction
   * asking for the same row waits, then reads what the first committed. `share` lets other
   * `share` readers through and keeps `update` ones waiting (on SQL Server it is `update` too).
   */
  lockedFirst(trx: Knex.Transaction, table: string, where: Record<string, unknown>, columns: string[], mode?: 'update' | 'share'): Promise<Record<string, unknown> | undefined>;
  /** Restricts a query on a table with `agency_code`, `user_id`, `day` to one agency's (official, days) keys, so that an index on those columns serves it. */
  whereDayKeys(q: Knex.QueryBuilder, agency: string, keys: DayKeys): Knex.QueryBuilder;
  /**
   * `agency_code, user_id, day` and then `sums` (aggregates over kpi_journal_entries) per
   * (official, day) of the agency's counted entries: of these keys, or of every day (null).
   */
  daySums(db: Knex | Knex.Transaction, agency: string, keys: DayKeys | null, sums: Knex.Raw[]): Knex.QueryBuilder;
  /**
   * Whether `addToDays` can add to roll-up rows in one statement (an upsert that adds); where
   * it cannot (SQL Server has no ON CONFLICT), the days are recomputed instead.
   */
  readonly addsToDays: boolean;
  /** Adds each row's sums to the roll-up row of its (agency, official, day), creating it when missing. */
  addToDays(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<void>;
}

export const COUNTED = ['approved', 'pending'];

/** The plain GROUP BY (official, day) of the counted entries, for a whole agency or for OR terms of keys. */
export function daySumsGrouped(db: Knex | Knex.Transaction, agency: string, keys: DayKeys | null, sums: Knex.Raw[]): Knex.QueryBuilder {
  const q = db('kpi_journal_entries').select(['agency_code', 'user_id', 'day', ...sums]).whereIn('status', COUNTED).groupBy('agency_code', 'user_id', 'day');
  return keys === null ? q.where('agency_code', agency) : dayKeysAsOr(q, agency, keys);
}

/**
 * One OR term per official, each naming the agency, so that every term is an index range of
 * its own (agency_code, user_id, day): with the agency outside the OR, SQLite reads all of
 * the agency's rows instead.
 */
export function dayKeysAsOr(q: Knex.QueryBuilder, agency: string, keys: DayKeys): Knex.QueryBuilder {
  return q.where((w) => {
    for (const [userId, days] of keys) w.orWhere((x) => x.where('agency_code', agency).andWhere('user_id', userId).whereIn('day', [...days]));
  });
}

/** The keys as two parallel arrays (officials, days), for PostgreSQL's unnest. */
export function keyArrays(keys: DayKeys): [string[], string[]] {
  const users: string[] = [];
  const days: string[] = [];
  for (const [userId, list] of keys) for (const d of list) { users.push(userId); days.push(d); }
  return [users, days];
}

export const EVENT_COLUMNS = 11;

export function byEventId(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return [...rows].sort((a, b) => (String(a.event_id) < String(b.event_id) ? -1 : String(a.event_id) > String(b.event_id) ? 1 : 0));
}

/** Multi-row INSERTs, chunked under the dialect's parameter limit. */
export async function insertChunked(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[], maxParams: number): Promise<void> {
  if (rows.length === 0) return;
  for (const part of chunkForParams(rows, Object.keys(rows[0]!).length, maxParams, MAX_INSERT_ROWS)) await trx(table).insert(part);
}


/** A unique key refused the row, on any of the three databases. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown; number?: unknown } | null;
  if (err?.code === '23505') return true; // PostgreSQL
  if (err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || err?.code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  return err?.number === 2627 || err?.number === 2601; // SQL Server
}
