/** The work journal's entry, as the stores hand it to the services, and its one minutes formula. */

export type EntryStatus = 'pending' | 'approved' | 'rejected';
export type EntrySource = 'event' | 'manual';
export type ItemKind = 'count' | 'rated';

/** m(e) = quantity × standard minutes × coefficient × rating (docs/hr.md). The one place it is written. */
export function entryMinutes(quantity: number, standardMinutes: number, coefficient: number, rating = 1): number {
  return quantity * standardMinutes * coefficient * rating;
}

export interface JournalEntry {
  id: string;
  userId: string;
  unitId: string | null;
  /** The local day, YYYY-MM-DD. */
  day: string;
  workItemCode: string;
  itemVersion: number;
  itemKind: ItemKind;
  standardMinutes: number;
  quantity: number;
  coefficient: number;
  /** As stored (1 until a leader rates a rated item). */
  rating: number;
  minutes: number;
  status: EntryStatus;
  source: EntrySource;
  eventId: string | null;
  ruleId: string | null;
  subjectKind: string | null;
  subjectId: string | null;
  subjectTitle: string | null;
  fails: number;
  delays: number;
  late: boolean;
  completes: boolean;
  note: string | null;
  reviewReason: string | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  occurredAt: Date | null;
}

/** An entry to insert: everything but its id, with its timestamps. */
export interface NewEntry extends Omit<JournalEntry, 'id'> {
  createdAt: Date;
  updatedAt: Date;
}

/** The fields a change may set (the store adds nothing else). */
export type EntryPatch = Partial<Pick<JournalEntry,
  'day' | 'workItemCode' | 'itemVersion' | 'itemKind' | 'standardMinutes' | 'quantity' | 'coefficient' | 'rating' | 'minutes' | 'status'
  | 'ruleId' | 'fails' | 'delays' | 'late' | 'note' | 'reviewReason' | 'reviewedBy' | 'reviewedAt'>> & { updatedAt: Date };

/** A journal entry as the JSON API shows it. */
export interface JournalEntryJson {
  id: string;
  userId: string;
  unitId: string | null;
  date: string;
  workItemCode: string;
  itemVersion: number;
  quantity: number;
  coefficient: number;
  rating: number | null;
  standardMinutes: number;
  minutes: number;
  status: EntryStatus;
  source: EntrySource;
  eventId: string | null;
  subjectKind: string | null;
  subjectId: string | null;
  subjectTitle: string | null;
  fails: number;
  delays: number;
  late: boolean;
  note: string | null;
  reviewReason: string | null;
  reviewedBy: string | null;
  occurredAt: string | null;
}

export function entryJson(e: JournalEntry): JournalEntryJson {
  return {
    id: e.id, userId: e.userId, unitId: e.unitId, date: e.day, workItemCode: e.workItemCode, itemVersion: e.itemVersion,
    quantity: e.quantity, coefficient: e.coefficient,
    // A rated item has its rating once the leader rated it, which also approves it; until then it shows none.
    rating: e.itemKind === 'rated' && e.status !== 'approved' ? null : e.rating,
    standardMinutes: e.standardMinutes, minutes: e.minutes, status: e.status, source: e.source, eventId: e.eventId,
    subjectKind: e.subjectKind, subjectId: e.subjectId, subjectTitle: e.subjectTitle, fails: e.fails, delays: e.delays, late: e.late,
    note: e.note, reviewReason: e.reviewReason, reviewedBy: e.reviewedBy, occurredAt: e.occurredAt ? e.occurredAt.toISOString() : null,
  };
}

/** An official's local day whose entries changed. */
export interface DayKey { userId: string; day: string }

/** A subject of the host (a document, a task) or, for a leader's "not met" on an entry alone, `entry`. */
export interface SubjectRef { kind: string; id: string }
