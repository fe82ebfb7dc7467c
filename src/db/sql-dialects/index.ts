import type { Knex } from 'knex';
import { dialectOf, type Dialect } from '../connection';
import type { SqlDialect } from './dialect';
import { MssqlDialect } from './mssql';
import { PostgresDialect } from './postgres';
import { SqliteDialect } from './sqlite';

export type { SqlDialect, DayKeys } from './dialect';
export { isUniqueViolation } from './dialect';

const byKnex = new WeakMap<Knex, SqlDialect>();

export function dialectForName(d: Dialect): SqlDialect {
  if (d === 'mssql') return new MssqlDialect();
  return d === 'sqlite' ? new SqliteDialect() : new PostgresDialect();
}

/** The dialect of a knex instance (one per instance: SQLite's prepared statements are cached in it). */
export function dialectFor(knex: Knex): SqlDialect {
  let d = byKnex.get(knex);
  if (!d) byKnex.set(knex, (d = dialectForName(dialectOf(knex))));
  return d;
}
