import type { Knex } from 'knex';
import { openDb, parseDbUrl, type Dialect, type DbTarget } from '../db/connection';
import { chunkForParams, toDate } from '../db/rows';
import { ConfigError } from '../domain/errors';

/** The columns every host view has: the event envelope (docs/pull.md). */
export const ENVELOPE_COLUMNS = ['event_id', 'event_type', 'occurred_at', 'actor_id', 'subject_kind', 'subject_id', 'data', 'updated_at'] as const;

/** One row of the host's view, as the driver returns it. */
export type HostRow = Record<string, unknown>;

/** A position in the view's keyset order `(updated_at, event_id)`. */
export interface KeysetMark { updatedAt: Date; eventId: string }

/** Bound parameters one statement may carry on SQL Server (it refuses 2100 and more). */
const MAX_PARAMS = 2000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}(\.[A-Za-z_][A-Za-z0-9_]{0,127})?$/;

/** `view` or `schema.view`: a plain identifier, never SQL. */
export function checkIdentifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new ConfigError(what, `phải là tên bảng/view dạng ten_view hoặc schema.ten_view (must be a plain view name), nhận "${name}"`);
  return name;
}

/**
 * The host's view, read-only: pages in `(updated_at, event_id)` order after a mark (keyset
 * pagination: each page is one bounded query, nothing is loaded whole), the rows of a time
 * window, and rows by id. Every query binds under SQL Server's 2100 parameters. On SQLite
 * (a stand-in host, for trying and testing) the instants are ISO-8601 UTC text.
 */
export class HostView {
  readonly dialect: Dialect;
  private readonly columns: string[];

  constructor(private readonly knex: Knex, dialect: Dialect, private readonly view: string, extraColumns: readonly string[] = []) {
    this.dialect = dialect;
    checkIdentifier(view, 'view');
    for (const c of extraColumns) checkIdentifier(c, 'pull.columns');
    this.columns = [...new Set([...ENVELOPE_COLUMNS, ...extraColumns])];
  }

  /** Opens a source URL (`mssql://…`, `postgres://…`, `sqlite:…`) with a small pool. */
  static open(url: string, view: string, extraColumns: readonly string[] = [], variable = '--source'): HostView {
    const target: DbTarget = parseDbUrl(url, variable);
    const config = { ...target.config, pool: { min: 0, max: 2 } };
    // The stand-in SQLite host keeps the pragmas of the plugin's own connection (WAL, busy timeout).
    if (target.dialect === 'sqlite') config.pool = { ...(target.config.pool as object), min: 1, max: 1 };
    return new HostView(openDb({ ...target, config }), target.dialect, view, extraColumns);
  }

  /** How an instant is bound in a comparison with the view's columns. */
  private at(d: Date): Date | string {
    return this.dialect === 'sqlite' ? d.toISOString() : d;
  }

  private select(): Knex.QueryBuilder {
    return this.knex(this.view).select(this.columns);
  }

  /** At most `limit` rows after `after` (from the start when null), in keyset order. */
  page(after: KeysetMark | null, limit: number): Promise<HostRow[]> {
    const q = this.select().whereNotNull('updated_at').orderBy([{ column: 'updated_at' }, { column: 'event_id' }]).limit(limit);
    if (after !== null) {
      const at = this.at(after.updatedAt);
      // `(updated_at, event_id) > (at, id)`, written so that every database reads it as a range of
      // the (updated_at, event_id) index from `at` on (SQL Server has no row-value comparison).
      q.andWhere('updated_at', '>=', at).andWhere((w) => w.where('updated_at', '>', at).orWhere('event_id', '>', after.eventId));
    }
    return q as Promise<HostRow[]>;
  }

  /** At most `limit` rows whose `occurred_at` is in `[from, to)`, after the id `afterId`, in id order: a window read page by page. */
  window(from: Date, to: Date, afterId: string | null, limit: number): Promise<HostRow[]> {
    const q = this.knex(this.view).select('event_id', 'event_type', 'occurred_at')
      .where('occurred_at', '>=', this.at(from)).andWhere('occurred_at', '<', this.at(to)).whereNotNull('event_id').orderBy('event_id').limit(limit);
    if (afterId !== null) q.andWhere('event_id', '>', afterId);
    return q as Promise<HostRow[]>;
  }

  /** The rows of these ids (any number: split under the parameter limit). */
  async byIds(ids: readonly string[]): Promise<HostRow[]> {
    const out: HostRow[] = [];
    for (const part of chunkForParams([...ids], 1, MAX_PARAMS)) out.push(...((await this.select().whereIn('event_id', part).orderBy([{ column: 'updated_at' }, { column: 'event_id' }])) as HostRow[]));
    return out;
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}

/** An instant from the view (a Date from SQL Server and PostgreSQL, ISO text from SQLite), or null. */
export function hostInstant(v: unknown): Date | null {
  return toDate(v);
}
