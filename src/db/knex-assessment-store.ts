import type { Knex } from 'knex';
import type { AssessedUser, Assessment, AssessmentStore } from '../stores';
import { toBool, toDate, toNum, toNumOrNull } from './rows';

function mapAssessment(r: Record<string, unknown>): Assessment {
  return { general: r.general == null ? null : toNum(r.general), disqualified: toBool(r.disqualified), assessedBy: (r.assessed_by as string | null) ?? null, updatedAt: toDate(r.updated_at) };
}

/** The general criteria and disqualified marks (kpi_assessments). */
export class KnexAssessmentStore implements AssessmentStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async get(agency: string, userId: string, period: string): Promise<Assessment | null> {
    const r = await this.db('kpi_assessments').where({ agency_code: agency, user_id: userId, period }).first('general', 'disqualified', 'assessed_by', 'updated_at');
    return r ? mapAssessment(r) : null;
  }

  async put(agency: string, userId: string, period: string, a: Assessment & { assessedBy: string; updatedAt: Date }, exists: boolean): Promise<void> {
    const key = { agency_code: agency, user_id: userId, period };
    const row = { general: a.general, disqualified: a.disqualified, assessed_by: a.assessedBy, updated_at: a.updatedAt };
    if (exists) await this.db('kpi_assessments').where(key).update(row);
    else await this.db('kpi_assessments').insert({ ...key, ...row });
  }

  async ofPeriod(agency: string, period: string): Promise<Map<string, { general: number | null; disqualified: boolean }>> {
    const out = new Map<string, { general: number | null; disqualified: boolean }>();
    for (const r of await this.db('kpi_assessments').where({ agency_code: agency, period }).select('user_id', 'general', 'disqualified')) {
      out.set(String(r.user_id), { general: toNumOrNull(r.general), disqualified: toBool(r.disqualified) });
    }
    return out;
  }

  async withUsers(agency: string, q: { period: string; from: string; to: string; unitId: string | null; limit: number }): Promise<AssessedUser[]> {
    let query = this.db('kpi_users as u')
      .leftJoin('kpi_assessments as a', function join() {
        this.on('a.agency_code', '=', 'u.agency_code').andOn('a.user_id', '=', 'u.id').andOnVal('a.period', '=', q.period);
      })
      .where('u.agency_code', agency)
      .andWhere((w) => w
        .whereNotNull('a.user_id')
        .orWhere((x) => x
          .where((y) => y.whereNull('u.active_from').orWhere('u.active_from', '<=', q.to))
          .andWhere((y) => y.whereNull('u.active_to').orWhere('u.active_to', '>=', q.from))));
    if (q.unitId !== null) query = query.andWhere('u.unit_id', q.unitId);
    const rows = await query.orderBy([{ column: 'u.unit_id' }, { column: 'u.is_leader', order: 'desc' }, { column: 'u.name' }, { column: 'u.id' }]).limit(q.limit)
      .select('u.id', 'u.name', 'u.unit_id', 'u.is_leader', 'a.general', 'a.disqualified', 'a.assessed_by', 'a.updated_at');
    return rows.map((r) => ({
      id: String(r.id), name: String(r.name), unitId: (r.unit_id as string | null) ?? null, isLeader: toBool(r.is_leader),
      assessment: r.assessed_by == null ? null : mapAssessment(r),
    }));
  }
}
