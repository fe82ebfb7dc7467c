import type { AgencyStore } from './agency-store';
import type { AssessmentStore } from './assessment-store';
import type { AssignmentStore } from './assignment-store';
import type { AuditStore } from './audit-store';
import type { CatalogueStore } from './catalogue-store';
import type { DirectoryStore } from './directory-store';
import type { EventStore } from './event-store';
import type { FormUseStore } from './form-use-store';
import type { JournalStore } from './journal-store';
import type { PeriodStore } from './period-store';
import type { LeaseStore, PullStore } from './pull-store';
import type { RequestStore } from './request-store';

export type * from './agency-store';
export type * from './assessment-store';
export type * from './assignment-store';
export type * from './audit-store';
export type * from './catalogue-store';
export type * from './directory-store';
export type * from './event-store';
export type * from './journal-store';
export type * from './period-store';
export type * from './pull-store';
export type * from './form-use-store';
export type * from './request-store';
export { CORRECTION_TYPES } from './request-store';
export { subjectKey } from './assignment-store';

/** Every store, bound to one database handle: outside a transaction, or inside one (see UnitOfWork). */
export interface Stores {
  agencies: AgencyStore;
  catalogue: CatalogueStore;
  audit: AuditStore;
  events: EventStore;
  journal: JournalStore;
  assignments: AssignmentStore;
  directory: DirectoryStore;
  assessments: AssessmentStore;
  periods: PeriodStore;
  pull: PullStore;
  leases: LeaseStore;
  formUses: FormUseStore;
  requests: RequestStore;
}

/**
 * Whose scores a write transaction can move, as its work says while it runs: the officials of
 * one agency in `users` (none: it moves no score), or `all` once the work cannot tell (a
 * directory change, a cancellation of everyone on a task). Kept quota pools re-score only these
 * officials' units (services/read-cache.ts); a write that gives no reach moves everything.
 */
export interface WriteReach {
  agency: string;
  users: Set<string>;
  all: boolean;
}

export interface WriteOptions {
  attempts?: number;
  /** Filled by the work as it writes; read once the transaction has ended. */
  reach?: WriteReach;
  /**
   * The write counter that counts this transaction once it has ended (services/read-cache.ts):
   * the unit of work tags the transaction's statements with it (`COUNTED_BY` on knex's client of
   * the transaction), so that the counter does not also count them one by one.
   */
  countedBy?: object;
}

/** Where a knex transaction's client carries `WriteOptions.countedBy`. */
export const COUNTED_BY: unique symbol = Symbol('eoffice-kpi.countedBy');

/**
 * The stores and their transactions. `read` serves reads outside a transaction; `write` runs a
 * piece of work in ONE transaction with every store bound to it, begun the way the database
 * needs for a writer, and runs it again when the database reports a passing conflict (busy,
 * deadlock, serialization) — so the work must do nothing outside the stores that it cannot
 * do twice. Any other error, and a conflict after the last try, reaches the caller.
 */
export interface UnitOfWork {
  readonly read: Stores;
  write<T>(work: (stores: Stores) => Promise<T>, opts?: WriteOptions): Promise<T>;
  /** Whether the database is reachable. */
  ping(): Promise<void>;
}
