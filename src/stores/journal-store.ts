import type { DayKey, EntryPatch, EntryStatus, JournalEntry, NewEntry, SubjectRef } from '../domain/journal';

/** A journal entry as the daily roll-up counts it. */
export interface DayEntry { userId: string; day: string; status: string; minutes: number; fails: number; delays: number }

/** The penalties the roll-up's sums were built with (the profile's). */
export interface Penalties { fail: number; delay: number }

export interface TotalsQuery {
  agency: string;
  from: string;
  to: string;
  statuses: ReadonlyArray<'approved' | 'pending'>;
  capMinutes: number;
  clip: boolean;
  failPenalty: number;
  delayPenalty: number;
  userIds?: string[];
  /**
   * Whether to list the days over the cap (default true): explanations show them. A computation
   * that only ranks (the quota pool) leaves them out; on SQLite that is a third of the statement.
   */
  overDays?: boolean;
}

export interface UserTotals { userId: string; C: number; CL: number; CT: number; overDays: number; daysLogged: number; entries: number }

export interface PeriodTotals {
  totals: Map<string, UserTotals>;
  /** Days over the cap per official, with their T(d), in day order. */
  overDays: Map<string, Array<{ day: string; minutes: number }>>;
}

export interface JournalPageQuery {
  from: string;
  to: string;
  /** One official, or the members of one unit (then optionally one of them). */
  userId?: string;
  unitId?: string;
  status?: EntryStatus;
  after?: { day: string; id: string } | null;
  limit: number;
}

/**
 * The work journal and its daily roll-ups (one row per official and day with the sums a score
 * needs before the cap). Every write that changes entries keeps the roll-ups in step in the same
 * transaction: the intake calls `applyDays` with the entries it inserted and the days it changed,
 * the other writers `refreshDays` with the days they touched, last in their transaction.
 */
export interface JournalStore {
  get(agency: string, id: string): Promise<JournalEntry | null>;
  page(agency: string, q: JournalPageQuery): Promise<JournalEntry[]>;
  /** The entries of these subjects (documents, tasks: the host's subject kind and id), by day then id. */
  ofSubjects(agency: string, subjects: readonly SubjectRef[]): Promise<JournalEntry[]>;
  /** An official's event-made entries that complete a task. */
  completionsOf(agency: string, taskId: string, userId: string): Promise<JournalEntry[]>;
  /** An official's entries in [from, to] of these statuses, by day then id. */
  ofUser(agency: string, userId: string, from: string, to: string, statuses: readonly EntryStatus[]): Promise<JournalEntry[]>;
  countPending(agency: string, from: string, to: string): Promise<number>;
  /** Ids of the events that made an entry for the official on days in [from, to]. */
  eventsWithEntry(agency: string, userId: string, from: string, to: string): Promise<Set<string>>;
  /** `kind\0id` of the subjects the official made manual entries about. */
  manualSubjects(agency: string, userId: string): Promise<Set<string>>;
  /** The official's entry made by an event, if any. */
  entryOfEvent(agency: string, eventId: string, userId: string): Promise<string | null>;

  /** Inserts event-made entries in bulk (then call `applyDays` with them, last in the transaction). */
  insertMany(agency: string, entries: readonly NewEntry[]): Promise<void>;
  /** Inserts one entry; returns its id. */
  insert(agency: string, entry: NewEntry): Promise<string>;
  update(agency: string, id: string, patch: EntryPatch): Promise<void>;
  /** Updates only while the entry is in one of `from`: false when it was not (someone else changed it). */
  updateIfStatus(agency: string, id: string, from: readonly EntryStatus[], patch: EntryPatch): Promise<boolean>;
  /** Deletes a pending manual entry; false when it no longer is one. */
  deletePendingManual(agency: string, id: string): Promise<boolean>;
  /** Entries made before the directory knew the official take the unit they are in. */
  adoptUnit(agency: string, userId: string, unitId: string): Promise<void>;

  /** Adds `added` entries (inserted by this transaction) to their days' roll-ups and recomputes the `changed` days (call it last). */
  applyDays(agency: string, added: readonly DayEntry[], changed: Iterable<DayKey>): Promise<void>;
  /** Recomputes the roll-ups of these days from the entries (call it last in the transaction). */
  refreshDays(agency: string, keys: Iterable<DayKey>): Promise<void>;
  /**
   * Brings the agency's roll-up to these penalties (built on first use, rebuilt when they change); true when it rebuilt.
   * It runs its own write transaction: call it (and periodTotals) outside a `write`, from `read`.
   */
  ensureDays(agency: string, penalties: Penalties): Promise<boolean>;
  /** C, CL, CT per official after the daily cap, and the days over the cap: one statement over the roll-ups. */
  periodTotals(q: TotalsQuery): Promise<PeriodTotals>;
  /** Deletes an entry an event made (the rules, re-derived, no longer make it); false when there is none. */
  deleteEventEntry(agency: string, id: string): Promise<boolean>;
}
