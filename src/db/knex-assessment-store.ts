import type { Knex } from 'knex';
import type { AssessedUser, Assessment, AssessmentStore, DisqualifiedGround, GroupScores } from '../stores';
import { chunkForParams, toBool, toDate, toNum, toNumOrNull } from './rows';

/** The columns of an assessment, in the order they are read. */
const COLUMNS = ['general', 'disqualified', 'assessed_by', 'updated_at', 'general_i', 'general_ii', 'general_iii', 'self_i', 'self_ii', 'self_iii', 'disqualified_ground'] as const;

function groupsOf(r: Record<string, unknown>, prefix: 'general' | 'self'): GroupScores | null {
  const g = { I: toNumOrNull(r[`${prefix}_i`]), II: toNumOrNull(r[`${prefix}_ii`]), III: toNumOrNull(r[`${prefix}_iii`]) };
  return g.I === null && g.II === null && g.III === null ? null : g;
}

/** An assessment; its detail (groups, self score, ground) only when recorded: absent means none. */
function mapAssessment(r: Record<string, unknown>): Assessment {
  const a: Assessment = { general: r.general == null ? null : toNum(r.general), disqualified: toBool(r.disqualified), assessedBy: (r.assessed_by as string | null) ?? null, updatedAt: toDate(r.updated_at) };
  const groups = groupsOf(r, 'general');
  const selfGroups = groupsOf(r, 'self');
  if (groups !== null) a.groups = groups;
  if (selfGroups !== null) a.selfGroups = selfGroups;
  if (r.disqualified_ground != null) a.disqualifiedGround = r.disqualified_ground as DisqualifiedGround;
  return a;
}

function detailRow(a: Assessment): Record<string, number | string | null> {
  return {
    general_i: a.groups?.I ?? null, general_ii: a.groups?.II ?? null, general_iii: a.groups?.III ?? null,
    self_i: a.selfGroups?.I ?? null, self_ii: a.selfGroups?.II ?? null, self_iii: a.selfGroups?.III ?? null,
    disqualified_ground: a.disqualifiedGround ?? null,
  };
}

/** The general criteria and disqualified marks (kpi_assessments). */
export class KnexAssessmentStore implements AssessmentStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async get(agency: string, userId: string, period: string): Promise<Assessment | null> {
    const r = await this.db('kpi_assessments').where({ agency_code: agency, user_id: userId, period }).first(...COLUMNS);
    return r ? mapAssessment(r) : null;
  }

  async put(agency: string, userId: string, period: string, a: Assessment & { assessedBy: string; updatedAt: Date }, exists: boolean): Promise<void> {
    const key = { agency_code: agency, user_id: userId, period };
    const row = { general: a.general, disqualified: a.disqualified, assessed_by: a.assessedBy, updated_at: a.updatedAt, ...detailRow(a) };
    if (exists) await this.db('kpi_assessments').where(key).update(row);
    else await this.db('kpi_assessments').insert({ ...key, ...row });
  }

  async ofPeriod(agency: string, period: string, userIds?: readonly string[]): Promise<Map<string, { general: number | null; disqualified: boolean; disqualifiedGround?: DisqualifiedGround | null }>> {
    const out = new Map<string, { general: number | null; disqualified: boolean; disqualifiedGround?: DisqualifiedGround | null }>();
    const q = () => this.db('kpi_assessments').where({ agency_code: agency, period }).select('user_id', 'general', 'disqualified', 'disqualified_ground');
    const take = (rows: Array<Record<string, unknown>>): void => {
      for (const r of rows) {
        const a: { general: number | null; disqualified: boolean; disqualifiedGround?: DisqualifiedGround } = { general: toNumOrNull(r.general), disqualified: toBool(r.disqualified) };
        if (r.disqualified_ground != null) a.disqualifiedGround = r.disqualified_ground as DisqualifiedGround;
        out.set(String(r.user_id), a);
      }
    };
    if (userIds === undefined) take(await q());
    // Under SQL Server's 2,100 parameters (the agency and the period take two).
    else for (const part of chunkForParams([...new Set(userIds)], 1, 2000)) take(await q().whereIn('user_id', part));
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
      .select('u.id', 'u.name', 'u.unit_id', 'u.is_leader', ...COLUMNS.map((c) => `a.${c}`));
    return rows.map((r) => ({
      id: String(r.id), name: String(r.name), unitId: (r.unit_id as string | null) ?? null, isLeader: toBool(r.is_leader),
      assessment: r.assessed_by == null ? null : mapAssessment(r),
    }));
  }
}
