import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { ConfigError } from '../domain/errors';

export type Dialect = 'sqlite' | 'postgres' | 'mssql';

export const DEFAULT_DB_URL = 'sqlite:./data/kpi.sqlite';

export interface DbTarget {
  dialect: Dialect;
  config: Knex.Config;
  /** A printable form without the password. */
  display: string;
}

/**
 * Turns `KPI_DB` (a URL) into a knex configuration:
 * `sqlite:./data/kpi.sqlite` (or `sqlite::memory:`), `postgres://user@host:5432/db`,
 * `mssql://user:password@host:1433/db?encrypt=true&trustServerCertificate=true`.
 */
export function parseDbUrl(url: string, variable = 'KPI_DB'): DbTarget {
  const trimmed = url.trim();
  if (trimmed.startsWith('sqlite:')) {
    const filename = trimmed.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!filename) throw new ConfigError(variable, 'thiếu đường dẫn tệp SQLite (missing SQLite file path), ví dụ sqlite:./data/kpi.sqlite');
    return {
      dialect: 'sqlite',
      display: `sqlite:${filename}`,
      config: {
        client: 'better-sqlite3',
        connection: { filename },
        useNullAsDefault: true,
        pool: {
          min: 1,
          max: 1,
          afterCreate(conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
            try {
              if (filename !== ':memory:') conn.pragma('journal_mode = WAL');
              conn.pragma('synchronous = NORMAL');
              conn.pragma('foreign_keys = ON');
              conn.pragma('busy_timeout = 5000');
              done(null, conn);
            } catch (e) {
              done(e as Error, conn);
            }
          },
        },
      },
    };
  }
  let u: URL;
  try {
    u = new URL(trimmed);
  } catch {
    throw new ConfigError(variable, `không phải URL hợp lệ (not a valid URL): ${redact(trimmed)}`);
  }
  if (u.protocol === 'postgres:' || u.protocol === 'postgresql:') {
    return {
      dialect: 'postgres',
      display: redact(trimmed),
      // Time-outs so that a database that vanishes silently turns into a 503 within seconds, not a hang.
      config: { client: 'pg', connection: { connectionString: trimmed, connectionTimeoutMillis: 5000 }, pool: { min: 0, max: 10 }, acquireConnectionTimeout: 10000 },
    };
  }
  if (u.protocol === 'mssql:' || u.protocol === 'sqlserver:') {
    const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
    if (!u.hostname) throw new ConfigError(variable, 'thiếu máy chủ SQL Server (missing host)');
    const q = u.searchParams;
    return {
      dialect: 'mssql',
      display: redact(trimmed),
      config: {
        client: 'mssql',
        connection: {
          server: u.hostname,
          port: u.port ? Number(u.port) : 1433,
          user: decodeURIComponent(u.username),
          password: decodeURIComponent(u.password),
          database: database || 'master',
          options: {
            encrypt: q.get('encrypt') !== 'false',
            trustServerCertificate: q.get('trustServerCertificate') === 'true',
            useUTC: true,
            // knex binds a Date as `datetime` (1/300 s); our columns are datetime2, so bind them as such.
            mapBinding: (v: unknown) => (v instanceof Date ? { value: v, type: tediousTypes().DateTime2 } : undefined),
          },
        },
        pool: { min: 0, max: 10 },
        acquireConnectionTimeout: 10000,
      },
    };
  }
  throw new ConfigError(variable, `loại cơ sở dữ liệu không hỗ trợ (unsupported database) "${u.protocol}"; dùng sqlite:, postgres:// hoặc mssql://`);
}

/** tedious (the driver under mssql) is loaded only when SQL Server is used. */
function tediousTypes(): { DateTime2: unknown } {
  return (require('tedious') as { TYPES: { DateTime2: unknown } }).TYPES;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

/** Opens the database: creates the SQLite folder when needed. */
export function openDb(target: DbTarget): Knex {
  if (target.dialect === 'sqlite') {
    const filename = (target.config.connection as { filename: string }).filename;
    if (filename !== ':memory:') makeFolder(path.dirname(path.resolve(filename)));
  }
  return knexFactory(target.config);
}

/**
 * Creates the database folder one level at a time. (fs.mkdirSync's recursive mode can loop
 * forever on some paths, e.g. under /proc; one level at a time fails at once instead.)
 */
function makeFolder(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  while (!fs.existsSync(d)) {
    missing.unshift(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  if (!fs.statSync(d).isDirectory()) throw new ConfigError('KPI_DB', `không tạo được thư mục cho tệp SQLite (cannot create the SQLite folder) ${dir}: ${d} không phải thư mục (ENOTDIR)`);
  for (const m of missing) {
    try {
      fs.mkdirSync(m);
    } catch (e) {
      throw new ConfigError('KPI_DB', `không tạo được thư mục cho tệp SQLite (cannot create the SQLite folder) ${m}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
}

export function dialectOf(knex: Knex): Dialect {
  const client = String((knex.client as { config: Knex.Config }).config.client);
  if (client === 'better-sqlite3' || client === 'sqlite3') return 'sqlite';
  if (client === 'pg' || client === 'postgres' || client === 'postgresql') return 'postgres';
  if (client === 'mssql') return 'mssql';
  throw new ConfigError('KPI_DB', `client không hỗ trợ (unsupported knex client): ${client}`);
}
