import type { Knex } from 'knex';

/**
 * The detail of an assessment, as Decree 335's form no. 01 records it (docs/hr.md):
 * - `general_i`, `general_ii`, `general_iii`: the leader's scores of the general criteria's three
 *   groups (I: 5 + 5, II: 4 × 2.5, III: innovation, 10 points each); `general` stays their sum
 *   when they are given, and the single number alone keeps working (they stay null);
 * - `self_i`, `self_ii`, `self_iii`: the official's own (self) scores of the same groups;
 * - `disqualified_ground`: why HR disqualified the official (`degradation`, `discipline`,
 *   `leader-corruption`), null when not disqualified or recorded before grounds existed.
 * Every column is nullable and has no default: rows written before read as "no detail", and on
 * SQL Server no constraint needs a name or has to be dropped before its column.
 */
const GROUP_COLUMNS = ['general_i', 'general_ii', 'general_iii', 'self_i', 'self_ii', 'self_iii'] as const;

// One column per statement: `ALTER TABLE … ADD a …, b …` is T-SQL, but one ADD each is what
// every dialect (and the T-SQL parser of the tests) reads the same way.
export async function up(knex: Knex): Promise<void> {
  for (const c of GROUP_COLUMNS) await knex.schema.alterTable('kpi_assessments', (t) => t.double(c).nullable());
  await knex.schema.alterTable('kpi_assessments', (t) => t.string('disqualified_ground', 32).nullable());
}

/**
 * A plain DROP COLUMN on every database (SQLite ≥ 3.35 has it): knex's own dropColumn would
 * rebuild the table on SQLite, and on SQL Server first looks up and drops a default constraint
 * these columns never have.
 */
export async function down(knex: Knex): Promise<void> {
  for (const c of ['disqualified_ground', ...[...GROUP_COLUMNS].reverse()]) await knex.raw('ALTER TABLE ?? DROP COLUMN ??', ['kpi_assessments', c]);
}
