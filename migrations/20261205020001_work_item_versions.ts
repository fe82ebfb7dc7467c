import type { Knex } from 'knex';

/**
 * Work items versioned by day (docs/catalogue.md):
 * - `valid_from_day`: the local day (`YYYY-MM-DD`, the agency's time zone) from which this version
 *   of the item applies to new journal entries; null = from the beginning (the first version an
 *   agency starts with). An entry is made with the highest version whose day is not after its own.
 * - `sector`: the sector template (ngành dọc) an item came from, null for the general catalogue.
 * Rows written before keep working: a later version (2, 3…) written before this migration is
 * given the UTC day it was saved on, the first version stays "from the beginning".
 * Both columns are nullable without a default, so that on SQL Server no constraint needs a name
 * or has to be dropped before its column.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('kpi_work_items', (t) => t.string('valid_from_day', 10).nullable());
  await knex.schema.alterTable('kpi_work_items', (t) => t.string('sector', 64).nullable());
  const later = await knex('kpi_work_items').where('version', '>', 1).select('agency_code', 'code', 'version', 'valid_from');
  for (const r of later) {
    const at = r.valid_from instanceof Date ? r.valid_from : new Date(typeof r.valid_from === 'number' ? r.valid_from : String(r.valid_from).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(String(r.valid_from)) ? '' : 'Z'));
    const day = Number.isNaN(at.getTime()) ? null : at.toISOString().slice(0, 10);
    await knex('kpi_work_items').where({ agency_code: r.agency_code, code: r.code, version: r.version }).update({ valid_from_day: day });
  }
}

/** A plain DROP COLUMN on every database (as 20261204000001_assessment_detail does, for the same reasons). */
export async function down(knex: Knex): Promise<void> {
  for (const c of ['sector', 'valid_from_day']) await knex.raw('ALTER TABLE ?? DROP COLUMN ??', ['kpi_work_items', c]);
}
