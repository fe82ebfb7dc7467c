/** The event inbox: every accepted event, its outcome, and the failed ones kept for replay. */

export type EventStatus = 'processed' | 'ignored' | 'failed';
export type IntakeSource = 'webhook' | 'inprocess' | 'ingest' | 'pull' | 'demo' | 'replay';

export interface NewEvent {
  agency: string;
  eventId: string;
  type: string;
  /** The official the event names as its actor (`actor.id`); null when it names none (a row that could not be read as an event). */
  actorId: string | null;
  occurredAt: Date;
  receivedAt: Date;
  /** The event as JSON text. */
  payload: string;
  status: EventStatus;
  error: string | null;
  source: IntakeSource;
}

export interface EventSummary { id: string; type: string; status: string; error: string | null; attempts: number; occurredAt: Date | null; receivedAt: Date | null }
export interface StoredEvent { eventId: string; type: string; status: EventStatus; error: string | null; occurredAt: Date | null; payload: string }

export interface EventTypeSummary {
  type: string;
  received: number;
  failed: number;
  lastReceivedAt: Date | null;
  /** The newest event of the type (by arrival): its id and how it ended. */
  last: { id: string; status: EventStatus; error: string | null } | null;
}

export interface EventStore {
  /** Inserts the events whose (agency, id) is not stored yet; returns the ids it inserted (exactly one caller wins an id). */
  insertNew(events: NewEvent[]): Promise<Set<string>>;
  /** Failed events in arrival order: all, or those of these ids. */
  failed(agency: string, ids?: string[]): Promise<Array<{ eventId: string; payload: string }>>;
  /** Sets a still-failed event's new outcome (one more attempt); false when it is no longer failed. */
  settleFailed(agency: string, eventId: string, status: EventStatus, error: string | null): Promise<boolean>;
  payload(agency: string, eventId: string): Promise<string | null>;
  /** The newest events of a status (at most `limit`). */
  list(agency: string, status: EventStatus, limit: number): Promise<EventSummary[]>;
  /**
   * Events between two instants, newest first, at most `limit`: those of `types` whose actor is
   * the user (rows stored before events had an `actor_id`: the user id anywhere in the payload),
   * and those of any other type with one of `statuses` that may name the user (a superset: the
   * user id as a JSON string anywhere in the payload). The caller tests each one exactly.
   */
  mentioning(agency: string, q: { userId: string; from: Date; to: Date; types: readonly string[]; statuses: readonly EventStatus[]; limit: number }): Promise<StoredEvent[]>;
  /** Per event type: how many were received, how many failed, and the newest to arrive. */
  typeSummary(agency: string): Promise<EventTypeSummary[]>;
  /** Events of these types and this status that happened in [from, to), oldest first (at most `limit`, after sequence `afterSeq`). */
  between(agency: string, q: { from: Date; to: Date; types: readonly string[]; status: EventStatus; afterSeq: number; limit: number }): Promise<Array<StoredEvent & { seq: number }>>;
}
