import type { Knex } from 'knex';
import { dialectOf, type Dialect } from './connection';
import { chunkForParams } from './rows';

/**
 * What differs between the three databases, in one place. Each dialect answers the
 * same questions; the stores never branch on the client name themselves.
 */
export interface DialectQuirks {
  readonly name: Dialect;
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
  /** Whether an error is a passing conflict (deadlock, busy, serialization) worth retrying the transaction for. */
  isRetryable(e: unknown): boolean;
  /** A transaction that will write: whatever the dialect needs so that two writers wait for each other instead of failing. */
  writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /**
   * Reads one row and holds it locked until the transaction ends: a second transaction
   * asking for the same row waits, then reads what the first committed. `share` lets other
   * `share` readers through and keeps `update` ones waiting (on SQL Server it is `update` too).
   */
  lockedFirst(trx: Knex.Transaction, table: string, where: Record<string, unknown>, columns: string[], mode?: 'update' | 'share'): Promise<Record<string, unknown> | undefined>;
  /** Restricts a query on a table with `agency_code`, `user_id`, `day` to one agency's (official, days) keys, so that an index on those columns serves it. */
  whereDayKeys(q: Knex.QueryBuilder, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]>): Knex.QueryBuilder;
  /**
   * `agency_code, user_id, day` and then `sums` (aggregates over kpi_journal_entries) per
   * (official, day) of the agency's counted entries: of these keys, or of every day (null).
   */
  daySums(db: Knex | Knex.Transaction, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]> | null, sums: Knex.Raw[]): Knex.QueryBuilder;
  /**
   * Whether `addToDays` can add to roll-up rows in one statement (an upsert that adds); where
   * it cannot (SQL Server has no ON CONFLICT), the days are recomputed instead.
   */
  readonly addsToDays: boolean;
  /** Adds each row's sums to the roll-up row of its (agency, official, day), creating it when missing. */
  addToDays(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<void>;
}

const COUNTED = ['approved', 'pending'];

/** The plain GROUP BY (official, day) of the counted entries, for a whole agency or for OR terms of keys. */
function daySumsGrouped(db: Knex | Knex.Transaction, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]> | null, sums: Knex.Raw[]): Knex.QueryBuilder {
  const q = db('kpi_journal_entries').select(['agency_code', 'user_id', 'day', ...sums]).whereIn('status', COUNTED).groupBy('agency_code', 'user_id', 'day');
  return keys === null ? q.where('agency_code', agency) : dayKeysAsOr(q, agency, keys);
}

/**
 * One OR term per official, each naming the agency, so that every term is an index range of
 * its own (agency_code, user_id, day): with the agency outside the OR, SQLite reads all of
 * the agency's rows instead.
 */
function dayKeysAsOr(q: Knex.QueryBuilder, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]>): Knex.QueryBuilder {
  return q.where((w) => {
    for (const [userId, days] of keys) w.orWhere((x) => x.where('agency_code', agency).andWhere('user_id', userId).whereIn('day', [...days]));
  });
}

/** The keys as two parallel arrays (officials, days), for PostgreSQL's unnest. */
function keyArrays(keys: ReadonlyArray<readonly [string, readonly string[]]>): [string[], string[]] {
  const users: string[] = [];
  const days: string[] = [];
  for (const [userId, list] of keys) for (const d of list) { users.push(userId); days.push(d); }
  return [users, days];
}

const EVENT_COLUMNS = 10;


function byEventId(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return [...rows].sort((a, b) => (String(a.event_id) < String(b.event_id) ? -1 : String(a.event_id) > String(b.event_id) ? 1 : 0));
}

/** Multi-row INSERTs, chunked under the dialect's parameter limit. */
async function insertChunked(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[], maxParams: number): Promise<void> {
  if (rows.length === 0) return;
  for (const part of chunkForParams(rows, Object.keys(rows[0]!).length, maxParams)) await trx(table).insert(part);
}

/** PostgreSQL: `INSERT … ON CONFLICT DO NOTHING RETURNING` tells exactly which rows went in. */
class OnConflictQuirks implements DialectQuirks {
  constructor(readonly name: 'sqlite' | 'postgres', readonly maxParams: number) {}

  insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
    return insertChunked(trx, table, rows, this.maxParams);
  }

  /**
   * PostgreSQL's default work_mem (4 MB) makes a quarter's (official, day) grouping spill to
   * disk at province scale; give that one query, in its own transaction, room to sort in memory.
   */
  aggregate<T>(knex: Knex, work: (db: Knex) => Promise<T>): Promise<T> {
    if (this.name !== 'postgres') return work(knex);
    return knex.transaction(async (trx) => {
      await trx.raw("set local work_mem = '64MB'");
      return work(trx);
    });
  }

  writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return knex.transaction(work);
  }

  async lockedFirst(trx: Knex.Transaction, table: string, where: Record<string, unknown>, columns: string[], mode: 'update' | 'share' = 'update'): Promise<Record<string, unknown> | undefined> {
    // SQLite: the write transaction already holds the database's one write lock (see SqliteQuirks).
    const q = trx(table).where(where).first(...columns);
    if (this.name !== 'postgres') return q as Promise<Record<string, unknown> | undefined>;
    return (mode === 'share' ? q.forShare() : q.forUpdate()) as Promise<Record<string, unknown> | undefined>;
  }

  /**
   * PostgreSQL plans an OR of hundreds of terms slowly (150 ms of planning for 600 keys, 8 ms
   * to run); the keys as two arrays joined through unnest plan in 1 ms and run as index lookups.
   */
  whereDayKeys(q: Knex.QueryBuilder, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]>): Knex.QueryBuilder {
    if (this.name !== 'postgres') return dayKeysAsOr(q, agency, keys);
    return q.where('agency_code', agency).whereRaw('(user_id, day) in (select * from unnest(?::text[], ?::text[]))', keyArrays(keys));
  }

  readonly addsToDays = true;

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

  /**
   * PostgreSQL, for keys: one aggregate per key in a LATERAL subquery (which the planner
   * cannot flatten), so each is an index lookup on (agency_code, user_id, day) whatever the
   * statistics say — on a young table without them, a join chose to hash the agency's whole
   * journal at every refresh.
   */
  daySums(db: Knex | Knex.Transaction, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]> | null, sums: Knex.Raw[]): Knex.QueryBuilder {
    if (this.name !== 'postgres' || keys === null) return daySumsGrouped(db, agency, keys, sums);
    const perKey = db('kpi_journal_entries').select(sums).whereRaw('agency_code = ? and user_id = k.user_id and day = k.day', [agency]).whereIn('status', COUNTED);
    return db.select(db.raw('cast(? as text) as agency_code', [agency]), 'k.user_id', 'k.day', 's.a_t', 's.a_l', 's.a_p', 's.a_n', 's.p_t', 's.p_l', 's.p_p', 's.p_n')
      .from(db.raw('unnest(?::text[], ?::text[]) as k(user_id, day) cross join lateral (?) as s', [...keyArrays(keys), perKey]))
      .whereNotNull('s.a_n');
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
    // holds the write lock. The whole chunk is retried: nothing of it was committed.
    return code === '40001' || code === '40P01' || code === '23505' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
  }
}

interface SqliteStatement { run(...params: unknown[]): { changes: number } }
interface SqliteConnection { prepare(sql: string): SqliteStatement }

/**
 * SQLite (better-sqlite3) is in-process: a statement prepared once and run row by row inside
 * the transaction is its fastest path, while a fresh multi-row statement of thousands of
 * placeholders costs more to prepare than to run. So rows go through cached prepared
 * statements on the transaction's own connection, with the bindings knex would use
 * (dates as epoch milliseconds, booleans as 0/1). `ON CONFLICT DO NOTHING` per row tells
 * from `changes` whether the event was new.
 */
class SqliteQuirks extends OnConflictQuirks {
  private readonly cache = new WeakMap<object, Map<string, SqliteStatement>>();

  constructor() {
    super('sqlite', 30000);
  }

  /**
   * knex opens every SQLite transaction with a deferred `BEGIN`: it reads first and asks for the
   * write lock at its first write. When another process (a second `eoffice-kpi ingest`, the
   * server beside a CLI run) committed in between, SQLite cannot upgrade the stale snapshot and
   * answers SQLITE_BUSY at once, without waiting on busy_timeout; under steady contention every
   * retry can lose the same way. A write as the first statement (one that matches no row) takes
   * the write lock before anything is read, as `BEGIN IMMEDIATE` would: the second writer waits
   * on busy_timeout and then reads what the first committed. This works on any knex instance,
   * a host's own included, where a custom `BEGIN IMMEDIATE` client would not.
   */
  override writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return knex.transaction(async (trx) => {
      await trx.raw('update kpi_agencies set code = code where 1 = 0');
      return work(trx);
    });
  }

  private async statement(trx: Knex.Transaction, sql: string): Promise<SqliteStatement> {
    const conn = (await (trx.client as unknown as { acquireConnection(): Promise<SqliteConnection> }).acquireConnection());
    let byConn = this.cache.get(conn);
    if (!byConn) this.cache.set(conn, (byConn = new Map()));
    let stmt = byConn.get(sql);
    if (!stmt) byConn.set(sql, (stmt = conn.prepare(sql)));
    return stmt;
  }

  private static toBinding(v: unknown): unknown {
    if (v instanceof Date) return v.valueOf();
    if (typeof v === 'boolean') return v ? 1 : 0;
    return v === undefined ? null : v;
  }

  private static insertSql(table: string, columns: string[], suffix = ''): string {
    const q = (x: string) => `"${x.replace(/"/g, '""')}"`;
    return `insert into ${q(table)} (${columns.map(q).join(', ')}) values (${columns.map(() => '?').join(', ')})${suffix}`;
  }

  override async insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]!);
    const stmt = await this.statement(trx, SqliteQuirks.insertSql(table, columns));
    for (const r of rows) stmt.run(...columns.map((c) => SqliteQuirks.toBinding(r[c])));
  }

  override async insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (rows.length === 0) return inserted;
    const columns = Object.keys(rows[0]!);
    const stmt = await this.statement(trx, SqliteQuirks.insertSql('kpi_events', columns, ' on conflict ("agency_code", "event_id") do nothing'));
    for (const r of rows) {
      if (stmt.run(...columns.map((c) => SqliteQuirks.toBinding(r[c]))).changes > 0) inserted.add(String(r.event_id));
    }
    return inserted;
  }
}

/**
 * SQL Server has no `ON CONFLICT`: read the ids already there under UPDLOCK + HOLDLOCK (a
 * key-range lock that makes a concurrent inserter of the same ids wait for this
 * transaction), then insert the rest.
 */
class MssqlQuirks implements DialectQuirks {
  readonly name = 'mssql' as const;
  readonly maxParams = 2000;

  async insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>> {
    const byAgency = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) {
      const a = String(r.agency_code);
      if (!byAgency.has(a)) byAgency.set(a, []);
      byAgency.get(a)!.push(r);
    }
    const inserted = new Set<string>();
    for (const [agency, unsorted] of byAgency) {
      const list = byEventId(unsorted);
      const existing = new Set<string>();
      for (const part of chunkForParams(list.map((r) => String(r.event_id)), 1, this.maxParams - 1)) {
        const found = (await trx.select('event_id').from(trx.raw('?? with (updlock, holdlock)', ['kpi_events']))
          .where('agency_code', agency).whereIn('event_id', part)) as Array<{ event_id: string }>;
        for (const r of found) existing.add(r.event_id);
      }
      const fresh = list.filter((r) => !existing.has(String(r.event_id)));
      for (const part of chunkForParams(fresh, EVENT_COLUMNS, this.maxParams)) await trx('kpi_events').insert(part);
      for (const r of fresh) inserted.add(String(r.event_id));
    }
    return inserted;
  }

  insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
    return insertChunked(trx, table, rows, this.maxParams);
  }

  aggregate<T>(knex: Knex, work: (db: Knex) => Promise<T>): Promise<T> {
    return work(knex);
  }

  writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return knex.transaction(work);
  }

  async lockedFirst(trx: Knex.Transaction, table: string, where: Record<string, unknown>, columns: string[]): Promise<Record<string, unknown> | undefined> {
    const rows = (await trx.select(...columns).from(trx.raw('?? with (updlock, holdlock)', [table])).where(where)) as Array<Record<string, unknown>>;
    return rows[0];
  }

  whereDayKeys(q: Knex.QueryBuilder, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]>): Knex.QueryBuilder {
    return dayKeysAsOr(q, agency, keys);
  }

  daySums(db: Knex | Knex.Transaction, agency: string, keys: ReadonlyArray<readonly [string, readonly string[]]> | null, sums: Knex.Raw[]): Knex.QueryBuilder {
    return daySumsGrouped(db, agency, keys, sums);
  }

  readonly addsToDays = false;

  async addToDays(): Promise<void> {
    throw new Error('SQL Server recomputes roll-up days (no ON CONFLICT): see JournalDays.apply');
  }

  isRetryable(e: unknown): boolean {
    const n = (e as { number?: unknown })?.number;
    return n === 1205 || n === 2627 || n === 2601; // deadlock victim; a concurrent insert of the same key
  }
}

export function quirksFor(knex: Knex): DialectQuirks {
  return quirksForDialect(dialectOf(knex));
}

const quirksOfKnex = new WeakMap<Knex, DialectQuirks>();

/**
 * A transaction that writes, begun the way the database needs (see SqliteQuirks): the one
 * way services open a transaction.
 */
export function writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  let q = quirksOfKnex.get(knex);
  if (!q) quirksOfKnex.set(knex, (q = quirksFor(knex)));
  return q.writeTransaction(knex, work);
}

export function quirksForDialect(d: Dialect): DialectQuirks {
  if (d === 'mssql') return new MssqlQuirks();
  return d === 'sqlite' ? new SqliteQuirks() : new OnConflictQuirks('postgres', 30000);
}
