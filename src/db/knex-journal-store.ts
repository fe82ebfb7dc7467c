import type { Knex } from 'knex';
import type { DayKey, EntryPatch, EntryStatus, JournalEntry, NewEntry, SubjectRef } from '../domain/journal';
import type { DayEntry, JournalPageQuery, JournalStore, Penalties, PeriodTotals, TotalsQuery } from '../stores';
import { subjectParts } from './knex-assignment-store';
import type { SqlDialect } from './sql-dialects';
import { JournalDays } from './journal-days';
import { periodTotals } from './journal-totals';
import { toBool, toDate, toNum } from './rows';

/** Entry field → column of kpi_journal_entries: the one place the journal's row is spelled. */
const COLUMN = {
  userId: 'user_id', unitId: 'unit_id', day: 'day', workItemCode: 'work_item_code', itemVersion: 'item_version', itemKind: 'item_kind',
  standardMinutes: 'standard_minutes', quantity: 'quantity', coefficient: 'coefficient', rating: 'rating', minutes: 'minutes', status: 'status',
  source: 'source', eventId: 'event_id', ruleId: 'rule_id', subjectKind: 'subject_kind', subjectId: 'subject_id', subjectTitle: 'subject_title',
  fails: 'fails', delays: 'delays', late: 'late', completes: 'completes', note: 'note', reviewReason: 'review_reason', reviewedBy: 'reviewed_by',
  reviewedAt: 'reviewed_at', occurredAt: 'occurred_at', createdAt: 'created_at', updatedAt: 'updated_at',
} as const satisfies Record<keyof NewEntry, string>;

/** Every column of COLUMN exactly once (the compiler holds entryRow to it), and the agency. */
type EntryRow = { agency_code: string } & { [K in keyof typeof COLUMN as (typeof COLUMN)[K]]: NewEntry[K] };

const SELECT = ['id', ...Object.values(COLUMN).filter((c) => c !== 'created_at' && c !== 'updated_at')];

/**
 * The row of a new entry: the one place it is built. Its columns are always in the same order
 * (SQLite caches one prepared statement per shape), written out rather than looped over COLUMN
 * because the intake builds one per event.
 */
export function entryRow(agency: string, e: NewEntry): EntryRow {
  return {
    agency_code: agency, user_id: e.userId, unit_id: e.unitId, day: e.day, work_item_code: e.workItemCode, item_version: e.itemVersion,
    item_kind: e.itemKind, standard_minutes: e.standardMinutes, quantity: e.quantity, coefficient: e.coefficient, rating: e.rating,
    minutes: e.minutes, status: e.status, source: e.source, event_id: e.eventId, rule_id: e.ruleId, subject_kind: e.subjectKind,
    subject_id: e.subjectId, subject_title: e.subjectTitle, fails: e.fails, delays: e.delays, late: e.late, completes: e.completes,
    note: e.note, review_reason: e.reviewReason, reviewed_by: e.reviewedBy, reviewed_at: e.reviewedAt, occurred_at: e.occurredAt,
    created_at: e.createdAt, updated_at: e.updatedAt,
  };
}

function patchRow(p: EntryPatch): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(p)) if (v !== undefined) row[COLUMN[field as keyof typeof COLUMN]] = v;
  return row;
}

export function mapEntry(r: Record<string, unknown>): JournalEntry {
  return {
    id: String(r.id), userId: String(r.user_id), unitId: (r.unit_id as string | null) ?? null, day: String(r.day), workItemCode: String(r.work_item_code),
    itemVersion: toNum(r.item_version), itemKind: r.item_kind as JournalEntry['itemKind'], standardMinutes: toNum(r.standard_minutes),
    quantity: toNum(r.quantity), coefficient: toNum(r.coefficient), rating: toNum(r.rating), minutes: toNum(r.minutes),
    status: r.status as EntryStatus, source: r.source as JournalEntry['source'], eventId: (r.event_id as string | null) ?? null,
    ruleId: (r.rule_id as string | null) ?? null, subjectKind: (r.subject_kind as string | null) ?? null, subjectId: (r.subject_id as string | null) ?? null,
    subjectTitle: (r.subject_title as string | null) ?? null, fails: toNum(r.fails), delays: toNum(r.delays), late: toBool(r.late),
    completes: toBool(r.completes), note: (r.note as string | null) ?? null, reviewReason: (r.review_reason as string | null) ?? null,
    reviewedBy: (r.reviewed_by as string | null) ?? null, reviewedAt: toDate(r.reviewed_at), occurredAt: toDate(r.occurred_at),
  };
}

const ID = /^\d{1,18}$/;

/** The journal (kpi_journal_entries) and its daily roll-ups (kpi_journal_days, see journal-days.ts). */
export class KnexJournalStore implements JournalStore {
  private readonly days: JournalDays;

  /** `root` opens the roll-up's own rebuild transaction; `db` is what this store is bound to. */
  constructor(private readonly db: Knex | Knex.Transaction, private readonly root: Knex, private readonly dialect: SqlDialect) {
    this.days = new JournalDays(dialect);
  }

  private get trx(): Knex.Transaction {
    return this.db as Knex.Transaction;
  }

  async get(agency: string, id: string): Promise<JournalEntry | null> {
    if (!ID.test(id)) return null;
    const r = await this.db('kpi_journal_entries').where({ agency_code: agency, id }).first(...SELECT);
    return r ? mapEntry(r) : null;
  }

  async page(agency: string, q: JournalPageQuery): Promise<JournalEntry[]> {
    let query = this.db('kpi_journal_entries').where({ agency_code: agency }).andWhere('day', '>=', q.from).andWhere('day', '<=', q.to);
    if (q.unitId !== undefined) query = query.whereIn('user_id', this.db('kpi_users').select('id').where({ agency_code: agency, unit_id: q.unitId }));
    if (q.userId !== undefined) query = query.andWhere('user_id', q.userId);
    if (q.status !== undefined) query = query.andWhere('status', q.status);
    const after = q.after;
    if (after) query = query.andWhere((w) => w.where('day', '>', after.day).orWhere((x) => x.where('day', after.day).andWhere('id', '>', after.id)));
    const rows = await query.select(...SELECT).orderBy([{ column: 'day' }, { column: 'id' }]).limit(q.limit);
    return rows.map(mapEntry);
  }

  async ofSubjects(agency: string, subjects: readonly SubjectRef[]): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    for (const { kind, ids } of subjectParts(subjects, this.dialect.maxParams)) {
      const rows = await this.db('kpi_journal_entries').where({ agency_code: agency, subject_kind: kind }).whereIn('subject_id', ids)
        .select(...SELECT).orderBy([{ column: 'day' }, { column: 'id' }]);
      out.push(...rows.map(mapEntry));
    }
    return out;
  }

  async completionsOf(agency: string, taskId: string, userId: string): Promise<JournalEntry[]> {
    const rows = await this.db('kpi_journal_entries').where({ agency_code: agency, subject_kind: 'task', subject_id: taskId, user_id: userId, completes: true, source: 'event' }).select(...SELECT);
    return rows.map(mapEntry);
  }

  async ofUser(agency: string, userId: string, from: string, to: string, statuses: readonly EntryStatus[]): Promise<JournalEntry[]> {
    const rows = await this.db('kpi_journal_entries').where({ agency_code: agency, user_id: userId }).andWhere('day', '>=', from).andWhere('day', '<=', to)
      .whereIn('status', [...statuses]).select(...SELECT).orderBy([{ column: 'day' }, { column: 'id' }]);
    return rows.map(mapEntry);
  }

  async countPending(agency: string, from: string, to: string): Promise<number> {
    const r = await this.db('kpi_journal_entries').where({ agency_code: agency, status: 'pending' }).andWhere('day', '>=', from).andWhere('day', '<=', to).count({ n: '*' }).first();
    return toNum(r?.n ?? 0);
  }

  async eventsWithEntry(agency: string, userId: string, from: string, to: string): Promise<Set<string>> {
    const rows = await this.db('kpi_journal_entries').where({ agency_code: agency, user_id: userId }).whereNotNull('event_id')
      .andWhere('day', '>=', from).andWhere('day', '<=', to).select('event_id');
    return new Set(rows.map((r) => String(r.event_id)));
  }

  async manualSubjects(agency: string, userId: string): Promise<Set<string>> {
    const rows = await this.db('kpi_journal_entries').where({ agency_code: agency, user_id: userId, source: 'manual' }).whereNotNull('subject_id').select('subject_kind', 'subject_id');
    return new Set(rows.map((r) => `${r.subject_kind}\u0000${r.subject_id}`));
  }

  async entryOfEvent(agency: string, eventId: string, userId: string): Promise<string | null> {
    const r = await this.db('kpi_journal_entries').where({ agency_code: agency, event_id: eventId, user_id: userId }).first('id');
    return r ? String(r.id) : null;
  }

  insertMany(agency: string, entries: readonly NewEntry[]): Promise<void> {
    return this.dialect.insertMany(this.trx, 'kpi_journal_entries', entries.map((e) => entryRow(agency, e)));
  }

  applyDays(agency: string, added: readonly DayEntry[], changed: Iterable<DayKey>): Promise<void> {
    return this.days.apply(this.trx, agency, added, changed);
  }

  async insert(agency: string, entry: NewEntry): Promise<string> {
    const [ins] = (await this.db('kpi_journal_entries').insert(entryRow(agency, entry)).returning(['id'])) as Array<{ id: number | string } | number>;
    return String(typeof ins === 'object' ? ins.id : ins);
  }

  async update(agency: string, id: string, patch: EntryPatch): Promise<void> {
    await this.db('kpi_journal_entries').where({ agency_code: agency, id }).update(patchRow(patch));
  }

  async updateIfStatus(agency: string, id: string, from: readonly EntryStatus[], patch: EntryPatch): Promise<boolean> {
    const n = await this.db('kpi_journal_entries').where({ agency_code: agency, id }).whereIn('status', [...from]).update(patchRow(patch));
    return n > 0;
  }

  async deletePendingManual(agency: string, id: string): Promise<boolean> {
    const n = await this.db('kpi_journal_entries').where({ agency_code: agency, id, status: 'pending', source: 'manual' }).delete();
    return n > 0;
  }

  async adoptUnit(agency: string, userId: string, unitId: string): Promise<void> {
    await this.db('kpi_journal_entries').where({ agency_code: agency, user_id: userId }).whereNull('unit_id').update({ unit_id: unitId });
  }

  refreshDays(agency: string, keys: Iterable<DayKey>): Promise<void> {
    return this.days.refresh(this.trx, agency, keys);
  }

  ensureDays(agency: string, penalties: Penalties): Promise<boolean> {
    return this.days.ensure(this.root, agency, penalties);
  }

  async periodTotals(q: TotalsQuery): Promise<PeriodTotals> {
    await this.days.ensure(this.root, q.agency, { fail: q.failPenalty, delay: q.delayPenalty });
    return periodTotals(this.root, this.dialect, q);
  }

  async deleteEventEntry(agency: string, id: string): Promise<boolean> {
    const n = await this.db('kpi_journal_entries').where({ agency_code: agency, id, source: 'event' }).delete();
    return n > 0;
  }
}
