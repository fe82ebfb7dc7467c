import type { Knex } from 'knex';

/**
 * The pull connector and several instances (docs/pull.md):
 * - `kpi_pull_watermarks` (there since v1, never used) gains the watermark as two typed columns,
 *   `mark_at` (the host row's `updated_at`, datetime2 in UTC) and `mark_id` (its `event_id`,
 *   compared byte for byte on SQL Server as kpi_events.event_id is), plus `rows_taken`. The old
 *   `watermark` text column keeps a readable summary. The columns are nullable and have no
 *   default, so no constraint needs a name on SQL Server or has to be dropped first.
 * - `ix_kpi_events_occurred` on kpi_events (agency_code, occurred_at): reconciliation compares the
 *   host's view with the stored events one day at a time, and without it each day reads all of
 *   the agency's events.
 * - `kpi_leases`: one row per periodic job; the instance named in `holder` runs it until
 *   `expires_at` (UTC). A dead instance renews nothing, so another takes the job at expiry.
 */
const ts = (t: Knex.CreateTableBuilder | Knex.AlterTableBuilder, name: string) => t.datetime(name, { precision: 3 });

function isMssql(knex: Knex): boolean {
  return String((knex.client as { config: Knex.Config }).config.client) === 'mssql';
}

export async function up(knex: Knex): Promise<void> {
  // One column per statement (see 20261204000001_assessment_detail).
  await knex.schema.alterTable('kpi_pull_watermarks', (t) => ts(t, 'mark_at').nullable());
  await knex.schema.alterTable('kpi_pull_watermarks', (t) => {
    if (isMssql(knex)) t.specificType('mark_id', 'nvarchar(200) collate Latin1_General_100_BIN2').nullable();
    else t.string('mark_id', 200).nullable();
  });
  await knex.schema.alterTable('kpi_pull_watermarks', (t) => t.bigInteger('rows_taken').nullable());
  await knex.schema.alterTable('kpi_events', (t) => t.index(['agency_code', 'occurred_at'], 'ix_kpi_events_occurred'));
  await knex.schema.createTable('kpi_leases', (t) => {
    t.string('name', 200).notNullable().primary('pk_kpi_leases');
    t.string('holder', 200).notNullable();
    ts(t, 'expires_at').notNullable();
    ts(t, 'acquired_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('kpi_leases');
  await knex.schema.alterTable('kpi_events', (t) => t.dropIndex(['agency_code', 'occurred_at'], 'ix_kpi_events_occurred'));
  for (const c of ['rows_taken', 'mark_id', 'mark_at']) await knex.raw('ALTER TABLE ?? DROP COLUMN ??', ['kpi_pull_watermarks', c]);
}
