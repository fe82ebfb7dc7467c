import type { Knex } from 'knex';

/**
 * Daily roll-ups of the journal, so that a province's quarter scores from one row per
 * (official, day) instead of grouping two million entries at every request.
 *
 * `kpi_journal_days` holds, per (agency, official, local day), the sums docs/hr.md needs
 * before the daily cap, for approved and for pending entries apart (a provisional score
 * counts both, a closed one approved only):
 *   `*_t` = Σ m(e), `*_l` = Σ m(e)·max(0, 1 − failPenalty·fails(e)),
 *   `*_p` = Σ m(e)·max(0, 1 − delayPenalty·delays(e)), `*_n` = the number of entries.
 * Rejected entries are in neither. Every transaction that changes entries brings the rows of
 * the (official, day)s it touched in step: new entries are added, other changes recompute
 * the day from the entries themselves (src/db/journal-days.ts).
 *
 * `kpi_journal_days_state` has one row per agency: the penalties its roll-up was computed
 * with (null until it is first built), and it is the row that writers lock so that two
 * processes never recompute the same day from different snapshots. Built lazily by the first
 * score after this migration, rebuilt when the agency's profile changes a penalty.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('kpi_journal_days_state', (t) => {
    t.string('agency_code', 64).notNullable();
    t.double('fail_penalty').nullable();
    t.double('delay_penalty').nullable();
    t.datetime('built_at', { precision: 3 }).nullable();
    t.primary(['agency_code'], 'pk_kpi_journal_days_state');
    t.foreign('agency_code', 'fk_kpi_journal_days_state_agency').references('code').inTable('kpi_agencies');
  });

  await knex.schema.createTable('kpi_journal_days', (t) => {
    t.string('agency_code', 64).notNullable();
    t.string('user_id', 200).notNullable();
    t.string('day', 10).notNullable();
    for (const s of ['a', 'p']) {
      t.double(`${s}_t`).notNullable();
      t.double(`${s}_l`).notNullable();
      t.double(`${s}_p`).notNullable();
      t.integer(`${s}_n`).notNullable();
    }
    t.primary(['agency_code', 'user_id', 'day'], 'pk_kpi_journal_days');
    // A period's rows for the whole agency, read from the index alone (it carries every sum):
    // SQLite would otherwise fetch each row from the table, at random, through the day index.
    t.index(['agency_code', 'day', 'user_id', 'a_t', 'a_l', 'a_p', 'a_n', 'p_t', 'p_l', 'p_p', 'p_n'], 'ix_kpi_journal_days_day');
  });

  // Agencies that exist already get their state row now: writers find it from the first write on.
  await knex.into(knex.raw('?? (??)', ['kpi_journal_days_state', 'agency_code'])).insert(knex('kpi_agencies').select('code'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('kpi_journal_days');
  await knex.schema.dropTableIfExists('kpi_journal_days_state');
}
