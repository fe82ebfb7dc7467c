import type { Knex } from 'knex';

/**
 * `kpi_events.actor_id`: the official an event names as its actor, written by the intake with
 * the event, and `ix_kpi_events_actor` on (agency_code, actor_id, occurred_at). My KPI's
 * suggestions (the official's own events of a month that made them no entry) seek there, where
 * they used to read every event of the agency's month and test its payload (`LIKE`), which grew
 * with the agency and was half of a fresh My KPI.
 *
 * `ix_kpi_events_status_at` on (agency_code, status, occurred_at): the suggestions' other read,
 * the failed and ignored events of a month that may name the official, seeks there instead of
 * reading the month's events. It is an index of its own: `ix_kpi_events_status` (agency_code,
 * status) stays, since its entries in `seq` order serve the newest-first lists by status
 * (`events list`, GET /events) without sorting all of a status's rows.
 *
 * Rows stored before this migration keep a null `actor_id` and are not rewritten (a province's
 * inbox holds millions of events): the suggestions still find them through their payload, in the
 * index's null range, and they age out of the months that have suggestions. The column is
 * nullable and has no default, so SQL Server needs no named constraint; it is NVARCHAR(200)
 * there, as every user id is.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('kpi_events', (t) => t.string('actor_id', 200).nullable());
  await knex.schema.alterTable('kpi_events', (t) => t.index(['agency_code', 'actor_id', 'occurred_at'], 'ix_kpi_events_actor'));
  await knex.schema.alterTable('kpi_events', (t) => t.index(['agency_code', 'status', 'occurred_at'], 'ix_kpi_events_status_at'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('kpi_events', (t) => t.dropIndex(['agency_code', 'status', 'occurred_at'], 'ix_kpi_events_status_at'));
  await knex.schema.alterTable('kpi_events', (t) => t.dropIndex(['agency_code', 'actor_id', 'occurred_at'], 'ix_kpi_events_actor'));
  await knex.raw('ALTER TABLE ?? DROP COLUMN ??', ['kpi_events', 'actor_id']);
}
