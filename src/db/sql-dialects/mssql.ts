import type { Knex } from 'knex';
import { chunkForParams } from '../rows';
import { BaseDialect } from './base';
import { byEventId, EVENT_COLUMNS } from './dialect';

/**
 * SQL Server has no `ON CONFLICT`: read the ids already there under UPDLOCK + HOLDLOCK (a
 * key-range lock that makes a concurrent inserter of the same ids wait for this
 * transaction), then insert the rest.
 */
export class MssqlDialect extends BaseDialect {
  readonly name = 'mssql' as const;
  readonly maxParams = 2000;

  async insertNewEvents(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Set<string>> {
    const byAgency = new Map<string, Record<string, unknown>[]>();
    for (const r of rows) {
      const a = String(r.agency_code);
      if (!byAgency.has(a)) byAgency.set(a, []);
      byAgency.get(a)!.push(r);
    }
    const inserted = new Set<string>();
    for (const [agency, unsorted] of byAgency) {
      const list = byEventId(unsorted);
      const existing = new Set<string>();
      for (const part of chunkForParams(list.map((r) => String(r.event_id)), 1, this.maxParams - 1)) {
        const found = (await trx.select('event_id').from(trx.raw('?? with (updlock, holdlock)', ['kpi_events']))
          .where('agency_code', agency).whereIn('event_id', part)) as Array<{ event_id: string }>;
        for (const r of found) existing.add(r.event_id);
      }
      const fresh = list.filter((r) => !existing.has(String(r.event_id)));
      for (const part of chunkForParams(fresh, EVENT_COLUMNS, this.maxParams)) await trx('kpi_events').insert(part);
      for (const r of fresh) inserted.add(String(r.event_id));
    }
    return inserted;
  }

  override async lockedFirst(trx: Knex.Transaction, table: string, where: Record<string, unknown>, columns: string[]): Promise<Record<string, unknown> | undefined> {
    const rows = (await trx.select(...columns).from(trx.raw('?? with (updlock, holdlock)', [table])).where(where)) as Array<Record<string, unknown>>;
    return rows[0];
  }

  readonly addsToDays = false;

  async addToDays(): Promise<void> {
    throw new Error('SQL Server recomputes roll-up days (no ON CONFLICT)');
  }

  isRetryable(e: unknown): boolean {
    const n = (e as { number?: unknown })?.number;
    return n === 1205 || n === 2627 || n === 2601; // deadlock victim; a concurrent insert of the same key
  }
}

