import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import pino from 'pino';
import { createKpiPlugin, type KpiPlugin } from '../../src/index';
import { openDb, parseDbUrl } from '../../src/db/connection';
import { migrateLatest, migrateRollbackAll } from '../../src/db/migrate';

export type BenchDialect = 'sqlite' | 'postgres';

export const silentLogger = pino({ level: 'silent' });

export function parseDialect(v: string): BenchDialect {
  if (v === 'sqlite') return 'sqlite';
  if (v === 'pg' || v === 'postgres' || v === 'postgresql') return 'postgres';
  throw new Error(`--dialect: sqlite or pg, got "${v}"`);
}

// ------------------------------------------------------------------ SQLite

/** A file in the temp folder (not :memory:, which flatters): `kpi-bench-<tag>-<pid>.sqlite`. */
export function sqliteFile(tag: string): string {
  return path.join(os.tmpdir(), `kpi-bench-${tag}-${process.pid}.sqlite`);
}

export function removeSqlite(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
}

/** The pragmas the plugin's own connection sets (src/db/connection.ts), for the raw driver. */
export const SQLITE_PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', 'busy_timeout = 5000'];

// -------------------------------------------------------------- PostgreSQL

export const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/kpi_bench';

/**
 * A database of our own on the benchmark's PostgreSQL server: `<db>_<suffix>` next to
 * the database of KPI_BENCH_PG (default postgres://postgres@127.0.0.1:5432/kpi_bench),
 * created when missing. Falls back to KPI_BENCH_PG's own database when it may not
 * create one; `{ skipped }` when the server cannot be reached.
 */
export async function pgDatabase(suffix: string): Promise<{ url: string } | { skipped: string }> {
  const base = new URL(process.env.KPI_BENCH_PG && process.env.KPI_BENCH_PG.trim() !== '' ? process.env.KPI_BENCH_PG.trim() : DEFAULT_PG);
  const baseName = decodeURIComponent(base.pathname.replace(/^\//, '')) || 'kpi_bench';
  const name = `${baseName}_${suffix}`.toLowerCase();
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = new URL(base.toString());
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (e) {
    return { skipped: `PostgreSQL not reachable at ${redact(admin.toString())}: ${(e as Error).message}` };
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database ${name}`);
    const target = new URL(base.toString());
    target.pathname = `/${name}`;
    return { url: target.toString() };
  } catch (e) {
    process.stderr.write(`cannot create database ${name} (${(e as Error).message}); using ${redact(base.toString())} itself\n`);
    return { url: base.toString() };
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}

// ------------------------------------------------------------------ plugin

/** The plugin the way a host wires it: its knex, its migrations, a silent logger. */
export async function openPlugin(url: string, opts: { clock?: () => Date } = {}): Promise<{ knex: Knex; plugin: KpiPlugin }> {
  const knex = openDb(parseDbUrl(url));
  const plugin = await createKpiPlugin({ knex, logger: silentLogger, ...(opts.clock ? { clock: opts.clock } : {}) });
  return { knex, plugin };
}

/** Drops the plugin's tables and creates them again (PostgreSQL); SQLite benchmarks use a new file instead. */
export async function freshSchema(url: string): Promise<void> {
  const knex = openDb(parseDbUrl(url));
  try {
    await migrateRollbackAll(knex);
    await migrateLatest(knex);
  } finally {
    await knex.destroy();
  }
}

/**
 * Empty databases for the phases of one benchmark: a new SQLite file per phase, or the
 * benchmark's PostgreSQL database with its schema dropped and created again. `cleanup`
 * removes the SQLite files. `skipped` says why PostgreSQL could not be had.
 */
export async function phaseDatabases(name: string, dialect: BenchDialect, pgSuffix: string): Promise<{ skipped: string } | { fresh(phase: string): Promise<string>; cleanup(): void }> {
  let pgUrl: string | null = null;
  if (dialect === 'postgres') {
    const db = await pgDatabase(pgSuffix);
    if ('skipped' in db) return { skipped: db.skipped };
    pgUrl = db.url;
  }
  const files: string[] = [];
  return {
    async fresh(phase: string): Promise<string> {
      if (pgUrl) {
        await freshSchema(pgUrl);
        return pgUrl;
      }
      const f = sqliteFile(`${name}-${phase}`);
      removeSqlite(f);
      files.push(f);
      return `sqlite:${f}`;
    },
    cleanup(): void {
      for (const f of files) removeSqlite(f);
    },
  };
}
