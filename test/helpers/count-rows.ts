import type { Knex } from 'knex';

/** How many rows of `table` match `where` (all of them without it), as a number on every dialect. */
export async function countRows(knex: Knex, table: string, where: Record<string, unknown> = {}): Promise<number> {
  const [r] = await knex(table).where(where).count({ n: '*' });
  return Number((r as { n: unknown }).n);
}
