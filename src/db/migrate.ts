import type { Knex } from 'knex';
import * as init from '../../migrations/20261123000001_init';
import * as journalDays from '../../migrations/20261203000001_journal_days';
import * as assessmentDetail from '../../migrations/20261204000001_assessment_detail';
import * as formUsesAndRequests from '../../migrations/20261205050001_form_uses_and_requests';

interface Migration { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> }

/** The migrations, in order. Listed here (not scanned from disk) so that they compile with the package and run the same from src, dist or a host's bundle. */
const MIGRATIONS: ReadonlyArray<readonly [string, Migration]> = [
  ['20261123000001_init', init],
  ['20261203000001_journal_days', journalDays],
  ['20261204000001_assessment_detail', assessmentDetail],
  ['20261205050001_form_uses_and_requests', formUsesAndRequests],
];

export const MIGRATION_TABLE = 'kpi_migrations';

const source: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m[0],
  getMigration: async (m) => m[1],
};

const config = (): Knex.MigratorConfig => ({ migrationSource: source, tableName: MIGRATION_TABLE });

export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, names] = (await knex.migrate.latest(config())) as [number, string[]];
  return names;
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
