import type { DayKey, JournalEntry, SubjectRef } from '../domain/journal';
import { deriveEntry, type Derived } from '../rules/derive';
import { subjectKey, type Stores, type SubjectFacts } from '../stores';

/**
 * Re-derives fails, delays and lateness (rules/derive.ts) of every entry of these subjects
 * from the stored facts (the subjects' marks and due times), and saves the entries whose
 * values changed. The one place this happens: the intake calls it when a mark or a due time
 * arrives after the entries it bears on, the review when a leader records "not met". Returns
 * the days of the changed entries, for the roll-ups.
 */
export async function rederive(tx: Stores, agency: string, subjects: readonly SubjectRef[], now: Date, known?: Map<string, SubjectFacts>): Promise<DayKey[]> {
  if (subjects.length === 0) return [];
  const facts = known ?? (await tx.assignments.facts(agency, subjects));
  const changed: DayKey[] = [];
  for (const e of await tx.journal.ofSubjects(agency, subjects)) {
    const f = facts.get(subjectKey(e.subjectKind!, e.subjectId!));
    if (await save(tx, agency, e, deriveEntry({ userId: e.userId, completes: e.completes, occurredAt: e.occurredAt! }, f?.marks ?? [], f?.due.get(e.userId) ?? null), now)) changed.push({ userId: e.userId, day: e.day });
  }
  return changed;
}

/**
 * The same for one entry that has no subject of its own (a leader's "not met" on a manual
 * entry): its marks are kept under the subject `entry`/its id, it has no due time and
 * completes nothing.
 */
export async function rederiveEntry(tx: Stores, agency: string, entryId: string, now: Date): Promise<DayKey[]> {
  const e = await tx.journal.get(agency, entryId);
  if (!e) return [];
  const f = (await tx.assignments.facts(agency, [{ kind: 'entry', id: entryId }])).get(subjectKey('entry', entryId));
  const saved = await save(tx, agency, e, deriveEntry({ userId: e.userId, completes: false, occurredAt: e.occurredAt! }, f?.marks ?? [], null), now);
  return saved ? [{ userId: e.userId, day: e.day }] : [];
}

async function save(tx: Stores, agency: string, e: JournalEntry, d: Derived, now: Date): Promise<boolean> {
  if (d.fails === e.fails && d.delays === e.delays && d.late === e.late) return false;
  await tx.journal.update(agency, e.id, { fails: d.fails, delays: d.delays, late: d.late, updatedAt: now });
  return true;
}
