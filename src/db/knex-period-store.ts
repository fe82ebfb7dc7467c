import type { Knex } from 'knex';
import type { PeriodState, PeriodStore, SnapshotScore } from '../stores';
import type { SqlDialect } from './sql-dialects';
import { chunkForParams, MAX_INSERT_ROWS, parseJson, toBool, toDate } from './rows';

/** Snapshot rows read per page by snapshotNumbers. */
const SNAPSHOT_PAGE = 2000;

/** Periods (kpi_periods) and the frozen scores of closed ones (kpi_score_snapshots). */
export class KnexPeriodStore implements PeriodStore {
  constructor(private readonly db: Knex | Knex.Transaction, private readonly dialect: SqlDialect) {}

  async state(agency: string, period: string): Promise<PeriodState> {
    const r = await this.db('kpi_periods').where({ agency_code: agency, period }).first('status', 'apply_quota');
    return { status: r?.status === 'closed' ? 'closed' : 'open', applyQuota: r ? toBool(r.apply_quota) : false };
  }

  async closedAt(agency: string, period: string): Promise<Date | null> {
    const r = await this.db('kpi_periods').where({ agency_code: agency, period }).first('closed_at');
    return r ? toDate(r.closed_at) : null;
  }

  async closedAmong(agency: string, periods: readonly string[]): Promise<string[]> {
    const rows = await this.db('kpi_periods').where({ agency_code: agency, status: 'closed' }).whereIn('period', [...periods]).select('period');
    return rows.map((r) => String(r.period));
  }

  async close(agency: string, period: string, o: { applyQuota: boolean; actor: string; now: Date }): Promise<void> {
    const row = { status: 'closed', apply_quota: o.applyQuota, closed_by: o.actor, closed_at: o.now, updated_at: o.now };
    const updated = await this.db('kpi_periods').where({ agency_code: agency, period }).update(row);
    if (updated === 0) await this.db('kpi_periods').insert({ agency_code: agency, period, ...row, reopen_reason: null });
  }

  async reopen(agency: string, period: string, reason: string, now: Date): Promise<void> {
    await this.db('kpi_periods').where({ agency_code: agency, period }).update({ status: 'open', reopen_reason: reason, updated_at: now });
  }

  async snapshots<T>(agency: string, period: string): Promise<T[]> {
    const rows = await this.db('kpi_score_snapshots').where({ agency_code: agency, period }).select('score').orderBy('user_id');
    return rows.map((r) => parseJson<T>(r.score, null as unknown as T)).filter((x) => x !== null);
  }

  async snapshotNumbers<T>(agency: string, period: string): Promise<T[]> {
    const out: T[] = [];
    let after: string | null = null;
    for (;;) {
      let q = this.db('kpi_score_snapshots').where({ agency_code: agency, period });
      if (after !== null) q = q.andWhere('user_id', '>', after);
      const rows: Array<{ user_id: string; score: unknown }> = await q.select('user_id', 'score').orderBy('user_id').limit(SNAPSHOT_PAGE);
      for (const r of rows) {
        const s = parseJson<Record<string, unknown> | null>(r.score, null);
        if (s === null) continue;
        delete s.explanation;
        out.push(s as T);
      }
      if (rows.length < SNAPSHOT_PAGE) return out;
      after = String(rows[rows.length - 1]!.user_id);
    }
  }

  async replaceSnapshot(agency: string, period: string, s: SnapshotScore, now: Date): Promise<void> {
    await this.db('kpi_score_snapshots').where({ agency_code: agency, period, user_id: s.userId }).delete();
    await this.db('kpi_score_snapshots').insert(snapshotRow(agency, period, s, now));
  }

  async writeSnapshots(agency: string, period: string, scores: readonly SnapshotScore[], now: Date): Promise<void> {
    await this.db('kpi_score_snapshots').where({ agency_code: agency, period }).delete();
    const rows = scores.map((s) => snapshotRow(agency, period, s, now));
    for (const part of chunkForParams(rows, 10, this.dialect.maxParams, MAX_INSERT_ROWS)) await this.db('kpi_score_snapshots').insert(part);
  }
}

function snapshotRow(agency: string, period: string, s: SnapshotScore, now: Date): Record<string, unknown> {
  return {
    agency_code: agency, period, user_id: s.userId, unit_id: s.unitId, total: s.total, classification: s.classification,
    profile_id: s.profile.id, profile_version: s.profile.version, score: JSON.stringify(s), created_at: now,
  };
}
