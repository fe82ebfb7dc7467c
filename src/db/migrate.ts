import type { Knex } from 'knex';
import * as init from '../../migrations/20261123000001_init';
import * as journalDays from '../../migrations/20261203000001_journal_days';
import * as assessmentDetail from '../../migrations/20261204000001_assessment_detail';
import * as pullAndLeases from '../../migrations/20261205010001_pull_and_leases';
import * as workItemVersions from '../../migrations/20261205020001_work_item_versions';
import * as formUsesAndRequests from '../../migrations/20261205050001_form_uses_and_requests';
import * as eventActor from '../../migrations/20261206010001_event_actor';

interface Migration { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }

/** The migrations, in order. Listed here (not scanned from disk) so that they compile with the package and run the same from src, dist or a host's bundle. */
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['20261123000001_init', init],
  ['20261203000001_journal_days', journalDays],
  ['20261204000001_assessment_detail', assessmentDetail],
  ['20261205010001_pull_and_leases', pullAndLeases],
  ['20261205020001_work_item_versions', workItemVersions],
  ['20261205050001_form_uses_and_requests', formUsesAndRequests],
  ['20261206010001_event_actor', eventActor],
];

export const MIGRATION_TABLE = 'kpi_migrations';

const source: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m[0],
  getMigration: async (m) => m[1],
};

const config = (): Knex.MigratorConfig => ({ migrationSource: source, tableName: MIGRATION_TABLE });

/** How long an instance waits for another one's migrations (several instances start at once). */
export const MIGRATION_WAIT_MS = 120_000;

/**
 * Whether a failure of `migrate.latest` means that another instance is migrating right now: it
 * holds knex's migration lock, or it created the bookkeeping tables a moment before us.
 */
export function isMigratingElsewhere(e: unknown): boolean {
  const err = e as { name?: unknown; code?: unknown; number?: unknown; message?: unknown } | null;
  if (err?.name === 'MigrationLocked') return true;
  if (err?.code === '23505' || err?.code === '42P07' || err?.code === 'SQLITE_BUSY') return true; // PostgreSQL, SQLite
  if (err?.number === 2714 || err?.number === 2627 || err?.number === 1205) return true; // SQL Server: already there, duplicate, deadlock
  return /already exists|already locked/i.test(String(err?.message ?? ''));
}

/**
 * Applies the pending migrations. With several instances starting at once, one runs them under
 * knex's migration lock and the others wait and try again until it is done (then nothing is left
 * for them to run), for at most MIGRATION_WAIT_MS.
 */
export async function migrateLatest(knex: Knex, opts: { waitMs?: number } = {}): Promise<string[]> {
  const deadline = Date.now() + (opts.waitMs ?? MIGRATION_WAIT_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      const [, names] = (await knex.migrate.latest(config())) as [number, string[]];
      return names;
    } catch (e) {
      if (!isMigratingElsewhere(e) || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * attempt) + Math.random() * 100));
    }
  }
}

/** Applies the next pending migration only (tests use it to upgrade a database that holds rows). */
export async function migrateNext(knex: Knex): Promise<string[]> {
  const [, names] = (await knex.migrate.up(config())) as [number, string[]];
  return names;
}

export async function migrateRollbackAll(knex: Knex): Promise<string[]> {
  const [, names] = (await knex.migrate.rollback(config(), true)) as [number, string[]];
  return names;
}

export function migrationNames(): string[] {
  return MIGRATIONS.map((m) => m[0]);
}
