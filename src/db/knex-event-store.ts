import type { Knex } from 'knex';
import type { EventStatus, EventStore, EventSummary, EventTypeSummary, NewEvent, StoredEvent } from '../stores';
import type { SqlDialect } from './sql-dialects';
import { chunkForParams, toDate, toNum } from './rows';

/** `%` `_` `[` and the escape character itself are literal in a LIKE pattern after this (with ESCAPE '!'). */
export function likeLiteral(s: string): string {
  return s.replace(/[!%_[]/g, (c) => `!${c}`);
}

/** The event inbox (kpi_events). */
export class KnexEventStore implements EventStore {
  constructor(private readonly db: Knex | Knex.Transaction, private readonly dialect: SqlDialect) {}

  insertNew(events: NewEvent[]): Promise<Set<string>> {
    const rows = events.map((e) => ({
      agency_code: e.agency, event_id: e.eventId, type: e.type, actor_id: e.actorId, occurred_at: e.occurredAt, received_at: e.receivedAt,
      payload: e.payload, status: e.status, error: e.error, attempts: 1, source: e.source,
    }));
    return this.dialect.insertNewEvents(this.db as Knex.Transaction, rows);
  }

  async failed(agency: string, ids?: string[]): Promise<Array<{ eventId: string; payload: string }>> {
    const q = () => this.db('kpi_events').where({ agency_code: agency, status: 'failed' }).orderBy('seq').select('event_id', 'payload');
    const rows: Array<{ event_id: string; payload: string }> = [];
    if (ids === undefined || ids.length === 0) rows.push(...(await q()));
    else for (const part of chunkForParams(ids, 1, this.dialect.maxParams - 2)) rows.push(...(await q().whereIn('event_id', part)));
    return rows.map((r) => ({ eventId: String(r.event_id), payload: String(r.payload) }));
  }

  async settleFailed(agency: string, eventId: string, status: EventStatus, error: string | null): Promise<boolean> {
    const n = await this.db('kpi_events').where({ agency_code: agency, event_id: eventId, status: 'failed' })
      .update({ status, error, attempts: this.db.raw('attempts + 1') });
    return n > 0;
  }

  async payload(agency: string, eventId: string): Promise<string | null> {
    const r = await this.db('kpi_events').where({ agency_code: agency, event_id: eventId }).first('payload');
    return r ? String(r.payload) : null;
  }

  async list(agency: string, status: EventStatus, limit: number): Promise<EventSummary[]> {
    const rows = await this.db('kpi_events').where({ agency_code: agency, status }).orderBy('seq', 'desc').limit(limit)
      .select('event_id', 'type', 'status', 'error', 'attempts', 'occurred_at', 'received_at');
    return rows.map((r) => ({ id: String(r.event_id), type: String(r.type), status: String(r.status), error: (r.error as string | null) ?? null, attempts: toNum(r.attempts), occurredAt: toDate(r.occurred_at), receivedAt: toDate(r.received_at) }));
  }

  async mentioning(agency: string, q: { userId: string; from: Date; to: Date; types: readonly string[]; statuses: readonly EventStatus[]; limit: number }): Promise<StoredEvent[]> {
    const like = `%${likeLiteral(JSON.stringify(q.userId))}%`;
    const within = (index: string) => this.db.from(this.dialect.indexed(this.db, 'kpi_events', index)).where({ agency_code: agency })
      .andWhere('occurred_at', '>=', q.from).andWhere('occurred_at', '<', q.to);
    const newest = (b: Knex.QueryBuilder) => b.orderBy('occurred_at', 'desc').limit(q.limit).select('event_id', 'type', 'status', 'error', 'occurred_at', 'payload');
    // Three reads, each served by an index and none reading the agency's whole month: the user's
    // own events (ix_kpi_events_actor); rows stored before actor_id was written (that index's null
    // range, tested by payload); failed or ignored events of other types that may name the user
    // (ix_kpi_events_status_at, by status and time).
    const parts: Knex.QueryBuilder[] = [];
    if (q.types.length > 0) {
      parts.push(newest(within('ix_kpi_events_actor').andWhere('actor_id', q.userId).whereIn('type', [...q.types])));
      parts.push(newest(within('ix_kpi_events_actor').whereNull('actor_id').whereIn('type', [...q.types]).andWhereRaw("payload like ? escape '!'", [like])));
    }
    if (q.statuses.length > 0) {
      const others = within('ix_kpi_events_status_at').whereIn('status', [...q.statuses]);
      if (q.types.length > 0) others.whereNotIn('type', [...q.types]);
      // A superset prefilter (the user id as a JSON string anywhere in the payload); the caller tests exactly.
      parts.push(newest(others.andWhereRaw("payload like ? escape '!'", [like])));
    }
    const rows: Array<Record<string, unknown>> = [];
    for (const part of parts) rows.push(...((await part) as Array<Record<string, unknown>>)); // one after another: a transaction's connection takes one at a time
    const events = rows.map((r) => ({ eventId: String(r.event_id), type: String(r.type), status: r.status as EventStatus, error: (r.error as string | null) ?? null, occurredAt: toDate(r.occurred_at), payload: String(r.payload) }));
    return events.sort((a, b) => (b.occurredAt?.getTime() ?? 0) - (a.occurredAt?.getTime() ?? 0)).slice(0, q.limit);
  }

  async typeSummary(agency: string): Promise<EventTypeSummary[]> {
    const rows = await this.db('kpi_events').where({ agency_code: agency }).groupBy('type').orderBy('type')
      .select('type', this.db.raw('count(*) as received'), this.db.raw('sum(case when status = ? then 1 else 0 end) as failed', ['failed']), this.db.raw('max(received_at) as last_received_at'));
    // The newest event of each type, by arrival (seq), in one more statement.
    const newest = await this.db('kpi_events').where({ agency_code: agency })
      .whereIn('seq', this.db('kpi_events').where({ agency_code: agency }).groupBy('type').max('seq'))
      .select('type', 'event_id', 'status', 'error');
    const last = new Map(newest.map((r) => [String(r.type), { id: String(r.event_id), status: r.status as EventStatus, error: (r.error as string | null) ?? null }]));
    return rows.map((r: Record<string, unknown>) => ({
      type: String(r.type), received: toNum(r.received), failed: toNum(r.failed ?? 0), lastReceivedAt: toDate(r.last_received_at), last: last.get(String(r.type)) ?? null,
    }));
  }

  async between(agency: string, q: { from: Date; to: Date; types: readonly string[]; status: EventStatus; afterSeq: number; limit: number }): Promise<Array<StoredEvent & { seq: number }>> {
    const rows = await this.db('kpi_events').where({ agency_code: agency, status: q.status }).whereIn('type', [...q.types])
      .andWhere('occurred_at', '>=', q.from).andWhere('occurred_at', '<', q.to).andWhere('seq', '>', q.afterSeq)
      .orderBy('seq').limit(q.limit).select('seq', 'event_id', 'type', 'status', 'error', 'occurred_at', 'payload');
    return rows.map((r) => ({ seq: toNum(r.seq), eventId: String(r.event_id), type: String(r.type), status: r.status as EventStatus, error: (r.error as string | null) ?? null, occurredAt: toDate(r.occurred_at), payload: String(r.payload) }));
  }
}
