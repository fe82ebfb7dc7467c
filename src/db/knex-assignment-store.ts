import type { Knex } from 'knex';
import type { SubjectRef } from '../domain/journal';
import type { MarkFact, MarkKind } from '../rules/derive';
import { subjectKey, type Assignment, type AssignmentFields, type AssignmentStatus, type AssignmentStore, type NewMark, type SubjectFacts } from '../stores';
import type { SqlDialect } from './sql-dialects';
import { chunkForParams, toBool, toDate, toNum, toNumOrNull } from './rows';

/**
 * Subject ids grouped by kind, in parts small enough for one statement: every lookup by
 * subject names its kind too, so it uses the (agency, subject_kind, subject_id) indexes.
 */
export function subjectParts(subjects: Iterable<SubjectRef>, maxParams: number): Array<{ kind: string; ids: string[] }> {
  const byKind = new Map<string, Set<string>>();
  for (const s of subjects) {
    let set = byKind.get(s.kind);
    if (!set) byKind.set(s.kind, (set = new Set()));
    set.add(s.id);
  }
  const out: Array<{ kind: string; ids: string[] }> = [];
  for (const [kind, ids] of byKind) for (const part of chunkForParams([...ids], 1, maxParams - 4)) out.push({ kind, ids: part });
  return out;
}

/**
 * The kinds of the subjects and their ids in parts small enough for one statement, for a read that
 * names all kinds at once (`subject_kind in (…) and subject_id in (…)`: still the (agency,
 * subject_kind, subject_id) index, one statement per part instead of one per kind). An id of
 * one kind may bring rows of another kind that has it too; the caller keeps the subjects it asked for.
 */
function kindsAndIds(subjects: Iterable<SubjectRef>, maxParams: number): { kinds: string[]; parts: string[][] } {
  const kinds = new Set<string>();
  const ids = new Set<string>();
  for (const s of subjects) {
    kinds.add(s.kind);
    ids.add(s.id);
  }
  return { kinds: [...kinds], parts: chunkForParams([...ids], 1, maxParams - kinds.size - 4) };
}

function markOf(r: Record<string, unknown>): MarkFact {
  return { kind: r.kind as MarkKind, userId: (r.user_id as string | null) ?? null, excused: toBool(r.excused), newDueAt: toDate(r.new_due_at), at: toDate(r.at)! };
}

function fieldsRow(f: AssignmentFields): Record<string, unknown> {
  return { role: f.role, due_at: f.dueAt, due_day: f.dueDay, work_item_code: f.workItemCode, quantity: f.quantity, minutes: f.minutes, event_id: f.eventId, updated_at: f.updatedAt };
}

/** Assignments (kpi_assignments) and marks (kpi_marks). */
export class KnexAssignmentStore implements AssignmentStore {
  constructor(private readonly db: Knex | Knex.Transaction, private readonly dialect: SqlDialect) {}

  async ofSubjects(agency: string, subjects: readonly SubjectRef[]): Promise<Assignment[]> {
    const out: Assignment[] = [];
    for (const { kind, ids } of subjectParts(subjects, this.dialect.maxParams)) {
      const rows = await this.db('kpi_assignments').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', ids)
        .select('id', 'subject_kind', 'subject_id', 'user_id', 'status', 'work_item_code', 'quantity', 'due_at');
      for (const r of rows) {
        out.push({
          id: toNum(r.id), subjectKind: String(r.subject_kind), subjectId: String(r.subject_id), userId: String(r.user_id), status: r.status as AssignmentStatus,
          workItemCode: (r.work_item_code as string | null) ?? null, quantity: toNumOrNull(r.quantity), dueAt: toDate(r.due_at),
        });
      }
    }
    return out;
  }

  async insert(agency: string, subject: SubjectRef, userId: string, status: AssignmentStatus, fields: AssignmentFields): Promise<number> {
    const [ins] = (await this.db('kpi_assignments').insert({ agency_code: agency, subject_kind: subject.kind, subject_id: subject.id, user_id: userId, status, ...fieldsRow(fields) }).returning(['id'])) as Array<{ id: number } | number>;
    return typeof ins === 'object' ? toNum(ins.id) : toNum(ins);
  }

  async update(id: number, fields: AssignmentFields): Promise<void> {
    await this.db('kpi_assignments').where({ id }).update(fieldsRow(fields));
  }

  async setStatus(id: number, status: AssignmentStatus, now: Date): Promise<void> {
    await this.db('kpi_assignments').where({ id }).update({ status, updated_at: now });
  }

  async cancel(agency: string, subject: SubjectRef, userId: string | null, now: Date): Promise<void> {
    let q = this.db('kpi_assignments').where({ agency_code: agency, subject_kind: subject.kind, subject_id: subject.id });
    if (userId !== null) q = q.andWhere('user_id', userId);
    await q.update({ status: 'cancelled', updated_at: now });
  }

  insertMarks(agency: string, marks: NewMark[]): Promise<void> {
    const rows = marks.map((m) => ({
      agency_code: agency, subject_kind: m.subjectKind, subject_id: m.subjectId, event_id: m.eventId,
      user_id: m.userId, kind: m.kind, excused: m.excused, new_due_at: m.newDueAt, at: m.at,
    }));
    return this.dialect.insertMany(this.db as Knex.Transaction, 'kpi_marks', rows);
  }

  async marksOf(agency: string, subjects: readonly SubjectRef[], kinds?: readonly MarkKind[]): Promise<Array<{ subject: SubjectRef; mark: MarkFact }>> {
    const out: Array<{ subject: SubjectRef; mark: MarkFact }> = [];
    for (const { kind, ids } of subjectParts(subjects, this.dialect.maxParams - (kinds?.length ?? 0))) {
      let q = this.db('kpi_marks').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', ids);
      if (kinds) q = q.whereIn('kind', [...kinds]);
      for (const r of await q.select('subject_kind', 'subject_id', 'user_id', 'kind', 'excused', 'new_due_at', 'at')) {
        out.push({ subject: { kind: String(r.subject_kind), id: String(r.subject_id) }, mark: markOf(r) });
      }
    }
    return out;
  }

  async facts(agency: string, subjects: readonly SubjectRef[]): Promise<Map<string, SubjectFacts>> {
    const out = new Map<string, SubjectFacts>();
    if (subjects.length === 0) return out;
    const wanted = new Set(subjects.map((s) => subjectKey(s.kind, s.id)));
    const get = (kind: string, id: string): SubjectFacts | null => {
      const k = subjectKey(kind, id);
      if (!wanted.has(k)) return null;
      let f = out.get(k);
      if (!f) out.set(k, (f = { marks: [], due: new Map() }));
      return f;
    };
    // Two reads for all kinds (the intake asks for documents and tasks together), not two per kind.
    const { kinds, parts } = kindsAndIds(subjects, this.dialect.maxParams);
    for (const ids of parts) {
      for (const r of await this.db('kpi_marks').where({ agency_code: agency }).whereIn('subject_kind', kinds).whereIn('subject_id', ids).select('subject_kind', 'subject_id', 'user_id', 'kind', 'excused', 'new_due_at', 'at')) {
        get(String(r.subject_kind), String(r.subject_id))?.marks.push(markOf(r));
      }
      for (const r of await this.db('kpi_assignments').where({ agency_code: agency }).whereIn('subject_kind', kinds).whereIn('subject_id', ids).select('subject_kind', 'subject_id', 'user_id', 'due_at')) {
        get(String(r.subject_kind), String(r.subject_id))?.due.set(String(r.user_id), toDate(r.due_at));
      }
    }
    return out;
  }

  async minutesDue(agency: string, from: string, to: string, userIds?: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const run = async (ids?: string[]) => {
      let q = this.db('kpi_assignments').select('user_id').select(this.db.raw('sum(minutes) as m'))
        .where('agency_code', agency).andWhere('due_day', '>=', from).andWhere('due_day', '<=', to).andWhereNot('status', 'cancelled')
        .groupBy('user_id');
      if (ids) q = q.whereIn('user_id', ids);
      for (const r of await q) out.set(String(r.user_id), toNum(r.m));
    };
    if (!userIds) await run();
    else for (const part of chunkForParams(userIds, 1, this.dialect.maxParams - 20)) await run(part);
    return out;
  }
}
