/**
 * fails(e), delays(e) and lateness, derived from stored facts so that the result does not
 * depend on the order in which events arrived (docs/hr.md):
 * - fails(e): non-excused failed quality assessments of e's work. A mark that names a user
 *   applies to that user's entries for the subject; a mark that names nobody (a task
 *   rejected without `data.userId`) applies to every entry that completed the subject.
 * - delays(e), for an entry that completes an assignment: the non-excused extensions of
 *   that assignment, plus 1 if it was completed after its final due time (the newest
 *   extension's `newDueAt`, else the assignment's `dueAt`).
 * Pure.
 */

export type MarkKind = 'fail' | 'extension' | 'completion' | 'cancel';

export interface MarkFact {
  kind: MarkKind;
  userId: string | null;
  excused: boolean;
  newDueAt: Date | null;
  at: Date;
}

export interface EntryFact {
  userId: string;
  completes: boolean;
  occurredAt: Date;
}

export interface Derived { fails: number; delays: number; late: boolean }

export function deriveEntry(entry: EntryFact, marks: readonly MarkFact[], assignmentDueAt: Date | null): Derived {
  let fails = 0;
  for (const m of marks) {
    if (m.kind !== 'fail' || m.excused) continue;
    if (m.userId === entry.userId || (m.userId === null && entry.completes)) fails++;
  }
  if (!entry.completes) return { fails, delays: 0, late: false };
  let delays = 0;
  let finalDue = assignmentDueAt;
  let newestExtensionAt = -Infinity;
  for (const m of marks) {
    if (m.kind !== 'extension' || (m.userId !== null && m.userId !== entry.userId)) continue;
    if (!m.excused) delays++;
    if (m.newDueAt && m.at.getTime() >= newestExtensionAt) {
      newestExtensionAt = m.at.getTime();
      finalDue = m.newDueAt;
    }
  }
  const late = finalDue !== null && entry.occurredAt.getTime() > finalDue.getTime();
  return { fails, delays: delays + (late ? 1 : 0), late };
}

/** Whether an event names a user: as its actor, or as the user its data is about. */
export function namesUser(ev: { actor?: { id?: unknown }; data?: Record<string, unknown> | undefined }, userId: string): boolean {
  if (ev.actor?.id === userId) return true;
  const d = ev.data;
  if (!d || typeof d !== 'object') return false;
  if (d.userId === userId || d.assigneeId === userId) return true;
  return Array.isArray(d.assignees) && d.assignees.some((a) => a !== null && typeof a === 'object' && (a as { userId?: unknown }).userId === userId);
}
