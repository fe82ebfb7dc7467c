import type { Knex } from 'knex';

/**
 * The whole schema of the plugin, v1.
 *
 * Conventions (docs/architecture.md): tables `kpi_*`, snake_case, explicit names for every
 * index and constraint (≤ 128 chars for SQL Server); strings are `string()`,
 * which knex renders NVARCHAR on SQL Server; long text is `text()` (NVARCHAR(MAX)
 * on SQL Server); instants are `datetime(…)`, i.e. datetime2 on SQL Server (bound as
 * DateTime2, see src/db/connection.ts) and timestamptz(3) on PostgreSQL, always written
 * in UTC; local days are `YYYY-MM-DD` strings computed in the agency's time zone.
 * Default constraints are named `df_<table>_<column>` (SQL Server names them).
 */

const ts = (t: Knex.CreateTableBuilder, name: string) => t.datetime(name, { precision: 3 });

/**
 * An event id as the host sent it. SQL Server's default collation ignores case, which would
 * make `EVT-1` and `evt-1` one key; there the column compares byte for byte.
 */
function eventId(knex: Knex, t: Knex.CreateTableBuilder, column: string): Knex.ColumnBuilder {
  const client = String((knex.client as { config: Knex.Config }).config.client);
  return client === 'mssql' ? t.specificType(column, 'nvarchar(200) collate Latin1_General_100_BIN2') : t.string(column, 200);
}

/**
 * An identity primary key with a named constraint. SQLite only auto-increments an
 * inline `INTEGER PRIMARY KEY`, which cannot carry our name, so there it stays unnamed.
 */
export function identity(knex: Knex, t: Knex.CreateTableBuilder, column: string, pkName: string): void {
  const client = String((knex.client as { config: Knex.Config }).config.client);
  if (client === 'better-sqlite3' || client === 'sqlite3') {
    t.bigIncrements(column);
    return;
  }
  t.bigIncrements(column, { primaryKey: false });
  t.primary([column], pkName);
}

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('kpi_agencies', (t) => {
    t.string('code', 64).notNullable().primary('pk_kpi_agencies');
    t.string('name', 255).notNullable();
    t.string('time_zone', 64).notNullable().defaultTo('Asia/Ho_Chi_Minh', { constraintName: 'df_kpi_agencies_time_zone' });
    t.string('issuer', 200).notNullable();
    t.text('host_origins').notNullable(); // JSON array of origins
    t.text('rs256_public_key').nullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
  });

  await knex.schema.createTable('kpi_agency_secrets', (t) => {
    identity(knex, t, 'id', 'pk_kpi_agency_secrets');
    t.string('agency_code', 64).notNullable();
    t.string('secret', 200).notNullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'expires_at').nullable(); // null = current; set when rotated (end of the overlap window)
    t.foreign('agency_code', 'fk_kpi_agency_secrets_agency').references('code').inTable('kpi_agencies');
    t.index(['agency_code'], 'ix_kpi_agency_secrets_agency');
  });

  await knex.schema.createTable('kpi_settings', (t) => {
    t.string('agency_code', 64).notNullable().primary('pk_kpi_settings');
    t.text('settings').notNullable(); // JSON, validated against settings.schema.json
    ts(t, 'updated_at').notNullable();
    t.string('updated_by', 200).nullable();
    t.foreign('agency_code', 'fk_kpi_settings_agency').references('code').inTable('kpi_agencies');
  });

  await knex.schema.createTable('kpi_units', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('id', 200).notNullable();
    t.string('name', 255).notNullable();
    t.string('parent_id', 200).nullable();
    ts(t, 'updated_at').notNullable();
    t.primary(['agency_code', 'id'], 'pk_kpi_units');
  });

  await knex.schema.createTable('kpi_users', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('id', 200).notNullable();
    t.string('name', 255).notNullable();
    t.string('unit_id', 200).nullable();
    t.string('position', 200).nullable();
    t.boolean('is_leader').notNullable().defaultTo(false, { constraintName: 'df_kpi_users_is_leader' });
    t.boolean('active').notNullable().defaultTo(true, { constraintName: 'df_kpi_users_active' });
    t.string('active_from', 10).nullable(); // first local day active
    t.string('active_to', 10).nullable(); // last local day active (null = still active)
    ts(t, 'updated_at').notNullable();
    t.primary(['agency_code', 'id'], 'pk_kpi_users');
    t.index(['agency_code', 'unit_id'], 'ix_kpi_users_unit');
  });

  await knex.schema.createTable('kpi_work_items', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('code', 64).notNullable();
    t.integer('version').notNullable();
    t.string('name', 500).notNullable();
    t.string('name_en', 500).nullable();
    t.string('unit', 100).notNullable();
    t.double('standard_minutes').notNullable();
    t.string('kind', 16).notNullable(); // count | rated
    t.string('item_group', 32).notNullable();
    t.boolean('active').notNullable().defaultTo(true, { constraintName: 'df_kpi_work_items_active' });
    t.double('max_quantity').notNullable();
    t.boolean('current').notNullable().defaultTo(true, { constraintName: 'df_kpi_work_items_current' }); // the latest version
    ts(t, 'valid_from').notNullable();
    ts(t, 'valid_to').nullable();
    t.primary(['agency_code', 'code', 'version'], 'pk_kpi_work_items');
    t.index(['agency_code', 'current'], 'ix_kpi_work_items_current');
  });

  await knex.schema.createTable('kpi_mapping_rules', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('id', 100).notNullable();
    t.string('event_type', 100).notNullable();
    t.text('rule').notNullable(); // JSON of the MappingRule
    t.integer('priority').notNullable();
    t.boolean('active').notNullable().defaultTo(true, { constraintName: 'df_kpi_mapping_rules_active' });
    ts(t, 'updated_at').notNullable();
    t.primary(['agency_code', 'id'], 'pk_kpi_mapping_rules');
    t.index(['agency_code', 'event_type'], 'ix_kpi_mapping_rules_type');
  });

  await knex.schema.createTable('kpi_events', (t) => {
    identity(knex, t, 'seq', 'pk_kpi_events');
    t.string('agency_code', 64).notNullable();
    eventId(knex, t, 'event_id').notNullable();
    t.string('type', 100).notNullable();
    ts(t, 'occurred_at').notNullable();
    ts(t, 'received_at').notNullable();
    t.text('payload').notNullable();
    t.string('status', 16).notNullable(); // processed | ignored | failed
    t.text('error').nullable();
    t.integer('attempts').notNullable().defaultTo(1, { constraintName: 'df_kpi_events_attempts' });
    t.string('source', 16).notNullable(); // webhook | inprocess | ingest | pull | demo
    t.unique(['agency_code', 'event_id'], { indexName: 'uq_kpi_events_agency_event' });
    t.index(['agency_code', 'status'], 'ix_kpi_events_status');
  });

  await knex.schema.createTable('kpi_assignments', (t) => {
    identity(knex, t, 'id', 'pk_kpi_assignments');
    t.string('agency_code', 64).notNullable();
    t.string('subject_kind', 50).notNullable();
    t.string('subject_id', 200).notNullable();
    t.string('user_id', 200).notNullable();
    t.string('role', 16).notNullable();
    ts(t, 'due_at').nullable();
    t.string('due_day', 10).nullable();
    t.string('work_item_code', 64).nullable();
    t.double('quantity').nullable();
    t.double('minutes').notNullable().defaultTo(0, { constraintName: 'df_kpi_assignments_minutes' }); // m of the assignment (for assignedBasis assignments)
    t.string('status', 16).notNullable(); // open | completed | cancelled
    t.string('event_id', 200).nullable();
    ts(t, 'updated_at').notNullable();
    t.unique(['agency_code', 'subject_kind', 'subject_id', 'user_id'], { indexName: 'uq_kpi_assignments_subject_user' });
    t.index(['agency_code', 'user_id', 'due_day'], 'ix_kpi_assignments_user_due');
  });

  // Facts that bear on quality and progress, kept whatever order they arrive in:
  // fails (task.rejected, document.returned, a leader's "not met"), extensions and completions.
  await knex.schema.createTable('kpi_marks', (t) => {
    identity(knex, t, 'id', 'pk_kpi_marks');
    t.string('agency_code', 64).notNullable();
    t.string('subject_kind', 50).notNullable();
    t.string('subject_id', 200).notNullable();
    t.string('user_id', 200).nullable(); // null = every assignee of the subject
    t.string('kind', 16).notNullable(); // fail | extension | completion | cancel
    t.boolean('excused').notNullable().defaultTo(false, { constraintName: 'df_kpi_marks_excused' });
    ts(t, 'new_due_at').nullable();
    ts(t, 'at').notNullable();
    t.string('event_id', 200).nullable();
    t.index(['agency_code', 'subject_kind', 'subject_id'], 'ix_kpi_marks_subject');
  });

  await knex.schema.createTable('kpi_journal_entries', (t) => {
    identity(knex, t, 'id', 'pk_kpi_journal_entries');
    t.string('agency_code', 64).notNullable();
    t.string('user_id', 200).notNullable();
    t.string('unit_id', 200).nullable();
    t.string('day', 10).notNullable();
    t.string('work_item_code', 64).notNullable();
    t.integer('item_version').notNullable();
    t.string('item_kind', 16).notNullable();
    t.double('standard_minutes').notNullable();
    t.double('quantity').notNullable();
    t.double('coefficient').notNullable();
    t.double('rating').notNullable();
    t.double('minutes').notNullable(); // m(e) = quantity × standard_minutes × coefficient × rating
    t.string('status', 16).notNullable(); // pending | approved | rejected
    t.string('source', 16).notNullable(); // event | manual
    eventId(knex, t, 'event_id').nullable();
    t.string('rule_id', 100).nullable();
    t.string('subject_kind', 50).nullable();
    t.string('subject_id', 200).nullable();
    t.string('subject_title', 500).nullable();
    t.integer('fails').notNullable().defaultTo(0, { constraintName: 'df_kpi_journal_entries_fails' });
    t.integer('delays').notNullable().defaultTo(0, { constraintName: 'df_kpi_journal_entries_delays' });
    t.boolean('late').notNullable().defaultTo(false, { constraintName: 'df_kpi_journal_entries_late' });
    t.boolean('completes').notNullable().defaultTo(false, { constraintName: 'df_kpi_journal_entries_completes' }); // completes an assignment (task.completed, document.processed): delays apply
    t.string('note', 1000).nullable();
    t.string('review_reason', 1000).nullable();
    t.string('reviewed_by', 200).nullable();
    ts(t, 'reviewed_at').nullable();
    ts(t, 'occurred_at').notNullable();
    ts(t, 'created_at').notNullable();
    ts(t, 'updated_at').notNullable();
    t.unique(['agency_code', 'event_id', 'user_id'], { indexName: 'uq_kpi_journal_event_user' });
    t.index(['agency_code', 'day', 'user_id'], 'ix_kpi_journal_day_user');
    t.index(['agency_code', 'user_id', 'day'], 'ix_kpi_journal_user_day');
    t.index(['agency_code', 'subject_kind', 'subject_id'], 'ix_kpi_journal_subject');
  });

  await knex.schema.createTable('kpi_assessments', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('user_id', 200).notNullable();
    t.string('period', 16).notNullable();
    t.double('general').nullable();
    t.boolean('disqualified').notNullable().defaultTo(false, { constraintName: 'df_kpi_assessments_disqualified' });
    t.string('assessed_by', 200).notNullable();
    ts(t, 'updated_at').notNullable();
    t.primary(['agency_code', 'user_id', 'period'], 'pk_kpi_assessments');
  });

  await knex.schema.createTable('kpi_periods', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('period', 16).notNullable();
    t.string('status', 16).notNullable(); // open | closed
    t.boolean('apply_quota').notNullable().defaultTo(false, { constraintName: 'df_kpi_periods_apply_quota' });
    t.string('closed_by', 200).nullable();
    ts(t, 'closed_at').nullable();
    t.string('reopen_reason', 1000).nullable();
    ts(t, 'updated_at').notNullable();
    t.primary(['agency_code', 'period'], 'pk_kpi_periods');
  });

  await knex.schema.createTable('kpi_score_snapshots', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('period', 16).notNullable();
    t.string('user_id', 200).notNullable();
    t.string('unit_id', 200).nullable();
    t.double('total').nullable();
    t.string('classification', 8).nullable();
    t.string('profile_id', 64).notNullable();
    t.integer('profile_version').notNullable();
    t.text('score').notNullable(); // JSON of the whole score with its explanation
    ts(t, 'created_at').notNullable();
    t.primary(['agency_code', 'period', 'user_id'], 'pk_kpi_score_snapshots');
  });

  await knex.schema.createTable('kpi_profiles', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('id', 64).notNullable();
    t.integer('version').notNullable();
    t.text('params').notNullable(); // JSON
    ts(t, 'created_at').notNullable();
    t.primary(['agency_code', 'id', 'version'], 'pk_kpi_profiles');
  });

  await knex.schema.createTable('kpi_token_uses', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('jti', 200).notNullable();
    ts(t, 'expires_at').notNullable();
    t.primary(['agency_code', 'jti'], 'pk_kpi_token_uses');
    t.index(['expires_at'], 'ix_kpi_token_uses_expires');
  });

  await knex.schema.createTable('kpi_pull_watermarks', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('source', 200).notNullable();
    t.string('watermark', 200).notNullable();
    ts(t, 'updated_at').notNullable();
    t.primary(['agency_code', 'source'], 'pk_kpi_pull_watermarks');
  });

  await knex.schema.createTable('kpi_audit_log', (t) => {
    identity(knex, t, 'id', 'pk_kpi_audit_log');
    t.string('agency_code', 64).notNullable();
    t.string('actor', 200).notNullable();
    t.string('action', 100).notNullable();
    t.string('target', 300).nullable();
    t.text('details').nullable(); // JSON
    ts(t, 'at').notNullable();
    t.index(['agency_code', 'at'], 'ix_kpi_audit_log_agency_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'kpi_audit_log', 'kpi_pull_watermarks', 'kpi_token_uses', 'kpi_profiles', 'kpi_score_snapshots', 'kpi_periods',
    'kpi_assessments', 'kpi_journal_entries', 'kpi_marks', 'kpi_assignments', 'kpi_events', 'kpi_mapping_rules',
    'kpi_work_items', 'kpi_users', 'kpi_units', 'kpi_settings', 'kpi_agency_secrets', 'kpi_agencies',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
