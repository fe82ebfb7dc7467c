import type { Knex } from 'knex';
import type { Lease, LeaseStore, PullStore, Watermark } from '../stores';
import { isUniqueViolation } from './sql-dialects';
import { chunkForParams, toDate, toNum } from './rows';

/** A readable form of a watermark for the v1 `watermark` column (the typed columns are the truth). */
function summary(m: Watermark): string {
  return `${m.updatedAt.toISOString()} ${m.eventId}`.slice(0, 200);
}

/** Watermarks of the pull connector (kpi_pull_watermarks). */
export class KnexPullStore implements PullStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async watermark(agency: string, source: string): Promise<Watermark | null> {
    const r = await this.db('kpi_pull_watermarks').where({ agency_code: agency, source }).first('mark_at', 'mark_id', 'rows_taken');
    const at = r ? toDate(r.mark_at) : null;
    if (!r || at === null || r.mark_id === null || r.mark_id === undefined) return null;
    return { updatedAt: at, eventId: String(r.mark_id), rows: toNum(r.rows_taken ?? 0) };
  }

  async advance(agency: string, source: string, mark: Watermark, now: Date): Promise<void> {
    const values = { mark_at: mark.updatedAt, mark_id: mark.eventId, rows_taken: mark.rows, watermark: summary(mark), updated_at: now };
    // Never backwards in time: a second puller of the same source that got further keeps its mark.
    const n = await this.db('kpi_pull_watermarks').where({ agency_code: agency, source })
      .andWhere((w) => w.whereNull('mark_at').orWhere('mark_at', '<=', mark.updatedAt)).update(values);
    if (n > 0) return;
    const exists = await this.db('kpi_pull_watermarks').where({ agency_code: agency, source }).first('source');
    // A concurrent first insert fails on the primary key; the unit of work runs the transaction again.
    if (!exists) await this.db('kpi_pull_watermarks').insert({ agency_code: agency, source, ...values });
  }

  async eventsBetween(agency: string, from: Date, to: Date): Promise<Array<{ eventId: string; type: string }>> {
    const rows = (await this.db('kpi_events').where({ agency_code: agency }).andWhere('occurred_at', '>=', from).andWhere('occurred_at', '<', to)
      .select('event_id', 'type')) as Array<{ event_id: string; type: string }>;
    return rows.map((r) => ({ eventId: String(r.event_id), type: String(r.type) }));
  }

  async storedIds(agency: string, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunkForParams([...ids], 1, MAX_PARAMS - 1)) {
      const rows = (await this.db('kpi_events').where({ agency_code: agency }).whereIn('event_id', part).select('event_id')) as Array<{ event_id: string }>;
      for (const r of rows) out.add(String(r.event_id));
    }
    return out;
  }
}

/** Bound parameters per statement: under SQL Server's 2100 on every database, so one code path. */
const MAX_PARAMS = 2000;

/** Leases of periodic jobs (kpi_leases): used outside transactions, one short statement each. */
export class KnexLeaseStore implements LeaseStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const expiresAt = new Date(now.getTime() + ttlMs);
    const renewed = await this.db('kpi_leases').where({ name, holder }).update({ expires_at: expiresAt });
    if (renewed > 0) return true;
    const taken = await this.db('kpi_leases').where({ name }).andWhere('expires_at', '<', now).update({ holder, expires_at: expiresAt, acquired_at: now });
    if (taken > 0) return true;
    try {
      await this.db('kpi_leases').insert({ name, holder, expires_at: expiresAt, acquired_at: now });
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false; // another instance holds it (or took it a moment ago)
      throw e;
    }
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db('kpi_leases').where({ name, holder }).del();
  }

  async get(name: string): Promise<Lease | null> {
    const r = await this.db('kpi_leases').where({ name }).first('name', 'holder', 'expires_at');
    return r ? { name: String(r.name), holder: String(r.holder), expiresAt: toDate(r.expires_at)! } : null;
  }
}
