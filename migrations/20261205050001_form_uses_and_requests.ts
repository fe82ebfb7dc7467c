import type { Knex } from 'knex';
import { identity } from './20261123000001_init';

/**
 * Two tables for the officials' and leaders' forms (docs/hr.md):
 * - `kpi_form_uses`: each panel form token that has been used, once per agency, with the
 *   result its first use showed (a second POST with the same token changes nothing and shows
 *   that result). The database, not a process's memory, keeps them: behind a load balancer
 *   the second POST may reach another instance. Rows older than a context token's life are
 *   swept (`created_at`).
 * - `kpi_requests`: corrections an official asks of their leader (wrong person, wrong item,
 *   work that made no entry) and appeals of a closed period's score decided by HR, with the
 *   decision and what it changed.
 * Strings are NVARCHAR on SQL Server, instants datetime2 in UTC, every constraint named.
 */
const ts = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('kpi_form_uses', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('token', 64).notNullable(); // SHA-256 (hex) of the form token
    t.text('result').nullable(); // JSON: where the first use sent the browser; null while it runs
    ts(t, 'created_at').notNullable();
    t.primary(['agency_code', 'token'], 'pk_kpi_form_uses');
    t.index(['created_at'], 'ix_kpi_form_uses_created');
  });
  await knex.schema.createTable('kpi_requests', (t) => {
    identity(knex, t, 'id', 'pk_kpi_requests');
    t.string('agency_code', 64).notNullable();
    t.string('kind', 16).notNullable(); // correction | appeal
    t.string('type', 32).notNullable(); // wrong-person | wrong-item | missing | score
    t.string('user_id', 200).notNullable(); // who asks
    t.string('unit_id', 200).nullable(); // their unit (the leader's queue)
    t.string('entry_id', 40).nullable();
    t.string('subject_kind', 32).nullable();
    t.string('subject_id', 200).nullable();
    t.string('period', 16).nullable();
    t.string('day', 10).nullable();
    t.string('proposed_user_id', 200).nullable();
    t.string('proposed_item_code', 64).nullable();
    t.double('proposed_quantity').nullable();
    t.text('reason').notNullable();
    t.string('status', 16).notNullable(); // pending | accepted | refused
    t.string('decided_by', 200).nullable();
    ts(t, 'decided_at').nullable();
    t.text('decision_note').nullable();
    t.text('outcome').nullable(); // JSON: what the decision changed
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
    t.index(['agency_code', 'kind', 'status', 'unit_id'], 'ix_kpi_requests_queue');
    t.index(['agency_code', 'user_id'], 'ix_kpi_requests_user');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('kpi_requests');
  await knex.schema.dropTableIfExists('kpi_form_uses');
}
