import { createHash } from 'node:crypto';
import { hostInstant, type HostRow } from './host-view';

/**
 * Extra columns of the view and where they go in the event: `"title": "subject.title"`,
 * `"due_at": "subject.dueAt"`, `"role": "data.role"`; a bare name (`"role": "role"`) means `data.role`.
 */
export type ColumnMap = Record<string, string>;

/** A row that could not be made into an event: kept as a failed event with its reason. */
export interface BrokenRow { eventId: string; type: string; occurredAt: Date; payload: string; error: string }

export type MappedRow = { event: Record<string, unknown> } | { broken: BrokenRow };

const MAX_ID = 200;

/** A row the driver returned, as JSON text (instants as ISO strings) for the failed-event payload. */
function rowJson(row: HostRow): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v;
  return JSON.stringify(out);
}

/** An id for a row without a usable one, stable for the same row content: reading it twice keeps one failed event. */
function standInId(payload: string): string {
  return `pull-no-id:${createHash('sha256').update(payload).digest('hex').slice(0, 40)}`;
}

/** The host's event id as text: strings as they are, whole numbers written out; anything else is none. */
export function hostId(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  return null;
}

function instantText(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') {
    // datetime2 read as text carries no offset: it is UTC (docs/pull.md).
    return /[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : hostInstant(v)?.toISOString() ?? v;
  }
  return v;
}

/**
 * One row of the view as an event of the contract (validated afterwards by the intake, as any
 * event), or, when it cannot be one — no id, `data` that is not a JSON object — a broken row with
 * the reason. Mapped columns fill `subject.*` or `data.*`; a NULL column is left out.
 */
export function rowToEvent(row: HostRow, agency: string, columns: ColumnMap = {}): MappedRow {
  const id = hostId(row.event_id);
  const type = typeof row.event_type === 'string' ? row.event_type.slice(0, 100) : '';
  const occurredAt = hostInstant(row.occurred_at) ?? new Date(0);
  const fail = (eventId: string, error: string): MappedRow => ({ broken: { eventId, type, occurredAt, payload: rowJson(row), error } });
  if (id === null) return fail(standInId(rowJson(row)), 'event_id: dòng không có mã sự kiện (the row has no event id)');
  if (id.length > MAX_ID) return fail(standInId(rowJson(row)), `event_id: dài hơn ${MAX_ID} ký tự (longer than ${MAX_ID} characters)`);
  let data: Record<string, unknown> = {};
  if (row.data !== null && row.data !== undefined && row.data !== '') {
    let parsed: unknown;
    try {
      parsed = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
    } catch (e) {
      return fail(id, `data: không phải JSON hợp lệ (not valid JSON): ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return fail(id, 'data: phải là một đối tượng JSON (must be a JSON object)');
    data = parsed as Record<string, unknown>;
  }
  const subject: Record<string, unknown> = { kind: row.subject_kind, id: hostId(row.subject_id) ?? row.subject_id };
  for (const [column, target] of Object.entries(columns)) {
    const v = row[column];
    if (v === null || v === undefined) continue;
    const [where, key] = target.startsWith('subject.') ? [subject, target.slice('subject.'.length)] : [data, target.replace(/^data\./, '')];
    where[key] = v instanceof Date || /At$/.test(key) ? instantText(v) : v;
  }
  return {
    event: {
      id, type: row.event_type, occurredAt: instantText(row.occurred_at), agency,
      actor: { id: hostId(row.actor_id) ?? row.actor_id }, subject, data,
    },
  };
}
