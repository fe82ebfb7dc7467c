import type { Knex } from 'knex';
import { OnConflictDialect } from './on-conflict';

interface SqliteStatement { run(...params: unknown[]): { changes: number }; iterate(...params: unknown[]): IterableIterator<Record<string, unknown>> }
interface SqliteConnection { prepare(sql: string): SqliteStatement }
interface SqliteClient { acquireConnection(): Promise<SqliteConnection>; releaseConnection(conn: SqliteConnection): Promise<unknown>; emit(event: 'query' | 'query-response', ...args: unknown[]): void }

/**
 * SQLite (better-sqlite3) is in-process: a statement prepared once and run row by row inside
 * the transaction is its fastest path, while a fresh multi-row statement of thousands of
 * placeholders costs more to prepare than to run. So rows go through cached prepared
 * statements on the transaction's own connection, with the bindings knex would use
 * (dates as epoch milliseconds, booleans as 0/1). `ON CONFLICT DO NOTHING` per row tells
 * from `changes` whether the event was new.
 */
export class SqliteDialect extends OnConflictDialect {
  readonly name = 'sqlite' as const;
  private readonly cache = new WeakMap<object, Map<string, SqliteStatement>>();

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
  override writeTransaction<T>(knex: Knex, work: (trx: Knex.Transaction) => Promise<T>, begun?: (trx: Knex.Transaction) => void): Promise<T> {
    return knex.transaction(async (trx) => {
      begun?.(trx);
      await trx.raw('update kpi_agencies set code = code where 1 = 0');
      return work(trx);
    });
  }

  /**
   * Without statistics (nobody runs ANALYZE on an embedded database) SQLite guesses that
   * `agency_code = ?` matches ten rows, and so reads a unit's 30 officials through the covering
   * day index — the whole agency's period: 0.8 s instead of 2 ms on 2,000,000 entries. The
   * primary key (agency, user, day) is named instead; SQLite calls the index of a table's
   * PRIMARY KEY constraint `sqlite_autoindex_<table>_1` (a test reads the plan).
   */
  override daysOfFewUsers(db: Knex | Knex.Transaction): Knex.Raw {
    return db.raw('?? indexed by ??', ['kpi_journal_days', 'sqlite_autoindex_kpi_journal_days_1']);
  }

  /** Without statistics SQLite reads a month's events by time even when an index on the actor serves the query (an ORDER BY … LIMIT tips it). */
  override indexed(db: Knex | Knex.Transaction, table: string, index: string): Knex.Raw {
    return db.raw('?? indexed by ??', [table, index]);
  }

  private async statement(trx: Knex.Transaction, sql: string): Promise<SqliteStatement> {
    const conn = (await (trx.client as unknown as { acquireConnection(): Promise<SqliteConnection> }).acquireConnection());
    let byConn = this.cache.get(conn);
    if (!byConn) this.cache.set(conn, (byConn = new Map()));
    let stmt = byConn.get(sql);
    if (!stmt) byConn.set(sql, (stmt = conn.prepare(sql)));
    return stmt;
  }

  /**
   * Rows one at a time from better-sqlite3's iterator on a connection of knex's pool (or the
   * transaction's own): knex would first build the whole result as an array.
   */
  override async eachRow(db: Knex | Knex.Transaction, query: Knex.QueryBuilder, each: (row: Record<string, unknown>) => void): Promise<void> {
    const { sql, bindings } = query.toSQL().toNative();
    const client = db.client as unknown as SqliteClient;
    const inTransaction = (db as { isTransaction?: boolean }).isTransaction === true;
    const conn = await client.acquireConnection();
    // Told to knex's `query` and `query-response` listeners as knex tells its own reads (a host's query log, tests).
    const told = { method: 'select', sql, bindings, options: {} };
    client.emit('query', told);
    try {
      for (const row of conn.prepare(sql).iterate(...bindings.map(SqliteDialect.toBinding))) each(row);
      client.emit('query-response', undefined, told);
    } finally {
      if (!inTransaction) await client.releaseConnection(conn);
    }
  }

  private static toBinding(v: unknown): unknown {
    if (v instanceof Date) return v.valueOf();
    if (typeof v === 'boolean') return v ? 1 : 0;
    return v === undefined ? null : v;
  }

  /** A row's values as better-sqlite3 binds them, in its keys' order (every row of a call has the same keys in the same order). */
  private static bindings(r: Record<string, unknown>): unknown[] {
    const out = Object.values(r);
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      if (v === undefined) out[i] = null;
      else if (typeof v === 'boolean') out[i] = v ? 1 : 0;
      else if (v instanceof Date) out[i] = v.valueOf();
    }
    return out;
  }

  private static insertSql(table: string, columns: string[], suffix = ''): string {
    const q = (x: string) => `"${x.replace(/"/g, '""')}"`;
    return `insert into ${q(table)} (${columns.map(q).join(', ')}) values (${columns.map(() => '?').join(', ')})${suffix}`;
  }

  override async insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const stmt = await this.statement(trx, SqliteDialect.insertSql(table, Object.keys(rows[0]!)));
    for (const r of rows) stmt.run(SqliteDialect.bindings(r));
  }

  override async insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (rows.length === 0) return inserted;
    const stmt = await this.statement(trx, SqliteDialect.insertSql('kpi_events', Object.keys(rows[0]!), ' on conflict ("agency_code", "event_id") do nothing'));
    for (const r of rows) {
      if (stmt.run(SqliteDialect.bindings(r)).changes > 0) inserted.add(String(r.event_id));
    }
    return inserted;
  }

  /**
   * The roll-up's upsert that adds, through a cached prepared statement row by row (knex would
   * compile a 500-term compound SELECT per call, 6 ms each): rows in key order, as sumsOf sorts them.
   */
  override async addToDays(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]!);
    const sums = columns.filter((c) => c !== 'agency_code' && c !== 'user_id' && c !== 'day');
    const stmt = await this.statement(trx, SqliteDialect.insertSql('kpi_journal_days', columns,
      ` on conflict ("agency_code", "user_id", "day") do update set ${sums.map((c) => `"${c}" = "kpi_journal_days"."${c}" + excluded."${c}"`).join(', ')}`));
    for (const r of rows) stmt.run(SqliteDialect.bindings(r));
  }
}

