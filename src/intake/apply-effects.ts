import type { KpiEvent } from '../contract/events';
import { entryMinutes, type DayKey, type NewEntry, type SubjectRef } from '../domain/journal';
import { localDay } from '../domain/time';
import { deriveEntry } from '../rules/derive';
import { matchRule, planEvent, ruleCoefficient, type EventEffects, type PlannerEvent } from '../rules/planner';
import { subjectKey, type AssignmentStatus, type NewMark, type StoredWorkItem, type Stores, type SubjectFacts, type WriteReach } from '../stores';
import { catalogueOn, itemOn, type AgencyContext } from '../services/agency-service';
import { rederive } from '../services/rederive';

/** The types whose entry completes an assignment (delays apply to it). */
const COMPLETION_TYPES = new Set(['task.completed', 'document.processed']);

/** A new event with the effects its plan gave it. */
export interface LiveEvent { event: KpiEvent; effects: EventEffects }

/**
 * Writes what new events cause, set-based: a few statements per chunk, not per event, in the
 * caller's transaction. Facts (marks) are stored as such, so that whatever order events
 * arrive in, the state derived from them is the same. `moved` is told whose scores they move:
 * the officials whose entries, days or assignments they write; everyone (`all`) when they
 * change the directory or cancel a subject for all its assignees.
 */
export async function applyEffects(tx: Stores, ctx: AgencyContext, live: readonly LiveEvent[], now: Date, moved: WriteReach): Promise<void> {
  const agency = ctx.agency.code;
  const tz = ctx.settings.timeZone;
  if (live.length === 0) return;

  // 1. Directory (rare): users and units, newest occurredAt wins whatever the arrival order.
  for (const p of live) {
    for (const d of p.effects.directory) {
      moved.all = true; // a unit's members, leaders and the quota's groups may all change
      await upsertDirectory(tx, agency, d, new Date(p.event.occurredAt), tz);
    }
  }

  // 2. Marks: fails, extensions, completions and cancellations.
  const marks: NewMark[] = [];
  for (const { event: e, effects } of live) {
    const base = { subjectKind: e.subject.kind, subjectId: e.subject.id, eventId: e.id };
    for (const m of effects.marks) marks.push({ ...base, userId: m.userId, kind: m.kind, excused: m.excused, newDueAt: m.newDueAt ? new Date(m.newDueAt) : null, at: new Date(m.at) });
    for (const a of effects.assignments) {
      if (a.op === 'cancel') marks.push({ ...base, userId: a.userId, kind: 'cancel', excused: false, newDueAt: null, at: new Date(e.occurredAt) });
    }
  }
  await tx.assignments.insertMarks(agency, marks);

  // 3. Assignments (created in the state their already-stored marks give them).
  const hasAssignmentWork = live.some((p) => p.effects.assignments.length > 0 || p.effects.marks.some((m) => m.kind === 'completion'));
  const assigned = hasAssignmentWork ? await applyAssignments(tx, ctx, live, now, moved) : { subjects: new Map<string, SubjectRef>(), newTaskAssignees: [] };

  // 4. The facts that fails/delays are derived from, for every subject touched.
  const touched = new Map<string, SubjectRef>();
  const again = new Set<string>();
  for (const { event: e, effects } of live) {
    const k = subjectKey(e.subject.kind, e.subject.id);
    if (effects.entries.length > 0 || effects.marks.length > 0) touched.set(k, { kind: e.subject.kind, id: e.subject.id });
    if (effects.marks.some((m) => m.kind !== 'completion')) again.add(k);
  }
  // A due time that arrived after the completion changes its lateness.
  for (const [k, v] of assigned.subjects) {
    touched.set(k, v);
    again.add(k);
  }
  const facts = await tx.assignments.facts(agency, [...touched.values()]);

  // 5. Entries.
  const entries = await buildEntries(tx, ctx, live, facts, now);
  await tx.journal.insertMany(agency, entries);
  const changed: DayKey[] = [];

  // 6. A task assignment that arrived after its completion: the completion is credited with the assigned work item.
  if (assigned.newTaskAssignees.length > 0) changed.push(...(await replanCompletions(tx, ctx, assigned.newTaskAssignees, now)));

  // 7. A mark or a due time that arrived after the entries it bears on (a rejection after the completion): re-derive them.
  if (again.size > 0) changed.push(...(await rederive(tx, agency, [...again].map((k) => touched.get(k)!), now, facts)));

  // 8. Last, the daily roll-ups: the new entries added to their days, the days of changed ones recomputed.
  await tx.journal.applyDays(agency, entries, changed);
  for (const e of entries) moved.users.add(e.userId);
  for (const k of changed) moved.users.add(k.userId);
}

/**
 * The journal entries that planned events make, as they are stored: the work item's version
 * and minutes, the local day, the status the settings give, fails and delays from the stored
 * facts. Used by applyEffects and by the rules editor's "try it", so that both say the same.
 */
export async function buildEntries(tx: Stores, ctx: AgencyContext, live: readonly LiveEvent[], facts: Map<string, SubjectFacts>, now: Date): Promise<NewEntry[]> {
  const agency = ctx.agency.code;
  const tz = ctx.settings.timeZone;
  const units = await tx.directory.unitsOf(agency, live.flatMap((p) => p.effects.entries.map((e) => e.userId)));
  const status = ctx.settings.autoApproveEventEntries ? 'approved' : 'pending';
  const entries: NewEntry[] = [];
  for (const { event: e, effects } of live) {
    if (effects.entries.length === 0) continue;
    const occurredAt = new Date(e.occurredAt);
    const day = localDay(occurredAt, tz);
    const completes = COMPLETION_TYPES.has(e.type);
    const f = facts.get(subjectKey(e.subject.kind, e.subject.id));
    const subjectTitle = e.subject.title ? e.subject.title.slice(0, 500) : null;
    for (const en of effects.entries) {
      // The version in force on the entry's day (docs/catalogue.md): the entry keeps it whatever the catalogue becomes.
      const item = itemOn(ctx, en.workItemCode, day);
      if (!item) continue; // the planner only returns catalogue items; guarded for a catalogue edited mid-chunk
      const d = deriveEntry({ userId: en.userId, completes, occurredAt }, f?.marks ?? [], f?.due.get(en.userId) ?? null);
      entries.push({
        userId: en.userId, unitId: units.get(en.userId) ?? null, day,
        workItemCode: item.code, itemVersion: item.version, itemKind: item.kind, standardMinutes: item.standardMinutes,
        quantity: en.quantity, coefficient: en.coefficient, rating: 1, minutes: entryMinutes(en.quantity, item.standardMinutes, en.coefficient),
        status, source: 'event', eventId: e.id, ruleId: en.ruleId, subjectKind: e.subject.kind, subjectId: e.subject.id,
        subjectTitle, fails: d.fails, delays: d.delays, late: d.late, completes,
        note: null, reviewReason: null, reviewedBy: status === 'approved' ? 'system' : null, reviewedAt: status === 'approved' ? now : null,
        occurredAt, createdAt: now, updatedAt: now,
      });
    }
  }
  return entries;
}

async function applyAssignments(tx: Stores, ctx: AgencyContext, live: readonly LiveEvent[], now: Date, moved: WriteReach): Promise<{ subjects: Map<string, SubjectRef>; newTaskAssignees: Array<{ subjectId: string; userId: string }> }> {
  const subjects = new Map<string, SubjectRef>();
  const newTaskAssignees: Array<{ subjectId: string; userId: string }> = [];
  const agency = ctx.agency.code;
  const tz = ctx.settings.timeZone;
  const key = (kind: string, id: string, user: string) => `${kind}\u0000${id}\u0000${user}`;
  // Only the subjects this chunk assigns, cancels or completes: the others' assignments are not read.
  const refs: SubjectRef[] = [];
  for (const p of live) if (p.effects.assignments.length > 0 || p.effects.marks.some((m) => m.kind === 'completion')) refs.push(p.event.subject);
  const existing = new Map<string, { id: number; status: AssignmentStatus }>();
  for (const a of await tx.assignments.ofSubjects(agency, refs)) existing.set(key(a.subjectKind, a.subjectId, a.userId), { id: a.id, status: a.status });
  // Cancellations and completions already stored (they may have arrived before the assignment), of
  // the subjects that may get a new assignment: the only ones initialStatus is asked about.
  const upserted: SubjectRef[] = [];
  for (const p of live) if (p.effects.assignments.some((a) => a.op === 'upsert')) upserted.push(p.event.subject);
  const stateMarks = new Map<string, Array<{ kind: string; userId: string | null }>>();
  for (const { subject, mark } of upserted.length === 0 ? [] : await tx.assignments.marksOf(agency, upserted, ['cancel', 'completion'])) {
    const k = subjectKey(subject.kind, subject.id);
    const list = stateMarks.get(k) ?? [];
    list.push({ kind: mark.kind, userId: mark.userId });
    stateMarks.set(k, list);
  }
  const initialStatus = (kind: string, id: string, userId: string): AssignmentStatus => {
    const marks = stateMarks.get(subjectKey(kind, id)) ?? [];
    if (marks.some((m) => m.kind === 'cancel' && (m.userId === null || m.userId === userId))) return 'cancelled';
    if (marks.some((m) => m.kind === 'completion' && m.userId === userId)) return 'completed';
    return 'open';
  };
  for (const { event: e, effects } of live) {
    for (const a of effects.assignments) {
      if (a.op === 'cancel') {
        if (a.userId === null) moved.all = true;
        else moved.users.add(a.userId);
        await tx.assignments.cancel(agency, e.subject, a.userId, now);
        for (const [k, v] of existing) if (k.startsWith(`${e.subject.kind}\u0000${e.subject.id}\u0000`) && (a.userId === null || k.endsWith(`\u0000${a.userId}`))) v.status = 'cancelled';
        continue;
      }
      const dueAt = a.dueAt ? new Date(a.dueAt) : null;
      const fields = {
        role: a.role, dueAt, dueDay: dueAt ? localDay(dueAt, tz) : null, workItemCode: a.workItemCode, quantity: a.quantity,
        minutes: assignmentMinutes(ctx, ctx.items, e, a), eventId: e.id, updatedAt: now,
      };
      const k = key(e.subject.kind, e.subject.id, a.userId);
      const prev = existing.get(k);
      moved.users.add(a.userId);
      if (prev) {
        // A cancelled or completed assignment keeps that state when the assignment is re-sent.
        await tx.assignments.update(prev.id, fields);
      } else {
        const status = initialStatus(e.subject.kind, e.subject.id, a.userId);
        const id = await tx.assignments.insert(agency, e.subject, a.userId, status, fields);
        existing.set(k, { id, status });
        if (e.subject.kind === 'task' && status === 'completed') newTaskAssignees.push({ subjectId: e.subject.id, userId: a.userId });
      }
      subjects.set(subjectKey(e.subject.kind, e.subject.id), { kind: e.subject.kind, id: e.subject.id });
    }
    for (const m of effects.marks) {
      if (m.kind !== 'completion') continue;
      const prev = existing.get(key(e.subject.kind, e.subject.id, m.userId ?? e.actor.id));
      if (prev && prev.status === 'open') {
        moved.users.add(m.userId ?? e.actor.id);
        await tx.assignments.setStatus(prev.id, 'completed', now);
        prev.status = 'completed';
      }
    }
  }
  return { subjects, newTaskAssignees };
}

/**
 * A completion stored before its task.assigned was planned without the assignment: plan it
 * again now that the assignment (its work item and quantity) is known, and update the entry.
 */
async function replanCompletions(tx: Stores, ctx: AgencyContext, pairs: Array<{ subjectId: string; userId: string }>, now: Date): Promise<DayKey[]> {
  const agency = ctx.agency.code;
  const changed: DayKey[] = [];
  for (const { subjectId, userId } of pairs) {
    const entries = await tx.journal.completionsOf(agency, subjectId, userId);
    if (entries.length === 0) continue;
    const a = (await tx.assignments.ofSubjects(agency, [{ kind: 'task', id: subjectId }])).find((x) => x.userId === userId);
    const assignment = { workItemCode: a?.workItemCode ?? null, quantity: a?.quantity ?? null };
    for (const en of entries) {
      const payload = await tx.events.payload(agency, en.eventId!);
      if (payload === null) continue;
      const plan = planEvent(JSON.parse(payload) as PlannerEvent, { rules: ctx.rules, catalogue: catalogueOn(ctx, en.day), assignment });
      const next = plan.entries.find((x) => x.userId === userId);
      const item = next ? itemOn(ctx, next.workItemCode, en.day) : undefined;
      if (!next || !item) continue;
      await tx.journal.update(agency, en.id, {
        workItemCode: item.code, itemVersion: item.version, itemKind: item.kind, standardMinutes: item.standardMinutes, quantity: next.quantity,
        coefficient: next.coefficient, ruleId: next.ruleId, minutes: entryMinutes(next.quantity, item.standardMinutes, next.coefficient, en.rating), updatedAt: now,
      });
      changed.push({ userId, day: en.day });
    }
  }
  return changed;
}

/**
 * m of an assignment (for `assignedBasis` assignments|max): the minutes its completion would
 * be credited with — the rule that a completion of this subject and role would match, with
 * the assignment's own work item and quantity where the host gave them.
 */
function assignmentMinutes(ctx: AgencyContext, catalogue: StoredWorkItem[], e: KpiEvent, a: { role: string; workItemCode: string | null; quantity: number | null }): number {
  const completion: PlannerEvent = {
    ...(e as unknown as PlannerEvent),
    type: e.subject.kind === 'task' ? 'task.completed' : 'document.processed',
    data: { ...e.data, role: a.role },
  };
  const m = matchRule(completion, ctx.rules, catalogue, { workItemCode: a.workItemCode });
  if (!m.matched) return 0;
  return entryMinutes(a.quantity ?? 1, m.item.standardMinutes, ruleCoefficient(completion, m.rule));
}

async function upsertDirectory(tx: Stores, agency: string, d: EventEffects['directory'][number], at: Date, tz: string): Promise<void> {
  if (d.kind === 'unit') {
    const prev = await tx.directory.unit(agency, d.id);
    if (prev && prev.updatedAt && prev.updatedAt.getTime() > at.getTime()) return; // an older update arriving late
    await tx.directory.putUnit(agency, { id: d.id, name: d.name, parentId: d.parentId, updatedAt: at }, !prev);
    return;
  }
  const prev = await tx.directory.user(agency, d.id);
  if (prev && prev.updatedAt && prev.updatedAt.getTime() > at.getTime()) return; // an older update arriving late
  const day = localDay(at, tz);
  const wasActive = prev ? prev.active : false;
  const activeFrom = d.active ? (prev && prev.activeFrom && (wasActive || !prev.activeTo) ? prev.activeFrom : day) : (prev?.activeFrom ?? null);
  const activeTo = d.active ? null : (wasActive || !prev ? day : prev.activeTo);
  await tx.directory.putUser(agency, {
    id: d.id, name: d.name, unitId: d.unitId, position: d.position, isLeader: d.isLeader, active: d.active, activeFrom, activeTo, updatedAt: at,
  }, !prev);
  // Entries made before the directory knew the official take the unit they were in.
  if (!prev && d.unitId !== null) await tx.journal.adoptUnit(agency, d.id, d.unitId);
}
