import type { Knex } from 'knex';
import { byEventId, COUNTED, daySumsGrouped, insertChunked, keyArrays, type DayKeys } from './dialect';
import { OnConflictDialect } from './on-conflict';

/**
 * The array type each column of the intake's bulk tables is sent as through `unnest` (the
 * column's own type, or text for a varchar: text is assigned to varchar as it is).
 */
const COLUMN_TYPES: Record<string, Record<string, string>> = {
  kpi_events: {
    agency_code: 'text', event_id: 'text', type: 'text', actor_id: 'text', occurred_at: 'timestamptz', received_at: 'timestamptz', payload: 'text', status: 'text',
    error: 'text', attempts: 'int4', source: 'text',
  },
  kpi_journal_entries: {
    agency_code: 'text', user_id: 'text', unit_id: 'text', day: 'text', work_item_code: 'text', item_version: 'int4', item_kind: 'text',
    standard_minutes: 'float8', quantity: 'float8', coefficient: 'float8', rating: 'float8', minutes: 'float8', status: 'text', source: 'text',
    event_id: 'text', rule_id: 'text', subject_kind: 'text', subject_id: 'text', subject_title: 'text', fails: 'int4', delays: 'int4', late: 'bool',
    completes: 'bool', note: 'text', review_reason: 'text', reviewed_by: 'text', reviewed_at: 'timestamptz', occurred_at: 'timestamptz',
    created_at: 'timestamptz', updated_at: 'timestamptz',
  },
  kpi_marks: {
    agency_code: 'text', subject_kind: 'text', subject_id: 'text', event_id: 'text', user_id: 'text', kind: 'text', excused: 'bool',
    new_due_at: 'timestamptz', at: 'timestamptz',
  },
  kpi_journal_days: {
    agency_code: 'text', user_id: 'text', day: 'text', a_t: 'float8', a_l: 'float8', a_p: 'float8', a_n: 'int4', p_t: 'float8', p_l: 'float8', p_p: 'float8', p_n: 'int4',
  },
};

/**
 * `INSERT … SELECT * FROM unnest($1::type[], …)`: one array per column, so a statement has as
 * many parameters as the table has columns whatever the rows, and PostgreSQL parses and plans
 * one short statement instead of 15,000 placeholders (what knex's multi-row VALUES sends for 500
 * journal entries). Null when the table or a column has no known type (the caller then uses
 * knex). Dates go as ISO strings, which pg would otherwise format one by one in local time.
 */
function unnestInsert(table: string, rows: readonly Record<string, unknown>[], suffix = ''): { sql: string; bindings: readonly Knex.RawBinding[] } | null {
  const types = COLUMN_TYPES[table];
  if (!types || rows.length === 0) return null;
  const columns = Object.keys(rows[0]!);
  if (columns.some((c) => types[c] === undefined)) return null;
  const arrays: unknown[][] = columns.map(() => new Array(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let j = 0; j < columns.length; j++) {
      const v = r[columns[j]!];
      arrays[j]![i] = v === undefined ? null : v instanceof Date ? v.toISOString() : v;
    }
  }
  const sql = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) select * from unnest(${columns.map((c) => `?::${types[c]}[]`).join(', ')})${suffix}`;
  return { sql, bindings: arrays as unknown as Knex.RawBinding[] };
}

/** PostgreSQL: row locks for the roll-up's writers, and plans that stay index lookups at province scale. */
export class PostgresDialect extends OnConflictDialect {
  readonly name = 'postgres' as const;

  override async insertMany(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
    const q = unnestInsert(table, rows);
    if (q === null) return insertChunked(trx, table, rows, this.maxParams);
    await trx.raw(q.sql, q.bindings);
  }

  /** One unnest INSERT … ON CONFLICT DO NOTHING RETURNING, in event id order (see OnConflictDialect). */
  override async insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>> {
    const q = unnestInsert('kpi_events', byEventId(rows), ' on conflict ("agency_code", "event_id") do nothing returning "event_id"');
    if (q === null) return super.insertNewEvents(trx, rows);
    const res = (await trx.raw(q.sql, q.bindings)) as { rows: Array<{ event_id: string }> };
    return new Set(res.rows.map((r) => r.event_id));
  }

  /** The adding upsert as one unnest statement, rows in key order (sumsOf sorts them) so that writers lock days in the same order. */
  override async addToDays(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const sums = Object.keys(rows[0]!).filter((c) => c !== 'agency_code' && c !== 'user_id' && c !== 'day');
    const q = unnestInsert('kpi_journal_days', rows, ` on conflict ("agency_code", "user_id", "day") do update set ${sums.map((c) => `"${c}" = "kpi_journal_days"."${c}" + excluded."${c}"`).join(', ')}`);
    if (q === null) return super.addToDays(trx, rows);
    await trx.raw(q.sql, q.bindings);
  }

  /**
   * PostgreSQL's default work_mem (4 MB) makes a quarter's (official, day) grouping spill to
   * disk at province scale; give that one query, in its own transaction, room to sort in memory.
   */
  override aggregate<T>(knex: Knex, work: (db: Knex) => Promise<T>): Promise<T> {
    return knex.transaction(async (trx) => {
      await trx.raw("set local work_mem = '64MB'");
      return work(trx);
    });
  }

  /** FOR UPDATE, or FOR SHARE so that adding writers let each other through. */
  override lockedFirst(trx: Knex.Transaction, table: string, where: Record<string, unknown>, columns: string[], mode: 'update' | 'share' = 'update'): Promise<Record<string, unknown> | undefined> {
    const q = trx(table).where(where).first(...columns);
    return (mode === 'share' ? q.forShare() : q.forUpdate()) as Promise<Record<string, unknown> | undefined>;
  }

  /**
   * PostgreSQL plans an OR of hundreds of terms slowly (150 ms of planning for 600 keys, 8 ms
   * to run); the keys as two arrays joined through unnest plan in 1 ms and run as index lookups.
   */
  override whereDayKeys(q: Knex.QueryBuilder, agency: string, keys: DayKeys): Knex.QueryBuilder {
    return q.where('agency_code', agency).whereRaw('(user_id, day) in (select * from unnest(?::text[], ?::text[]))', keyArrays(keys));
  }

  /**
   * PostgreSQL, for keys: one aggregate per key in a LATERAL subquery (which the planner
   * cannot flatten), so each is an index lookup on (agency_code, user_id, day) whatever the
   * statistics say — on a young table without them, a join chose to hash the agency's whole
   * journal at every refresh.
   */
  override daySums(db: Knex | Knex.Transaction, agency: string, keys: DayKeys | null, sums: Knex.Raw[]): Knex.QueryBuilder {
    if (keys === null) return daySumsGrouped(db, agency, keys, sums);
    const perKey = db('kpi_journal_entries').select(sums).whereRaw('agency_code = ? and user_id = k.user_id and day = k.day', [agency]).whereIn('status', COUNTED);
    return db.select(db.raw('cast(? as text) as agency_code', [agency]), 'k.user_id', 'k.day', 's.a_t', 's.a_l', 's.a_p', 's.a_n', 's.p_t', 's.p_l', 's.p_p', 's.p_n')
      .from(db.raw('unnest(?::text[], ?::text[]) as k(user_id, day) cross join lateral (?) as s', [...keyArrays(keys), perKey]))
      .whereNotNull('s.a_n');
  }

  /**
   * Not materialised: PostgreSQL then scans the roll-up twice in parallel instead of writing
   * and re-reading a 600,000-row temporary result (measured: 380 ms against 850 ms for a
   * province's quarter).
   */
  override withInlined(qb: Knex.QueryBuilder, name: string, inner: Knex.QueryBuilder): Knex.QueryBuilder {
    return qb.withNotMaterialized(name, inner);
  }
}
