import type { Knex } from 'knex';
import { toNfc } from '../domain/text';
import type { KpiRequest, NewRequest, RequestDecision, RequestQuery, RequestStore } from '../stores';
import { parseJson, toDate, toNumOrNull } from './rows';

/** Corrections and appeals (kpi_requests). */
export class KnexRequestStore implements RequestStore {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async insert(r: NewRequest): Promise<string> {
    const row = {
      agency_code: r.agency, kind: r.kind, type: r.type, user_id: r.userId, unit_id: r.unitId, entry_id: r.entryId, subject_kind: r.subjectKind,
      subject_id: r.subjectId, period: r.period, day: r.day, proposed_user_id: r.proposedUserId, proposed_item_code: r.proposedItemCode,
      proposed_quantity: r.proposedQuantity, reason: r.reason.normalize('NFC'), status: 'pending', decided_by: null, decided_at: null,
      decision_note: null, outcome: null, created_at: r.createdAt, updated_at: r.createdAt,
    };
    const [ins] = (await this.db('kpi_requests').insert(row).returning(['id'])) as Array<{ id: number | string } | number>;
    return String(typeof ins === 'object' ? ins.id : ins);
  }

  async get(agency: string, id: string): Promise<KpiRequest | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const r = await this.db('kpi_requests').where({ agency_code: agency, id }).first();
    return r ? mapRequest(r) : null;
  }

  async list(agency: string, q: RequestQuery): Promise<KpiRequest[]> {
    const query = this.db('kpi_requests').where({ agency_code: agency, kind: q.kind });
    if (q.unitId !== undefined) query.andWhere('unit_id', q.unitId);
    if (q.userId !== undefined) query.andWhere('user_id', q.userId);
    if (q.status !== undefined) query.andWhere('status', q.status);
    if (q.period !== undefined) query.andWhere('period', q.period);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).select('*');
    return rows.map(mapRequest);
  }

  async decide(agency: string, id: string, d: RequestDecision): Promise<boolean> {
    const n = await this.db('kpi_requests').where({ agency_code: agency, id, status: 'pending' }).update({
      status: d.status, decided_by: d.decidedBy, decided_at: d.decidedAt, decision_note: d.decisionNote === null ? null : d.decisionNote.normalize('NFC'),
      outcome: d.outcome === undefined || d.outcome === null ? null : JSON.stringify(toNfc(d.outcome)), updated_at: d.decidedAt,
    });
    return Number(n) === 1;
  }
}

const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function mapRequest(r: Record<string, unknown>): KpiRequest {
  return {
    id: String(r.id), agency: String(r.agency_code), kind: r.kind as KpiRequest['kind'], type: r.type as KpiRequest['type'], userId: String(r.user_id),
    unitId: strOrNull(r.unit_id), entryId: strOrNull(r.entry_id), subjectKind: strOrNull(r.subject_kind), subjectId: strOrNull(r.subject_id),
    period: strOrNull(r.period), day: strOrNull(r.day), proposedUserId: strOrNull(r.proposed_user_id), proposedItemCode: strOrNull(r.proposed_item_code),
    proposedQuantity: toNumOrNull(r.proposed_quantity), reason: String(r.reason), status: r.status as KpiRequest['status'], decidedBy: strOrNull(r.decided_by),
    decidedAt: toDate(r.decided_at), decisionNote: strOrNull(r.decision_note), outcome: parseJson<unknown>(r.outcome, null),
    createdAt: toDate(r.created_at) ?? new Date(0), updatedAt: toDate(r.updated_at) ?? new Date(0),
  };
}
