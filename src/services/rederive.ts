import type { DayKey, SubjectRef } from '../domain/journal';
import { deriveEntry } from '../rules/derive';
import { subjectKey, type Stores, type SubjectFacts } from '../stores';

/**
 * Re-derives fails, delays and lateness (rules/derive.ts) of every entry the marks of these
 * subjects bear on, from the stored facts, and saves the entries whose values changed.
 * The one place this happens: the intake calls it when a mark or a due time arrives after
 * the entries it bears on, the review when a leader records "not met". A subject of kind
 * `entry` names one entry by id (a "not met" on an entry that has no subject): that entry
 * completes nothing. Returns the days of the changed entries, for the roll-ups.
 */
export async function rederive(tx: Stores, agency: string, subjects: readonly SubjectRef[], now: Date, known?: Map<string, SubjectFacts>): Promise<DayKey[]> {
  if (subjects.length === 0) return [];
  const facts = known ?? (await tx.assignments.facts(agency, subjects));
  const changed: DayKey[] = [];
  for (const e of await tx.journal.ofSubjects(agency, subjects)) {
    const own = e.subjectKind === null || e.subjectId === null;
    const f = facts.get(own ? subjectKey('entry', e.id) : subjectKey(e.subjectKind!, e.subjectId!));
    const d = deriveEntry({ userId: e.userId, completes: !own && e.completes, occurredAt: e.occurredAt! }, f?.marks ?? [], own ? null : f?.due.get(e.userId) ?? null);
    if (d.fails !== e.fails || d.delays !== e.delays || d.late !== e.late) {
      await tx.journal.update(agency, e.id, { fails: d.fails, delays: d.delays, late: d.late, updatedAt: now });
      changed.push({ userId: e.userId, day: e.day });
    }
  }
  return changed;
}
