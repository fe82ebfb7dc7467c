import type { SubjectRef } from '../domain/journal';
import type { MarkFact, MarkKind } from '../rules/derive';

/** Work assigned to officials (from document.assigned / task.assigned) and the facts marked on subjects. */

export type AssignmentStatus = 'open' | 'completed' | 'cancelled';

export interface Assignment {
  id: number;
  subjectKind: string;
  subjectId: string;
  userId: string;
  status: AssignmentStatus;
  workItemCode: string | null;
  quantity: number | null;
  dueAt: Date | null;
}

export interface AssignmentFields {
  role: string;
  dueAt: Date | null;
  dueDay: string | null;
  workItemCode: string | null;
  quantity: number | null;
  minutes: number;
  eventId: string;
  updatedAt: Date;
}

export interface NewMark {
  subjectKind: string;
  subjectId: string;
  userId: string | null;
  kind: MarkKind;
  excused: boolean;
  newDueAt: Date | null;
  at: Date;
  eventId: string | null;
}

/** What fails/delays are derived from, per subject: its marks and each assignee's due time. */
export interface SubjectFacts { marks: MarkFact[]; due: Map<string, Date | null> }

export interface AssignmentStore {
  /** Every assignment of these subjects. */
  ofSubjects(agency: string, subjects: readonly SubjectRef[]): Promise<Assignment[]>;
  insert(agency: string, subject: SubjectRef, userId: string, status: AssignmentStatus, fields: AssignmentFields): Promise<number>;
  update(id: number, fields: AssignmentFields): Promise<void>;
  setStatus(id: number, status: AssignmentStatus, now: Date): Promise<void>;
  /** Cancels a subject's assignments (one assignee's, or every one's: null). */
  cancel(agency: string, subject: SubjectRef, userId: string | null, now: Date): Promise<void>;
  insertMarks(agency: string, marks: NewMark[]): Promise<void>;
  /** The marks of these subjects, of the given kinds (all kinds when omitted). */
  marksOf(agency: string, subjects: readonly SubjectRef[], kinds?: readonly MarkKind[]): Promise<Array<{ subject: SubjectRef; mark: MarkFact }>>;
  /** Marks and due times of these subjects, keyed `kind\0id`. */
  facts(agency: string, subjects: readonly SubjectRef[]): Promise<Map<string, SubjectFacts>>;
  /** Σ m of the assignments due in [from, to] that were not cancelled, per official. */
  minutesDue(agency: string, from: string, to: string, userIds?: string[]): Promise<Map<string, number>>;
}

export const subjectKey = (kind: string, id: string): string => `${kind}\u0000${id}`;
